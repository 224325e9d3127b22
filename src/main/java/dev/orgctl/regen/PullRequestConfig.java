package dev.orgctl.regen;

import dev.orgctl.hosts.PullRequestOptions;
import dev.orgctl.hosts.PullRequestOptions.MergeMethod;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An {@code orgctl.yaml} {@code pull_request} block, at the top (the organization's) or under
 * {@code repos.<name>} (one repository's, overriding key by key). Every key is optional; a key left
 * out everywhere keeps today's behaviour. Schema: docs/templates.md "Pull requests".
 *
 * @param autoMerge {@code Optional.of(Optional.empty())} is an explicit {@code auto_merge: false}
 */
public record PullRequestConfig(Optional<ConfigTemplate> branch, Optional<ConfigTemplate> title,
                                Optional<ConfigTemplate> body, Optional<ConfigTemplate> message,
                                Optional<List<String>> labels, Optional<List<String>> reviewers,
                                Optional<List<String>> teamReviewers, Optional<List<String>> assignees,
                                Optional<Boolean> draft, Optional<Optional<MergeMethod>> autoMerge) {

    static final String KEY = "pull_request";
    private static final String[] KEYS = {"branch", "title", "body", "message", "labels", "reviewers",
        "team_reviewers", "assignees", "draft", "auto_merge"};

    public static final PullRequestConfig EMPTY = new PullRequestConfig(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    /** This block with every key {@code over} sets replaced by its value. */
    public PullRequestConfig overriddenBy(PullRequestConfig over) {
        return new PullRequestConfig(or(over.branch, branch), or(over.title, title), or(over.body, body),
                or(over.message, message), or(over.labels, labels), or(over.reviewers, reviewers),
                or(over.teamReviewers, teamReviewers), or(over.assignees, assignees), or(over.draft, draft),
                or(over.autoMerge, autoMerge));
    }

    private static <T> Optional<T> or(Optional<T> first, Optional<T> second) {
        return first.isPresent() ? first : second;
    }

    /** What the pull request carries besides title and body. */
    public PullRequestOptions options() {
        return new PullRequestOptions(labels.orElse(List.of()), reviewers.orElse(List.of()),
                teamReviewers.orElse(List.of()), assignees.orElse(List.of()), draft.orElse(false),
                autoMerge.flatMap(m -> m));
    }

    /** Reads a {@code pull_request} block; {@code key} is where it is ({@code pull_request}, {@code repos.api.pull_request}). */
    static PullRequestConfig read(RegenConfig.Reader r, YamlTree.Node node, String key) {
        Map<String, YamlTree.Field> f = r.map(node, key, KEYS).fields();
        return new PullRequestConfig(template(r, f, key, "branch"), template(r, f, key, "title"),
                template(r, f, key, "body"), template(r, f, key, "message"), names(r, f, key, "labels"),
                names(r, f, key, "reviewers"), names(r, f, key, "team_reviewers"), names(r, f, key, "assignees"),
                f.containsKey("draft") ? Optional.of(r.bool(f.get("draft").value(), key + ".draft")) : Optional.empty(),
                f.containsKey("auto_merge") ? Optional.of(autoMerge(r, f.get("auto_merge").value(), key + ".auto_merge"))
                        : Optional.empty());
    }

    private static Optional<ConfigTemplate> template(RegenConfig.Reader r, Map<String, YamlTree.Field> f, String key,
                                                     String name) {
        if (!f.containsKey(name)) {
            return Optional.empty();
        }
        YamlTree.Node n = f.get(name).value();
        String k = key + "." + name;
        String source = r.string(n, k);
        if (source.isBlank()) {
            throw r.error(n, k, "must not be empty (leave the key out for orgctl's default)");
        }
        return Optional.of(ConfigTemplate.parse(r.file(), n.line(), k, source));
    }

    private static Optional<List<String>> names(RegenConfig.Reader r, Map<String, YamlTree.Field> f, String key,
                                                String name) {
        if (!f.containsKey(name)) {
            return Optional.empty();
        }
        YamlTree.Node n = f.get(name).value();
        List<String> out = r.strings(n, key + "." + name);
        for (String s : out) {
            if (s.isBlank() || s.chars().anyMatch(Character::isWhitespace) && !name.equals("labels")) {
                throw r.error(n, key + "." + name, "'" + s + "' is not a GitHub "
                        + (name.equals("labels") ? "label" : name.equals("team_reviewers") ? "team slug" : "login"));
            }
        }
        return Optional.of(out);
    }

    private static Optional<MergeMethod> autoMerge(RegenConfig.Reader r, YamlTree.Node n, String key) {
        if (n instanceof YamlTree.Scalar s && s.value() instanceof Boolean b) {
            return b ? Optional.of(MergeMethod.MERGE) : Optional.empty();
        }
        return Optional.of(r.parseEnum(n, key, MergeMethod::parse));
    }
}
