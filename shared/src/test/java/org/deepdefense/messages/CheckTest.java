package org.deepdefense.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CheckTest {

    private static final String LONGEST_SEGMENT = "x".repeat(128);

    static List<String> validKeys() {
        return List.of("a", "run-1/epoch-5/model.params", "A.b_c-d/0", LONGEST_SEGMENT + "/y");
    }

    static List<String> invalidKeys() {
        return List.of("a/", ".hidden", "a/-b", LONGEST_SEGMENT + "x", "a b", "a\u2028b", "é");
    }

    @ParameterizedTest
    @MethodSource("validKeys")
    void acceptsStoreRelativeKeys(String key) {
        assertEquals(key, Check.storeKey("key", key));
    }

    @ParameterizedTest
    @MethodSource("invalidKeys")
    void rejectsKeySegmentsOutsideTheSafeAlphabet(String key) {
        assertThrows(InvalidMessageException.class, () -> Check.storeKey("key", key));
    }

    @Test
    void quotesShortenedOnOneLine() {
        assertEquals("'a\\u000db'", Check.quote("a\rb"));
        assertEquals("'" + "x".repeat(80) + "…'", Check.quote("x".repeat(81)));
    }

    @Test
    void rejectsNaNFromJavaCallers() {
        var e = assertThrows(InvalidMessageException.class, () -> Check.inRange("loss", Double.NaN, "[0, inf)"));
        assertEquals("loss must be a finite number in [0, inf), got NaN", e.getMessage());
    }
}
