package dev.orgctl.hosts.git;

import dev.orgctl.hosts.Visibility;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The GitHub-like metadata of a bare repository of the git backend, kept in the repository's own
 * git config under the {@code [orgctl]} section (see docs/git-backend.md):
 *
 * <pre>
 * [orgctl]
 *     topics = java, service
 *     visibility = private
 *     archived = false
 *     language = Java
 * </pre>
 *
 * The default branch is not stored here: it is where {@code HEAD} points.
 */
public record GitRepoSettings(String defaultBranch, List<String> topics, Visibility visibility, boolean archived,
                              Optional<String> language) {
    public GitRepoSettings {
        Objects.requireNonNull(defaultBranch, "defaultBranch");
        topics = List.copyOf(topics);
        Objects.requireNonNull(visibility, "visibility");
        Objects.requireNonNull(language, "language");
    }

    public static GitRepoSettings defaults() {
        return new GitRepoSettings("main", List.of(), Visibility.PUBLIC, false, Optional.empty());
    }

    public GitRepoSettings withTopics(String... t) {
        return new GitRepoSettings(defaultBranch, List.of(t), visibility, archived, language);
    }

    public GitRepoSettings withVisibility(Visibility v) {
        return new GitRepoSettings(defaultBranch, topics, v, archived, language);
    }

    public GitRepoSettings withArchived(boolean a) {
        return new GitRepoSettings(defaultBranch, topics, visibility, a, language);
    }

    public GitRepoSettings withLanguage(String l) {
        return new GitRepoSettings(defaultBranch, topics, visibility, archived, Optional.ofNullable(l));
    }

    public GitRepoSettings withDefaultBranch(String b) {
        return new GitRepoSettings(b, topics, visibility, archived, language);
    }
}
