package org.deepdefense.messages;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every JSON example in docs/MESSAGES.md must be a valid record of the type its section is named after. */
class MessagesDocTest {

    // Surefire runs in the module directory; the docs live at the repository root.
    private static final Path DOC = Path.of("..", "docs", "MESSAGES.md");
    private static final Pattern SECTION = Pattern.compile("(?m)^## (\\w+)$");
    private static final Pattern JSON_BLOCK = Pattern.compile("(?s)```json\\n(.*?)```");

    @TestFactory
    Stream<DynamicTest> everyExampleParsesAndRoundTrips() throws IOException {
        String doc = Files.readString(DOC);
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<?> type : Message.class.getPermittedSubclasses()) {
            String section = section(doc, type.getSimpleName());
            Matcher block = JSON_BLOCK.matcher(section);
            int examples = 0;
            while (block.find()) {
                byte[] json = block.group(1).getBytes(UTF_8);
                Class<? extends Message> messageType = type.asSubclass(Message.class);
                tests.add(DynamicTest.dynamicTest(type.getSimpleName() + " example " + ++examples, () -> {
                    Message message = Messages.parse(json, messageType);
                    assertEquals(message, Messages.parse(Messages.toJson(message), messageType));
                }));
            }
            assertTrue(examples > 0, "no json example under ## " + type.getSimpleName());
        }
        return tests.stream();
    }

    /** The text from "## name" to the next second-level heading. */
    private static String section(String doc, String name) {
        Matcher heading = SECTION.matcher(doc);
        int start = -1;
        while (heading.find()) {
            if (start >= 0) {
                return doc.substring(start, heading.start());
            }
            if (heading.group(1).equals(name)) {
                start = heading.end();
            }
        }
        assertTrue(start >= 0, "docs/MESSAGES.md has no section ## " + name + "; sections: "
                + Arrays.toString(SECTION.matcher(doc).results().map(r -> r.group(1)).toArray()));
        return doc.substring(start);
    }
}
