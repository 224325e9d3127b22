package dev.orgctl.regen;

/** What a plan does to one file. */
public enum FileAction {
    CREATE, UPDATE, DELETE, UNCHANGED,
    /** Someone changed a file orgctl owns and the drift policy keeps it: left as it is, and reported. */
    DRIFT_REPORTED,
    /**
     * orgctl cannot write this file safely (a directory or a file stands in the way, a managed block
     * in a file whose encoding it would damage, ...): left as it is, reported with the reason, and
     * the repository's other files are still written.
     */
    REFUSED;

    public boolean changes() {
        return this == CREATE || this == UPDATE || this == DELETE;
    }

    /** Lower-case, hyphenated, for output. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
