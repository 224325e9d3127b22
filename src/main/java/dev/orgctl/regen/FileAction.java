package dev.orgctl.regen;

/** What a plan does to one file. */
public enum FileAction {
    CREATE, UPDATE, DELETE, UNCHANGED,
    /** Someone changed a file orgctl owns and the drift policy is {@code report}: left as it is. */
    DRIFT_REPORTED;

    public boolean changes() {
        return this == CREATE || this == UPDATE || this == DELETE;
    }

    /** Lower-case, hyphenated, for output. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
