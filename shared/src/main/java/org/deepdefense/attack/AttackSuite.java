package org.deepdefense.attack;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Named lists of attacks, run in order. {@code paper}: what the paper reports (DeepFool ρ₂, FGS at ratios of
 * ε_ref). {@code standard}: that plus the stable FGS and AutoAttack's standard suite (APGD-CE, APGD-T, Square).
 * {@code full}: everything registered.
 */
public final class AttackSuite {
    public static final Map<String, List<String>> PRESETS = Map.of(
            "paper", List.of("deepfool", "paper-fgs"),
            "standard", List.of("deepfool", "paper-fgs", "fgs", "apgd-ce", "apgd-t", "square"),
            "full", List.of("deepfool", "deepfool-short", "paper-fgs", "fgs", "cw-l2", "pgd", "apgd-ce", "apgd-t",
                    "square"));

    private AttackSuite() {}

    /**
     * Attack names, each either a registered attack or a preset, expanded in order without repeats.
     *
     * @throws IllegalArgumentException for a name that is neither
     */
    public static List<String> expand(List<String> names) {
        LinkedHashSet<String> attacks = new LinkedHashSet<>();
        for (String name : names) {
            List<String> preset = PRESETS.get(name);
            if (preset != null) {
                attacks.addAll(preset);
            } else {
                Attacks.spec(name);
                attacks.add(name);
            }
        }
        return new ArrayList<>(attacks);
    }

    /** Registered attacks and presets: what an {@code attacks} list may name. */
    public static List<String> vocabulary() {
        List<String> all = new ArrayList<>(Attacks.names());
        all.addAll(List.of("paper", "standard", "full"));
        return all;
    }
}
