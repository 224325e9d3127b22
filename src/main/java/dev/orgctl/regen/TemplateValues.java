package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values a template sees:
 *
 * <pre>
 * org                  the organization
 * repo.name            repository name
 * repo.full_name       org/name
 * repo.default_branch  e.g. main
 * repo.topics          list of topics
 * repo.visibility      public | private | internal
 * repo.language        primary language, "" when unknown
 * templates.repo       the templates repository, org/.github
 * vars.*               values from orgctl.yaml (global, set, groups, repository)
 * </pre>
 *
 * The template revision is deliberately not a variable: output that depends on it would change
 * at every template push and commit to every repository.
 */
public final class TemplateValues {
    private TemplateValues() {
    }

    public static Map<String, Object> of(RepositoryInfo repo, String templatesRepo, Map<String, Object> vars) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", repo.name());
        r.put("full_name", repo.fullName());
        r.put("default_branch", repo.defaultBranch());
        r.put("topics", List.copyOf(repo.topics()));
        r.put("visibility", repo.visibility().apiName());
        r.put("language", repo.language().orElse(""));
        r.put("archived", repo.archived());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("org", repo.org());
        root.put("repo", r);
        root.put("templates", Map.of("repo", templatesRepo));
        root.put("vars", vars);
        return root;
    }
}
