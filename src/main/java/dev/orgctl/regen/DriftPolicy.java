package dev.orgctl.regen;

import java.util.Locale;

/** What to do when someone changed a file orgctl owns. */
public enum DriftPolicy {
    /** Put the generated content back (default). */
    REPAIR,
    /** Leave the file as the person left it and report the drift in the plan. */
    REPORT,
    /**
     * Like {@code repair}, and also delete a file (or remove a block) that is no longer generated
     * even when someone changed it: what they wrote there is lost. Opt-in; the plan says so.
     */
    DISCARD;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DriftPolicy parse(String s) {
        for (DriftPolicy p : values()) {
            if (p.yamlName().equals(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown drift policy '" + s + "': expected repair, report or discard");
    }
}
