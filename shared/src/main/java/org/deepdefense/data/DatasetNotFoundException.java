package org.deepdefense.data;

import java.io.IOException;

/** A dataset's files are not where they were looked for; the message says which file, where, and how to get it. */
public class DatasetNotFoundException extends IOException {
    public DatasetNotFoundException(String message) {
        super(message);
    }
}
