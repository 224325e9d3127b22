package dev.orgctl.testing.github;

import dev.orgctl.testing.github.FakeResolver.CommitNode;
import dev.orgctl.testing.github.FakeResolver.RefNode;
import dev.orgctl.testing.github.GitHubSchema.Refusal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * The mutations the fake runs: {@code createCommitOnBranch} (fenced on {@code expectedHeadOid}: a
 * moved head is a {@code STALE_DATA} error, like GitHub's "Expected branch to point to ... but it
 * did not. Pull and try again.") and {@code updateRefs} (compare-and-set on {@code beforeOid}).
 * Their inputs arrive already checked and coerced against GitHub's input types: required fields
 * are present, unknown ones were refused before this runs.
 */
final class FakeMutations {
    private static final String ZEROS = "0000000000000000000000000000000000000000";

    private final GitHubFake f;
    private final Call call;
    private final FakeResolver reads;

    FakeMutations(GitHubFake fake, Call call, FakeResolver reads) {
        this.f = fake;
        this.call = call;
        this.reads = reads;
    }

    @SuppressWarnings("unchecked")
    Object mutation(String field, Map<String, Object> args) {
        Map<String, Object> input = (Map<String, Object>) args.get("input");
        switch (field) {
            case "createCommitOnBranch":
                return createCommitOnBranch(input);
            case "updateRefs":
                return updateRefs(input);
            case "enablePullRequestAutoMerge":
                requirePullRequestsWrite();
                return FakePullSettings.enableAutoMerge(f, input);
            default:
                throw FakeResolver.unknown("Mutation", field);
        }
    }

    private FakeRepo repoOf(String nameWithOwner, String repositoryId) {
        Optional<FakeRepo> r = Optional.empty();
        if (nameWithOwner != null && nameWithOwner.contains("/")) {
            String[] p = nameWithOwner.split("/", 2);
            r = f.repo(p[0], p[1]);
        } else if (repositoryId != null) {
            r = f.orgs.values().stream().flatMap(o -> o.repos.values().stream())
                    .filter(x -> x.nodeId().equals(repositoryId)).findFirst();
        }
        FakeRepo repo = r.orElseThrow(() -> new Refusal("NOT_FOUND", "Could not resolve to a Repository with "
                + "the name '" + (nameWithOwner != null ? nameWithOwner : repositoryId) + "'."));
        reads.visible(repo);
        call.repo = repo;
        return repo;
    }

    private void requirePullRequestsWrite() {
        try {
            call.require(List.of("repo", "public_repo"), "pull_requests", "write");
        } catch (HttpError e) {
            throw new Refusal("FORBIDDEN", e.getMessage());
        }
    }

    private void requireContentsWrite() {
        try {
            call.require(List.of("repo", "public_repo"), "contents", "write");
        } catch (HttpError e) {
            throw new Refusal("FORBIDDEN", e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private Object createCommitOnBranch(Map<String, Object> input) {
        Map<String, Object> branch = (Map<String, Object>) input.get("branch");
        Map<String, Object> message = (Map<String, Object>) input.get("message");
        String expected = (String) input.get("expectedHeadOid");
        FakeRepo repo = repoOf((String) branch.get("repositoryNameWithOwner"), (String) branch.get("repositoryId"));
        requireContentsWrite();
        String ref = "refs/heads/" + branch.get("branchName");
        Optional<String> head = repo.git.ref(ref);
        if (head.isEmpty()) {
            throw new Refusal("NOT_FOUND", "A ref named \"" + ref + "\" does not exist in " + repo.fullName() + ".");
        }
        if (!head.get().equals(expected)) {
            throw stale(expected);
        }
        String headline = (String) message.get("headline");
        if (headline.isBlank()) {
            throw new Refusal("UNPROCESSABLE", "A commit message headline is required.");
        }
        String body = (String) message.get("body");
        Map<String, Object> changes = input.get("fileChanges") == null ? Map.of()
                : (Map<String, Object>) input.get("fileChanges");
        Map<String, FakeGit.Blob> puts = new LinkedHashMap<>();
        for (Map<String, Object> a : (List<Map<String, Object>>) changes.getOrDefault("additions", List.of())) {
            String path = (String) a.get("path");
            byte[] content;
            try {
                content = Base64.getDecoder().decode((String) a.get("contents"));
            } catch (IllegalArgumentException e) {
                throw new Refusal("UNPROCESSABLE", "contents of " + path + " is not valid base64");
            }
            // createCommitOnBranch writes every added file as a regular file (mode 100644).
            puts.put(path, new FakeGit.Blob(content, false));
        }
        List<String> deletes = new ArrayList<>();
        for (Map<String, Object> d : (List<Map<String, Object>>) changes.getOrDefault("deletions", List.of())) {
            String path = (String) d.get("path");
            if (repo.git.entry(head.get(), path).isEmpty()) {
                throw new Refusal("UNPROCESSABLE", "A path was requested for deletion which does not exist as "
                        + "of commit oid `" + head.get() + "`");
            }
            deletes.add(path);
        }
        String full = body == null || body.isEmpty() ? headline : headline + "\n\n" + body;
        PersonIdent committer = new PersonIdent("GitHub", "noreply@github.com");
        String commit = repo.git.commit(head, puts, deletes, f.writes.identity(call.principal), committer, full);
        boolean moved;
        try {
            moved = !f.writes.updateRef(repo, ref, head, commit, call.principal);
        } catch (FakeWrites.WorkflowRefused e) {
            throw new Refusal("FORBIDDEN", e.getMessage());
        }
        if (moved) {
            throw stale(expected);
        }
        // GitHub signs commits made with this mutation: they show as verified.
        repo.verified.add(commit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("__typename", "CreateCommitOnBranchPayload");
        out.put("clientMutationId", input.get("clientMutationId"));
        out.put("commit", new CommitNode(repo, commit));
        out.put("ref", new RefNode(repo, ref, commit));
        return out;
    }

    private static Refusal stale(String expected) {
        return new Refusal("STALE_DATA", "Expected branch to point to \"" + expected
                + "\" but it did not. Pull and try again.");
    }

    @SuppressWarnings("unchecked")
    private Object updateRefs(Map<String, Object> input) {
        FakeRepo repo = repoOf(null, (String) input.get("repositoryId"));
        requireContentsWrite();
        List<Map<String, Object>> updates = (List<Map<String, Object>>) input.get("refUpdates");
        synchronized (repo) {
            for (Map<String, Object> u : updates) {
                check(repo, u);
            }
            for (Map<String, Object> u : updates) {
                String name = (String) u.get("name");
                String after = (String) u.get("afterOid");
                Optional<String> current = repo.git.ref(name);
                try {
                    if (!f.writes.updateRef(repo, name, current, after.equals(ZEROS) ? null : after, call.principal)) {
                        throw new Refusal("STALE_DATA", "Reference " + name + " moved during the update.");
                    }
                } catch (FakeWrites.WorkflowRefused e) {
                    throw new Refusal("FORBIDDEN", e.getMessage());
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("__typename", "UpdateRefsPayload");
        out.put("clientMutationId", input.get("clientMutationId"));
        return out;
    }

    /** One {@code RefUpdate}: its {@code beforeOid} fence, its target, fast-forward unless forced. */
    private static void check(FakeRepo repo, Map<String, Object> u) {
        String name = (String) u.get("name");
        String after = (String) u.get("afterOid");
        String before = (String) u.get("beforeOid");
        boolean force = Boolean.TRUE.equals(u.get("force"));
        Optional<String> current = repo.git.ref(name);
        if (before != null) {
            Optional<String> want = before.equals(ZEROS) ? Optional.empty() : Optional.of(before);
            if (!want.equals(current)) {
                throw new Refusal("STALE_DATA", "Reference " + name + " was expected to point to "
                        + before + " but points to " + current.orElse(ZEROS) + ".");
            }
        }
        if (!after.equals(ZEROS) && !repo.git.exists(after, Constants.OBJ_COMMIT)) {
            throw new Refusal("UNPROCESSABLE", "Object " + after + " does not exist.");
        }
        if (!force && current.isPresent() && !after.equals(ZEROS) && !repo.git.isAncestor(current.get(), after)) {
            throw new Refusal("UNPROCESSABLE", "Update of " + name + " is not a fast forward.");
        }
    }
}
