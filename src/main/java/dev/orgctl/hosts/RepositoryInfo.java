package dev.orgctl.hosts;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What orgctl knows about a repository without reading its content: the inputs of target
 * selection and the built-in template variables.
 *
 * @param ref           org and name
 * @param defaultBranch the branch regeneration commits to (GitHub's {@code default_branch})
 * @param topics        GitHub topics, lower case
 * @param visibility    public, private or internal
 * @param archived      archived repositories are never regenerated
 * @param language      GitHub's primary language, when known
 */
public record RepositoryInfo(RepoRef ref, String defaultBranch, List<String> topics, Visibility visibility,
                             boolean archived, Optional<String> language) {
    public RepositoryInfo {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(defaultBranch, "defaultBranch");
        topics = List.copyOf(topics);
        Objects.requireNonNull(visibility, "visibility");
        Objects.requireNonNull(language, "language");
    }

    public String org() {
        return ref.org();
    }

    public String name() {
        return ref.name();
    }

    public String fullName() {
        return ref.fullName();
    }
}
