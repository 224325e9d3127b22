package dev.orgctl.testing.github;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How to create a fake repository; immutable, with {@code withX} builders. */
public record RepoSpec(String name, String visibility, String defaultBranch, List<String> topics, String language,
                       boolean archived, Map<String, String> files) {
    public static RepoSpec named(String name) {
        return new RepoSpec(name, "public", "main", List.of(), null, false, Map.of("README.md", "# " + name + "\n"));
    }

    public RepoSpec visibility(String v) {
        return new RepoSpec(name, v, defaultBranch, topics, language, archived, files);
    }

    public RepoSpec defaultBranch(String b) {
        return new RepoSpec(name, visibility, b, topics, language, archived, files);
    }

    public RepoSpec topics(String... t) {
        return new RepoSpec(name, visibility, defaultBranch, List.of(t), language, archived, files);
    }

    public RepoSpec language(String l) {
        return new RepoSpec(name, visibility, defaultBranch, topics, l, archived, files);
    }

    public RepoSpec archived(boolean a) {
        return new RepoSpec(name, visibility, defaultBranch, topics, language, a, files);
    }

    /** The files of the initial commit; empty makes an empty repository (no commit, no branch). */
    public RepoSpec files(Map<String, String> f) {
        return new RepoSpec(name, visibility, defaultBranch, topics, language, archived, new LinkedHashMap<>(f));
    }
}
