package dev.orgctl.regen;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * orgctl's commit messages and the pure checks the controller builds snake prevention on: is a
 * commit orgctl's own, does a push touch a file orgctl owns, is a push a template change.
 *
 * <p>Message format (the subject ends with {@code [skip-regen]}; the trailers are the last
 * paragraph, so {@code git interpret-trailers} and GitHub read them):
 *
 * <pre>
 * orgctl: regenerate from acme/.github@1a2b3c4d5e6f [skip-regen]
 *
 * update .github/workflows/ci.yml
 * create CODEOWNERS
 *
 * Orgctl-Run-Id: run-7f0c...
 * Orgctl-Template-Rev: 1a2b3c4d5e6f...
 * Orgctl-Fence: 42
 * </pre>
 */
public final class Provenance {
    public static final String SKIP_MARKER = "[skip-regen]";
    public static final String RUN_ID = "Orgctl-Run-Id";
    public static final String TEMPLATE_REV = "Orgctl-Template-Rev";
    public static final String FENCE = "Orgctl-Fence";
    private static final int MAX_LISTED = 50;

    private Provenance() {
    }

    /** The commit message of a plan's commit. */
    public static String commitMessage(RepoPlan plan, RunContext ctx) {
        return commitMessage(defaultText(plan), plan, ctx);
    }

    /**
     * A commit message from {@code text} (a subject, optionally a blank line and a body): the
     * subject gets {@code [skip-regen]} when it lacks it, and orgctl's trailers end the message
     * whatever {@code text} says, because they are how orgctl recognizes its own commits.
     */
    public static String commitMessage(String text, RepoPlan plan, RunContext ctx) {
        String t = text.replace("\r\n", "\n").strip();
        String[] parts = t.split("\n", 2);
        StringBuilder sb = new StringBuilder(parts[0]);
        if (!parts[0].contains(SKIP_MARKER)) {
            sb.append(' ').append(SKIP_MARKER);
        }
        if (parts.length > 1 && !parts[1].isBlank()) {
            sb.append("\n\n").append(parts[1].strip());
        }
        sb.append("\n\n");
        sb.append(RUN_ID).append(": ").append(ctx.runId()).append('\n');
        sb.append(TEMPLATE_REV).append(": ").append(plan.templateRev()).append('\n');
        ctx.fence().ifPresent(f -> sb.append(FENCE).append(": ").append(f.token()).append('\n'));
        ctx.extraTrailers().forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        return sb.toString();
    }

    private static String defaultText(RepoPlan plan) {
        StringBuilder sb = new StringBuilder();
        sb.append("orgctl: regenerate from ").append(plan.templatesRepo()).append('@')
                .append(Headers.shortRev(plan.templateRev())).append(' ').append(SKIP_MARKER).append("\n\n");
        int listed = 0;
        int changed = 0;
        for (FilePlan f : plan.allFiles()) {
            if (!f.action().changes()) {
                continue;
            }
            changed++;
            if (listed < MAX_LISTED) {
                sb.append(f.action().label()).append(' ').append(f.path());
                if (!f.note().isEmpty()) {
                    sb.append(" (").append(f.note()).append(')');
                }
                sb.append('\n');
                listed++;
            }
        }
        if (changed > listed) {
            sb.append("... and ").append(changed - listed).append(" more\n");
        }
        return sb.toString();
    }

    /**
     * The trailers of a commit message: the {@code Key: value} lines of its last paragraph, when
     * that paragraph consists of trailers only. Keys keep their spelling; the first value wins.
     */
    public static Map<String, String> trailers(String message) {
        Map<String, String> out = new LinkedHashMap<>();
        String m = message.replace("\r\n", "\n").strip();
        int cut = m.lastIndexOf("\n\n");
        if (cut < 0) {
            return out;
        }
        for (String line : m.substring(cut + 2).split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0 || !line.substring(0, colon).matches("[A-Za-z][A-Za-z0-9-]*")) {
                return new LinkedHashMap<>();
            }
            out.putIfAbsent(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return out;
    }

    /**
     * Whether a commit message is one orgctl writes: subject with {@code [skip-regen]} and the
     * {@code Orgctl-Run-Id} and {@code Orgctl-Template-Rev} trailers. A person can copy such a
     * message, so the controller should also check the commit id against the commits orgctl
     * recorded ({@link #isOwnPush(JsonNode, Predicate)}).
     */
    public static boolean isOrgctlCommit(String message) {
        if (message == null) {
            return false;
        }
        String subject = message.strip().split("\n", 2)[0];
        Map<String, String> t = trailers(message);
        return subject.contains(SKIP_MARKER) && !t.getOrDefault(RUN_ID, "").isEmpty()
                && !t.getOrDefault(TEMPLATE_REV, "").isEmpty();
    }

    /** Whether any of the changed paths is one orgctl owns (see {@link OwnershipManifest#ownedPaths()}). */
    public static boolean touchesOwnedFile(Collection<String> changedPaths, Set<String> ownedPaths) {
        for (String p : changedPaths) {
            if (ownedPaths.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /** Every path added, removed or modified by the commits of a GitHub {@code push} payload. */
    public static Set<String> changedPaths(JsonNode push) {
        Set<String> out = new TreeSet<>();
        for (JsonNode c : push.path("commits")) {
            for (String k : List.of("added", "removed", "modified")) {
                for (JsonNode p : c.path(k)) {
                    out.add(p.asText());
                }
            }
        }
        return out;
    }

    /** The ids of the commits of a {@code push} payload, oldest first. */
    public static List<String> commitIds(JsonNode push) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : push.path("commits")) {
            out.add(c.path("id").asText());
        }
        return out;
    }

    /**
     * Whether every commit of a push is orgctl's own (snake prevention, layer 1): each has
     * orgctl's message form and {@code isRecorded} confirms its id (pass {@code id -> true} to
     * rely on the message alone). A push without commits (a branch deletion) is not own.
     */
    public static boolean isOwnPush(JsonNode push, Predicate<String> isRecorded) {
        JsonNode commits = push.path("commits");
        if (!commits.isArray() || commits.isEmpty()) {
            return false;
        }
        for (JsonNode c : commits) {
            if (!isOrgctlCommit(c.path("message").asText(null)) || !isRecorded.test(c.path("id").asText())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a {@code push} is a template change: to the templates repository's default branch,
     * touching {@code templates/} or {@code orgctl.yaml}.
     */
    public static boolean isTemplateChange(JsonNode push) {
        JsonNode repo = push.path("repository");
        if (!TemplateSnapshot.TEMPLATES_REPO.equals(repo.path("name").asText())) {
            return false;
        }
        if (!("refs/heads/" + repo.path("default_branch").asText()).equals(push.path("ref").asText())) {
            return false;
        }
        for (String p : changedPaths(push)) {
            if (p.equals(RegenConfig.FILE) || p.startsWith(TemplateSnapshot.TEMPLATES_DIR + "/")) {
                return true;
            }
        }
        return false;
    }
}
