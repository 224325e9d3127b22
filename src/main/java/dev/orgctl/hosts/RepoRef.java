package dev.orgctl.hosts;

import java.util.Objects;

/** A repository of an organization, by name: {@code org/name}. */
public record RepoRef(String org, String name) {
    public RepoRef {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(name, "name");
        if (org.isBlank() || name.isBlank()) {
            throw new IllegalArgumentException("org and repository name must not be blank");
        }
    }

    /** {@code org/name}, as GitHub's {@code full_name}. */
    public String fullName() {
        return org + "/" + name;
    }

    public static RepoRef parse(String fullName) {
        int slash = fullName.indexOf('/');
        if (slash <= 0 || slash == fullName.length() - 1 || fullName.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("not an owner/name repository name: " + fullName);
        }
        return new RepoRef(fullName.substring(0, slash), fullName.substring(slash + 1));
    }

    @Override
    public String toString() {
        return fullName();
    }
}
