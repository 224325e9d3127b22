package dev.orgctl.testing.github;

import dev.orgctl.testing.github.GitHubSchema.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The fields of GitHub's schema the fake answers, from its state, for one request. Queries:
 * {@code repository(owner,name)} with {@code ref}, {@code object}, {@code defaultBranchRef},
 * {@code pullRequests}; {@code Commit.file(path)}, trees, blobs; {@code rateLimit}. Mutations are
 * {@link FakeMutations}. Objects the fake builds as maps carry their {@code __typename}; a field
 * the fake does not answer is a defect of the fake, reported as such (never as GitHub's error).
 */
final class FakeResolver implements GitHubSchema.Resolver {
    private final GitHubFake f;
    private final Call call;
    private boolean hooksRan;

    FakeResolver(GitHubFake fake, Call call) {
        this.f = fake;
        this.call = call;
    }

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
        throw new IllegalStateException("the fake cannot name the GraphQL type of " + v);
    }

    @Override
    public Object resolve(String type, Object parent, String field, Map<String, Object> args) {
        switch (type) {
            case "Query":
                return query(field, args);
            case "Mutation":
                runHooks();
                return new FakeMutations(f, call, this).mutation(field, args);
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
                if (parent instanceof Map<?, ?> m && m.containsKey(field)) {
                    return m.get(field);
                }
                throw unknown(type, field);
        }
    }

    /** The test's hooks run right before the request's first mutation field, once. */
    private void runHooks() {
        if (hooksRan) {
            return;
        }
        hooksRan = true;
        Runnable before = f.beforeMutation.getAndSet(null);
        if (before != null) {
            before.run();
        }
        Consumer<String> every = f.beforeEveryMutation.get();
        if (every != null) {
            every.accept(call.principal.login());
        }
    }

    private Object query(String field, Map<String, Object> args) {
        switch (field) {
            case "repository": {
                String owner = (String) args.get("owner");
                String name = (String) args.get("name");
                FakeRepo r = f.repo(owner, name).orElseThrow(() -> new Refusal("NOT_FOUND",
                        "Could not resolve to a Repository with the name '" + owner + "/" + name + "'."));
                visible(r);
                call.repo = r;
                return r;
            }
            case "rateLimit": {
                FakeLimits.State s = f.limits.state(call.principal.account(), "graphql");
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("__typename", "RateLimit");
                m.put("cost", 1);
                m.put("limit", s.limit());
                m.put("remaining", s.remaining());
                m.put("used", s.used());
                m.put("nodeCount", 1);
                m.put("resetAt", java.time.Instant.ofEpochSecond(s.reset()).toString());
                return m;
            }
            default:
                throw unknown("Query", field);
        }
    }

    void visible(FakeRepo r) {
        try {
            call.visible(r);
        } catch (HttpError e) {
            throw new Refusal("NOT_FOUND", "Could not resolve to a Repository with the name '" + r.fullName() + "'.");
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
            case "object":
                return object(r, args);
            case "pullRequests":
                return pullRequests(r, args);
            case "autoMergeAllowed":
                return r.autoMergeAllowed;
            default:
                throw unknown("Repository", field);
        }
    }

    private Object object(FakeRepo r, Map<String, Object> args) {
        String oid = (String) args.get("oid");
        if (oid == null) {
            String expr = (String) args.get("expression");
            if (expr == null) {
                // Both arguments are optional in the schema; GitHub's answer to neither is undocumented.
                throw new Refusal("INVALID", "object needs oid or expression");
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

    private Object pullRequests(FakeRepo r, Map<String, Object> args) {
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
            case "committedDate":
                return rc.getCommitterIdent().getWhenAsInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        .toString();
            case "authoredDate":
                return rc.getAuthorIdent().getWhenAsInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        .toString();
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
                return p.merged ? "MERGED" : p.state.toUpperCase(Locale.ROOT);
            case "headRefName":
                return p.head;
            case "baseRefName":
                return p.base;
            case "headRefOid":
                return p.repo.head(p.head).orElse(null);
            case "isDraft":
                return p.draft;
            case "autoMergeRequest":
                return FakePullSettings.autoMergeRequest(p);
            default:
                throw unknown("PullRequest", field);
        }
    }

    /** A field GitHub has but the fake does not answer: the fake's defect, failing the test that met it. */
    static IllegalStateException unknown(String type, String field) {
        return new IllegalStateException("the fake does not implement " + type + "." + field
                + ": add it to FakeResolver");
    }
}
