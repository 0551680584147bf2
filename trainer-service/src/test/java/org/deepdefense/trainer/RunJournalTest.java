package org.deepdefense.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepdefense.messages.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunJournalTest {

    @TempDir
    Path dir;

    private static Accepted accepted(String runId, long offset) {
        byte[] payload = Runs.request(runId, "").getBytes(StandardCharsets.UTF_8);
        return new Accepted(Messages.parseTrainingRequest(payload), "requests", 0, offset, runId, payload);
    }

    @Test
    void bringsBackUnfinishedRequestsInTheOrderTheyWereAccepted() throws Exception {
        RunJournal journal = new RunJournal(dir);
        journal.record(accepted("run-b", 3));
        Thread.sleep(5);
        journal.record(accepted("run-a", 4));
        journal.record(accepted("run-c", 5));
        journal.remove("run-c");

        List<Accepted> pending = new RunJournal(dir).pending();

        assertEquals(List.of("run-b", "run-a"), pending.stream().map(Accepted::runId).toList());
        Accepted first = pending.get(0);
        assertEquals(3, first.offset());
        assertEquals("requests", first.topic());
        assertArrayEquals(accepted("run-b", 3).payload(), first.payload());
    }

    @Test
    void dropsEntriesItCannotRead() throws Exception {
        Files.writeString(dir.resolve("broken.json"), "{not json");
        RunJournal journal = new RunJournal(dir);
        journal.record(accepted("run-ok", 1));

        assertEquals(List.of("run-ok"), journal.pending().stream().map(Accepted::runId).toList());
        assertEquals(List.of(dir.resolve("run-ok.json")), Files.list(dir).toList());
    }
}
