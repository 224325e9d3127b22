package dev.orgctl.config;

import java.util.Arrays;

/**
 * A value that must never reach logs, output or exception messages. Its {@code toString} is
 * redacted, so string concatenation, records and loggers cannot leak it by accident.
 */
public final class Secret {
    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return new Secret(value.toCharArray());
    }

    /** The secret itself, for the one place that hands it to a library. */
    public char[] reveal() {
        return value.clone();
    }

    public String revealAsString() {
        return new String(value);
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }
}
