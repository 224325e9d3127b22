package dev.orgctl.testing.github;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.testing.github.GitHubFake.Call;
import dev.orgctl.testing.github.GitHubFake.HttpError;
import dev.orgctl.testing.github.GitHubFake.Reply;
import dev.orgctl.testing.github.MiniGraphQL.GraphQLError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The GraphQL side of the fake: the part of GitHub's schema orgctl uses, resolved from the fake's
 * state. Queries: {@code repository(owner,name)} with {@code ref}, {@code object}, {@code
 * defaultBranchRef}, {@code pullRequests}; {@code Commit.file(path)}, trees, blobs. Mutations:
 * {@code createCommitOnBranch} (fenced on {@code expectedHeadOid}: a moved head is a
 * {@code STALE_DATA} error, like GitHub's "Expected branch to point to ... but it did not. Pull and
 * try again.") and {@code updateRefs} (compare-and-set on {@code beforeOid}).
 */
final class FakeGraphQL {
    private static final String ZEROS = "0000000000000000000000000000000000000000";

    private final GitHubFake f;

    FakeGraphQL(GitHubFake fake) {
        this.f = fake;
    }

    record Prepared(MiniGraphQL.Document doc, MiniGraphQL.Operation op, Map<String, Object> variables) {
        boolean mutation() {
            return op.type().equals("mutation");
        }

        String operationName() {
            return op.name() == null ? "(anonymous)" : op.name();
        }
    }

    Prepared prepare(byte[] body) {
        JsonNode req;
        try {
            req = GitHubFake.JSON.readTree(body);
        } catch (Exception e) {
            throw new HttpError(400, "Problems parsing JSON");
        }
        String query = req.path("query").asText("");
        try {
            MiniGraphQL.Document doc = MiniGraphQL.parse(query);
            MiniGraphQL.Operation op = doc.operation(req.path("operationName").asText(null));
            Map<String, Object> vars = req.path("variables").isObject()
                    ? GitHubFake.JSON.convertValue(req.path("variables"), new TypeReference<Map<String, Object>>() { })
                    : Map.of();
            return new Prepared(doc, op, vars);
        } catch (GraphQLError e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    Reply execute(Call call, Prepared p) {
        if (p.mutation()) {
            Runnable before = f.beforeMutation.getAndSet(null);
            if (before != null) {
                before.run();
            }
            java.util.function.Consumer<String> every = f.beforeEveryMutation.get();
            if (every != null) {
                every.accept(call.principal.login());
            }
        }
        Resolver r = new Resolver(call);
        return Reply.json(200, MiniGraphQL.execute(p.doc(), p.op(), p.variables(), r));
    }

    // ---------------------------------------------------------------- nodes

    record RefNode(FakeRepo repo, String name, String oid) {
    }

    record CommitNode(FakeRepo repo, String oid) {
    }

    record TreeNode(FakeRepo repo, String oid, String path) {
    }

    record EntryNode(FakeRepo repo, FakeGit.Entry entry) {
    }

    record BlobNode(FakeRepo repo, String oid) {
    }

    private final class Resolver implements MiniGraphQL.Resolver {
        private final Call call;

        Resolver(Call call) {
            this.call = call;
        }

        @Override
        public String typeName(Object v) {
            if (v instanceof FakeRepo) {
                return "Repository";
            }
            if (v instanceof RefNode) {
                return "Ref";
            }
            if (v instanceof CommitNode) {
                return "Commit";
            }
            if (v instanceof TreeNode) {
                return "Tree";
            }
            if (v instanceof EntryNode) {
                return "TreeEntry";
            }
            if (v instanceof BlobNode) {
                return "Blob";
            }
            if (v instanceof FakePull) {
                return "PullRequest";
            }
            if (v instanceof Map<?, ?> m && m.get("__typename") instanceof String t) {
                return t;
            }
            return "Object";
        }

        @Override
        public Object resolve(String type, Object parent, String field, Map<String, Object> args) {
            switch (type) {
                case "Query":
                    return query(field, args);
                case "Mutation":
                    return mutation(field, args);
                case "Repository":
                    return repository((FakeRepo) parent, field, args);
                case "Ref":
                    return ref((RefNode) parent, field);
                case "Commit":
                    return commit((CommitNode) parent, field, args);
                case "Tree":
                    return tree((TreeNode) parent, field);
                case "TreeEntry":
                    return entry((EntryNode) parent, field);
                case "Blob":
                    return blob((BlobNode) parent, field);
                case "PullRequest":
                    return pull((FakePull) parent, field);
                default:
                    if (parent instanceof Map<?, ?> m) {
                        if (!m.containsKey(field)) {
                            throw unknown(type, field);
                        }
                        return m.get(field);
                    }
                    throw unknown(type, field);
            }
        }

        private Object query(String field, Map<String, Object> args) {
            switch (field) {
                case "repository": {
                    String owner = (String) args.get("owner");
                    String name = (String) args.get("name");
                    FakeRepo r = f.repo(owner, name).orElseThrow(() -> new GraphQLError("NOT_FOUND",
                            "Could not resolve to a Repository with the name '" + owner + "/" + name + "'."));
                    visible(r);
                    call.repo = r;
                    return r;
                }
                case "rateLimit":
                    return Map.of("__typename", "RateLimit", "cost", 1, "limit", 5000, "remaining", 4999);
                default:
                    throw unknown("Query", field);
            }
        }

        private void visible(FakeRepo r) {
            try {
                call.visible(r);
            } catch (HttpError e) {
                throw new GraphQLError("NOT_FOUND", "Could not resolve to a Repository with the name '"
                        + r.fullName() + "'.");
            }
        }

        private Object repository(FakeRepo r, String field, Map<String, Object> args) {
            switch (field) {
                case "id":
                    return r.nodeId();
                case "name":
                    return r.name;
                case "nameWithOwner":
                    return r.fullName();
                case "isArchived":
                    return r.archived;
                case "visibility":
                    return r.visibility.toUpperCase(Locale.ROOT);
                case "defaultBranchRef":
                    return r.head(r.defaultBranch).map(h -> new RefNode(r, "refs/heads/" + r.defaultBranch, h))
                            .orElse(null);
                case "ref": {
                    String q = (String) args.get("qualifiedName");
                    String full = q.startsWith("refs/") ? q : "refs/heads/" + q;
                    return r.git.ref(full).map(h -> new RefNode(r, full, h)).orElse(null);
                }
                case "object": {
                    String oid = (String) args.get("oid");
                    if (oid == null) {
                        String expr = (String) args.get("expression");
                        if (expr == null) {
                            throw new GraphQLError("INVALID", "object needs oid or expression");
                        }
                        oid = r.resolve(expr).orElse(null);
                    }
                    if (oid == null) {
                        return null;
                    }
                    if (r.git.exists(oid, Constants.OBJ_COMMIT)) {
                        return new CommitNode(r, oid);
                    }
                    if (r.git.exists(oid, Constants.OBJ_TREE)) {
                        return new TreeNode(r, oid, "");
                    }
                    if (r.git.exists(oid, Constants.OBJ_BLOB)) {
                        return new BlobNode(r, oid);
                    }
                    return null;
                }
                case "pullRequests": {
                    String head = (String) args.get("headRefName");
                    String base = (String) args.get("baseRefName");
                    @SuppressWarnings("unchecked")
                    List<String> states = (List<String>) args.get("states");
                    int first = args.get("first") == null ? 100 : ((Number) args.get("first")).intValue();
                    List<Object> nodes = new ArrayList<>();
                    for (FakePull p : r.pulls) {
                        if (head != null && !head.equals(p.head) || base != null && !base.equals(p.base)) {
                            continue;
                        }
                        if (states != null && !states.contains(p.state.toUpperCase(Locale.ROOT))) {
                            continue;
                        }
                        if (nodes.size() < first) {
                            nodes.add(p);
                        }
                    }
                    Map<String, Object> conn = new LinkedHashMap<>();
                    conn.put("__typename", "PullRequestConnection");
                    conn.put("nodes", nodes);
                    conn.put("totalCount", nodes.size());
                    return conn;
                }
                default:
                    throw unknown("Repository", field);
            }
        }

        private Object ref(RefNode ref, String field) {
            switch (field) {
                case "name":
                    return ref.name().startsWith("refs/heads/") ? ref.name().substring(11) : ref.name();
                case "prefix":
                    return ref.name().startsWith("refs/heads/") ? "refs/heads/" : "refs/";
                case "id":
                    return "REF_" + ref.repo().id + "_" + ref.name().hashCode();
                case "target":
                    return new CommitNode(ref.repo(), ref.oid());
                default:
                    throw unknown("Ref", field);
            }
        }

        private Object commit(CommitNode c, String field, Map<String, Object> args) {
            RevCommit rc = c.repo().git.parse(c.oid());
            switch (field) {
                case "oid":
                    return c.oid();
                case "message":
                    return rc.getFullMessage();
                case "messageHeadline":
                    return rc.getShortMessage();
                case "messageBody": {
                    String m = rc.getFullMessage();
                    int nl = m.indexOf("\n\n");
                    return nl < 0 ? "" : m.substring(nl + 2);
                }
                case "url":
                    return f.url() + "/" + c.repo().fullName() + "/commit/" + c.oid();
                case "tree":
                    return new TreeNode(c.repo(), rc.getTree().name(), "");
                case "parents": {
                    List<Object> nodes = new ArrayList<>();
                    for (RevCommit p : rc.getParents()) {
                        nodes.add(new CommitNode(c.repo(), p.name()));
                    }
                    return Map.of("__typename", "CommitConnection", "nodes", nodes, "totalCount", nodes.size());
                }
                case "file": {
                    String path = (String) args.get("path");
                    return c.repo().git.entry(c.oid(), path).map(e -> new EntryNode(c.repo(), e)).orElse(null);
                }
                case "author":
                case "committer": {
                    PersonIdent p = field.equals("author") ? rc.getAuthorIdent() : rc.getCommitterIdent();
                    return Map.of("__typename", "GitActor", "name", p.getName(), "email", p.getEmailAddress());
                }
                case "signature":
                    return c.repo().verified.contains(c.oid())
                            ? Map.of("__typename", "GpgSignature", "isValid", true, "state", "VALID") : null;
                default:
                    throw unknown("Commit", field);
            }
        }

        private Object tree(TreeNode t, String field) {
            switch (field) {
                case "oid":
                    return t.oid();
                case "entries": {
                    List<Object> out = new ArrayList<>();
                    for (FakeGit.Entry e : t.repo().git.children(t.oid(), t.path())) {
                        out.add(new EntryNode(t.repo(), e));
                    }
                    return out;
                }
                default:
                    throw unknown("Tree", field);
            }
        }

        private Object entry(EntryNode n, String field) {
            FakeGit.Entry e = n.entry();
            switch (field) {
                case "name": {
                    int slash = e.path().lastIndexOf('/');
                    return slash < 0 ? e.path() : e.path().substring(slash + 1);
                }
                case "path":
                    return e.path();
                case "mode":
                    return e.mode();
                case "type":
                    return e.type();
                case "oid":
                    return e.oid();
                case "object":
                    return e.type().equals("tree") ? new TreeNode(n.repo(), e.oid(), e.path())
                            : e.type().equals("blob") ? new BlobNode(n.repo(), e.oid()) : null;
                default:
                    throw unknown("TreeEntry", field);
            }
        }

        private Object blob(BlobNode b, String field) {
            byte[] bytes = b.repo().git.blob(b.oid()).orElse(new byte[0]);
            boolean binary = RawText.isBinary(bytes);
            switch (field) {
                case "oid":
                    return b.oid();
                case "byteSize":
                    return bytes.length;
                case "isBinary":
                    return binary;
                case "isTruncated":
                    return false;
                case "text":
                    return binary ? null : new String(bytes, StandardCharsets.UTF_8);
                default:
                    throw unknown("Blob", field);
            }
        }

        private Object pull(FakePull p, String field) {
            switch (field) {
                case "id":
                    return p.nodeId();
                case "number":
                    return p.number;
                case "url":
                    return f.url() + "/" + p.repo.fullName() + "/pull/" + p.number;
                case "title":
                    return p.title;
                case "body":
                    return p.body == null ? "" : p.body;
                case "state":
                    return p.state.toUpperCase(Locale.ROOT);
                case "headRefName":
                    return p.head;
                case "baseRefName":
                    return p.base;
                case "headRefOid":
                    return p.repo.head(p.head).orElse(null);
                default:
                    throw unknown("PullRequest", field);
            }
        }

        // ------------------------------------------------------------ mutations

        private Object mutation(String field, Map<String, Object> args) {
            @SuppressWarnings("unchecked")
            Map<String, Object> input = (Map<String, Object>) args.get("input");
            if (input == null) {
                throw new GraphQLError("INVALID", "Argument 'input' on Field '" + field + "' has an invalid value.");
            }
            switch (field) {
                case "createCommitOnBranch":
                    return createCommitOnBranch(input);
                case "updateRefs":
                    return updateRefs(input);
                default:
                    throw unknown("Mutation", field);
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
            FakeRepo repo = r.orElseThrow(() -> new GraphQLError("NOT_FOUND", "Could not resolve to a Repository with "
                    + "the name '" + (nameWithOwner != null ? nameWithOwner : repositoryId) + "'."));
            visible(repo);
            call.repo = repo;
            return repo;
        }

        private void requireContentsWrite() {
            try {
                call.require(List.of("repo", "public_repo"), "contents", "write");
            } catch (HttpError e) {
                throw new GraphQLError("FORBIDDEN", e.getMessage());
            }
        }

        @SuppressWarnings("unchecked")
        private Object createCommitOnBranch(Map<String, Object> input) {
            Map<String, Object> branch = (Map<String, Object>) input.get("branch");
            Map<String, Object> message = (Map<String, Object>) input.get("message");
            String expected = (String) input.get("expectedHeadOid");
            if (branch == null || message == null || expected == null) {
                throw new GraphQLError("INVALID", "Variable $input of type CreateCommitOnBranchInput! was provided "
                        + "invalid value: branch, message and expectedHeadOid are required");
            }
            FakeRepo repo = repoOf((String) branch.get("repositoryNameWithOwner"), (String) branch.get("repositoryId"));
            requireContentsWrite();
            String branchName = (String) branch.get("branchName");
            String ref = "refs/heads/" + branchName;
            Optional<String> head = repo.git.ref(ref);
            if (head.isEmpty()) {
                throw new GraphQLError("NOT_FOUND", "A ref named \"" + ref + "\" does not exist in "
                        + repo.fullName() + ".");
            }
            if (!head.get().equals(expected)) {
                throw new GraphQLError("STALE_DATA", "Expected branch to point to \"" + expected
                        + "\" but it did not. Pull and try again.");
            }
            String headline = (String) message.get("headline");
            if (headline == null || headline.isBlank()) {
                throw new GraphQLError("UNPROCESSABLE", "A commit message headline is required.");
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
                    throw new GraphQLError("UNPROCESSABLE", "contents of " + path + " is not valid base64");
                }
                // createCommitOnBranch writes every added file as a regular file (mode 100644).
                puts.put(path, new FakeGit.Blob(content, false));
            }
            List<String> deletes = new ArrayList<>();
            for (Map<String, Object> d : (List<Map<String, Object>>) changes.getOrDefault("deletions", List.of())) {
                String path = (String) d.get("path");
                if (repo.git.entry(head.get(), path).isEmpty()) {
                    throw new GraphQLError("UNPROCESSABLE", "A path was requested for deletion which does not exist as "
                            + "of commit oid `" + head.get() + "`");
                }
                deletes.add(path);
            }
            String full = body == null || body.isEmpty() ? headline : headline + "\n\n" + body;
            PersonIdent committer = new PersonIdent("GitHub", "noreply@github.com");
            String commit = repo.git.commit(head, puts, deletes, f.identity(call.principal), committer, full);
            boolean moved;
            try {
                moved = !f.updateRef(repo, ref, head, commit, call.principal);
            } catch (GitHubFake.WorkflowRefused e) {
                throw new GraphQLError("FORBIDDEN", e.getMessage());
            }
            if (moved) {
                throw new GraphQLError("STALE_DATA", "Expected branch to point to \"" + expected
                        + "\" but it did not. Pull and try again.");
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

        @SuppressWarnings("unchecked")
        private Object updateRefs(Map<String, Object> input) {
            FakeRepo repo = repoOf(null, (String) input.get("repositoryId"));
            requireContentsWrite();
            List<Map<String, Object>> updates = (List<Map<String, Object>>) input.getOrDefault("refUpdates", List.of());
            synchronized (repo) {
                for (Map<String, Object> u : updates) {
                    String name = (String) u.get("name");
                    String after = (String) u.get("afterOid");
                    String before = (String) u.get("beforeOid");
                    boolean force = Boolean.TRUE.equals(u.get("force"));
                    Optional<String> current = repo.git.ref(name);
                    if (before != null) {
                        Optional<String> want = before.equals(ZEROS) ? Optional.empty() : Optional.of(before);
                        if (!want.equals(current)) {
                            throw new GraphQLError("STALE_DATA", "Reference " + name + " was expected to point to "
                                    + before + " but points to " + current.orElse(ZEROS) + ".");
                        }
                    }
                    if (!after.equals(ZEROS) && !repo.git.exists(after, Constants.OBJ_COMMIT)) {
                        throw new GraphQLError("UNPROCESSABLE", "Object " + after + " does not exist.");
                    }
                    if (!force && current.isPresent() && !after.equals(ZEROS)
                            && !repo.git.isAncestor(current.get(), after)) {
                        throw new GraphQLError("UNPROCESSABLE", "Update of " + name + " is not a fast forward.");
                    }
                }
                for (Map<String, Object> u : updates) {
                    String name = (String) u.get("name");
                    String after = (String) u.get("afterOid");
                    Optional<String> current = repo.git.ref(name);
                    try {
                        if (!f.updateRef(repo, name, current, after.equals(ZEROS) ? null : after, call.principal)) {
                            throw new GraphQLError("STALE_DATA", "Reference " + name + " moved during the update.");
                        }
                    } catch (GitHubFake.WorkflowRefused e) {
                        throw new GraphQLError("FORBIDDEN", e.getMessage());
                    }
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("__typename", "UpdateRefsPayload");
            out.put("clientMutationId", input.get("clientMutationId"));
            return out;
        }

        private GraphQLError unknown(String type, String field) {
            return new GraphQLError("undefinedField", "Field '" + field + "' doesn't exist on type '" + type + "'");
        }
    }
}
