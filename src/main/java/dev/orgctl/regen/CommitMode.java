package dev.orgctl.regen;

/** How a regeneration reaches a repository. */
public enum CommitMode {
    /** One commit on the default branch. */
    DIRECT,
    /** One branch ({@code orgctl/regenerate}) kept up to date, and a pull request where the host has them. */
    PULL_REQUEST;

    public String yamlName() {
        return this == DIRECT ? "direct" : "pull-request";
    }

    public static CommitMode parse(String s) {
        for (CommitMode m : values()) {
            if (m.yamlName().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + s + "': expected direct or pull-request");
    }
}
