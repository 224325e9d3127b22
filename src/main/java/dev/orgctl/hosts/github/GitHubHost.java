package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectInserter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code github} repository host: GitHub's REST and GraphQL APIs through {@link GitHubClient}.
 * Every operation is shaped to cost as few calls as GitHub allows:
 *
 * <ul>
 *   <li>listing: {@code GET /orgs/{org}/repos} 100 per page, conditional (an unchanged org costs
 *       nothing to list again);</li>
 *   <li>reading a branch: one GraphQL query returns the head commit and every selected file and
 *       subtree at that commit, consistently. The snapshot is remembered; the next read first
 *       revalidates the branch ref with its ETag ({@code GET /git/ref/heads/{b}}): a 304 (free) or
 *       an unchanged head serves the remembered snapshot without reading a file;</li>
 *   <li>writing: one GraphQL {@code createCommitOnBranch} with {@code expectedHeadOid}: one call,
 *       fenced on the planned head (a moved head is {@link CommitResult.MovedHead}, never forced),
 *       and signed by GitHub (verified). Files that must be executable, which that mutation cannot
 *       write (it writes every file as 100644), take the REST Git Data path instead: tree, commit,
 *       and a ref update fenced with GraphQL {@code updateRefs}' {@code beforeOid};</li>
 *   <li>pull-request mode: the proposal branch is reset onto the base head with a fenced
 *       {@code updateRefs}, gets one {@code createCommitOnBranch}, and one pull request per
 *       repository is opened or updated in place.</li>
 * </ul>
 *
 * <p>Commits made through {@code createCommitOnBranch} are authored by the authenticated account
 * (the App's bot, or the token's user): {@link CommitRequest#identity()} applies to the Git Data
 * path only.
 */
public final class GitHubHost implements RepositoryHost {
    private static final Logger log = LoggerFactory.getLogger(GitHubHost.class);
    static final String ZEROS = "0000000000000000000000000000000000000000";

    /** How long the proposal branch's absence seen by a read is trusted. */
    static final int PROPOSAL_KNOWLEDGE_SECONDS = 60;

    private final GitHubClient client;
    private final SnapshotCache cache;
    private final java.time.Clock clock = java.time.Clock.systemUTC();

    public GitHubHost(GitHubClient client) {
        this(client, 20_000);
    }

    /** @param cacheEntries how many branch snapshots are remembered (one per repository and branch read) */
    public GitHubHost(GitHubClient client, int cacheEntries) {
        this.client = client;
        this.cache = new SnapshotCache(cacheEntries);
    }

    public GitHubClient client() {
        return client;
    }

    @Override
    public String kind() {
        return "github";
    }

    // ---------------------------------------------------------------- reads

    @Override
    public List<RepositoryInfo> listRepositories(String org) {
        List<RepositoryInfo> out = new ArrayList<>();
        for (JsonNode r : client.getAll("/orgs/" + seg(org) + "/repos?per_page=100&type=all&sort=full_name",
                Optional.empty())) {
            out.add(info(r));
        }
        out.sort(Comparator.comparing(RepositoryInfo::name, String.CASE_INSENSITIVE_ORDER));
        return out;
    }

    @Override
    public Optional<RepositoryInfo> repository(RepoRef repo) {
        return client.getIfExists(repoPath(repo), true).map(r -> info(r.json()));
    }

    static RepositoryInfo info(JsonNode r) {
        List<String> topics = new ArrayList<>();
        r.path("topics").forEach(t -> topics.add(t.asText().toLowerCase(Locale.ROOT)));
        String vis = r.path("visibility").asText(r.path("private").asBoolean(false) ? "private" : "public");
        JsonNode lang = r.path("language");
        return new RepositoryInfo(RepoRef.parse(r.path("full_name").asText()), r.path("default_branch").asText("main"),
                topics, Visibility.parse(vis), r.path("archived").asBoolean(false),
                lang.isTextual() ? Optional.of(lang.asText()) : Optional.empty());
    }

    @Override
    public Optional<String> branchHead(RepoRef repo, String branch) {
        return client.getIfExists(repoPath(repo) + "/git/ref/heads/" + branchPath(branch), true)
                .map(r -> r.json().path("object").path("sha").asText());
    }

    @Override
    public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
        Optional<SnapshotCache.Entry> known = cache.branch(repo, branch, selection);
        if (known.isPresent()) {
            // Revalidate the head: a 304 costs nothing, an unchanged head costs one read.
            Optional<String> head = branchHead(repo, branch);
            if (head.isEmpty()) {
                cache.forget(repo, branch);
                return Optional.empty();
            }
            if (head.get().equals(known.get().snapshot().commitId())) {
                return Optional.of(known.get().snapshot());
            }
            RepoSnapshot snap = readCommit(repo, head.get(), selection);
            cache.putBranch(repo, branch, selection, snap, known.get().repositoryId());
            return Optional.of(snap);
        }
        // The proposal branch's head rides along (no extra call): in pull-request mode the controller asks
        // right after this read whether a proposal must be closed, and usually there is none.
        String query = "query OrgctlReadBranch($owner: String!, $name: String!, $ref: String!, $proposal: String!"
                + FileQuery.variables(selection) + ") { repository(owner: $owner, name: $name) { id "
                + "ref(qualifiedName: $ref) { target { oid ... on Commit { oid" + FileQuery.fields(selection) + " } } } "
                + "proposal: ref(qualifiedName: $proposal) { target { oid } } } }";
        Map<String, Object> vars = vars(repo);
        vars.put("ref", Constants.R_HEADS + branch);
        vars.put("proposal", Constants.R_HEADS + ProposalRequest.DEFAULT_BRANCH);
        FileQuery.bind(selection, vars);
        JsonNode data = readQuery("read " + repo, query, vars);
        JsonNode repository = data.path("repository");
        if (repository.isNull() || repository.isMissingNode()) {
            return Optional.empty();
        }
        JsonNode proposal = repository.path("proposal").path("target").path("oid");
        cache.putProposal(repo, proposal.isTextual() ? Optional.of(proposal.asText()) : Optional.empty(), clock.instant());
        JsonNode target = repository.path("ref").path("target");
        if (target.isMissingNode() || target.isNull()) {
            return Optional.empty();
        }
        RepoSnapshot snap = complete(repo, target.path("oid").asText(), selection, FileQuery.parse(selection, target));
        cache.putBranch(repo, branch, selection, snap, repository.path("id").asText());
        return Optional.of(snap);
    }

    @Override
    public RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
        Optional<RepoSnapshot> known = cache.commit(repo, commitId, selection);
        if (known.isPresent()) {
            return known.get();
        }
        RepoSnapshot snap = complete(repo, commitId, selection, queryCommit(repo, commitId, selection));
        cache.putCommit(repo, selection, snap);
        return snap;
    }

    private FileQuery.Result queryCommit(RepoRef repo, String commitId, FileSelection selection) {
        String query = "query OrgctlReadCommit($owner: String!, $name: String!, $oid: GitObjectID!"
                + FileQuery.variables(selection) + ") { repository(owner: $owner, name: $name) { "
                + "object(oid: $oid) { oid ... on Commit { oid" + FileQuery.fields(selection) + " } } } }";
        Map<String, Object> vars = vars(repo);
        vars.put("oid", commitId);
        FileQuery.bind(selection, vars);
        JsonNode object = readQuery("read " + repo + "@" + commitId, query, vars).path("repository").path("object");
        if (object.isNull() || object.isMissingNode()) {
            throw new HostException(repo + ": commit " + commitId + " does not exist on GitHub");
        }
        return FileQuery.parse(selection, object);
    }

    /** Follows deeper directories (more queries at the same commit) and fetches binary blobs. */
    private RepoSnapshot complete(RepoRef repo, String commitId, FileSelection selection, FileQuery.Result first) {
        Map<String, RepoFile> files = new HashMap<>(first.files());
        Map<String, FileQuery.BlobRef> blobs = new LinkedHashMap<>(first.blobs());
        Map<String, RepoSnapshot.NotFile> notFiles = new HashMap<>(first.notFiles());
        List<String> deeper = first.deeper();
        while (!deeper.isEmpty()) {
            FileQuery.Result more = queryCommit(repo, commitId, FileSelection.of(List.of(), deeper));
            files.putAll(more.files());
            blobs.putAll(more.blobs());
            notFiles.putAll(more.notFiles());
            deeper = more.deeper();
        }
        for (Map.Entry<String, FileQuery.BlobRef> b : blobs.entrySet()) {
            JsonNode blob = client.get(repoPath(repo) + "/git/blobs/" + b.getValue().oid()).json();
            byte[] content = Base64.getMimeDecoder().decode(blob.path("content").asText(""));
            files.put(b.getKey(), new RepoFile(content, b.getValue().mode()));
        }
        files.keySet().removeIf(p -> !selection.matches(p));
        return new RepoSnapshot(commitId, files, notFiles);
    }

    private JsonNode readQuery(String what, String query, Map<String, Object> vars) {
        GitHubClient.GraphQLResult r = client.graphql(query, vars, false);
        if (!r.ok()) {
            if (r.hasErrorType("NOT_FOUND") && r.data().path("repository").isNull()) {
                return r.data(); // no such repository (or invisible to these credentials)
            }
            throw ApiErrors.graphql(what, r.errors(), client.credentials().describe());
        }
        return r.data();
    }

    // ---------------------------------------------------------------- writes

    @Override
    public CommitResult commit(RepoRef repo, CommitRequest request) {
        boolean executable = request.changes().stream()
                .anyMatch(c -> c instanceof FileChange.Put p && p.file().mode() != RepoFile.Mode.REGULAR);
        try {
            if (executable || request.expectedHead().isEmpty()) {
                return commitViaGitData(repo, request);
            }
            Optional<String> commit = createCommitOnBranch(repo, request.branch(), request.expectedHead().get(),
                    request.message(), request.changes());
            if (commit.isEmpty()) {
                return new CommitResult.MovedHead(freshHead(repo, request.branch()));
            }
            cache.committed(repo, request.branch(), request.expectedHead().get(), commit.get(), request.changes());
            return new CommitResult.Committed(commit.get());
        } catch (Refused e) {
            return new CommitResult.Rejected(e.getMessage());
        }
    }

    /** A refusal that re-planning does not cure: missing repository or branch, permission, invalid change. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One {@code createCommitOnBranch}. Empty when the branch head is no longer {@code expected}
     * (GitHub's {@code STALE_DATA}: "Expected branch to point to ... but it did not").
     */
    private Optional<String> createCommitOnBranch(RepoRef repo, String branch, String expected, String message,
                                                  List<FileChange> changes) {
        List<Map<String, Object>> additions = new ArrayList<>();
        List<Map<String, Object>> deletions = new ArrayList<>();
        for (FileChange c : changes) {
            if (c instanceof FileChange.Put p) {
                additions.add(Map.of("path", p.path(), "contents",
                        Base64.getEncoder().encodeToString(p.file().content())));
            } else {
                deletions.add(Map.of("path", c.path()));
            }
        }
        String[] msg = splitMessage(message);
        Map<String, Object> commitMessage = new LinkedHashMap<>();
        commitMessage.put("headline", msg[0]);
        if (!msg[1].isEmpty()) {
            commitMessage.put("body", msg[1]);
        }
        Map<String, Object> fileChanges = new LinkedHashMap<>();
        fileChanges.put("additions", additions);
        fileChanges.put("deletions", deletions);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("branch", Map.of("repositoryNameWithOwner", repo.fullName(), "branchName", branch));
        input.put("expectedHeadOid", expected);
        input.put("message", commitMessage);
        input.put("fileChanges", fileChanges);
        GitHubClient.GraphQLResult r = client.graphql("mutation OrgctlCommit($input: CreateCommitOnBranchInput!) { "
                + "createCommitOnBranch(input: $input) { commit { oid } } }", Map.of("input", input), true);
        if (r.hasErrorType("STALE_DATA")) {
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", branch)
                    .addKeyValue("expected", expected).log("branch moved since it was read: nothing written");
            return Optional.empty();
        }
        if (!r.ok()) {
            throw refusedOrFailed(repo, "createCommitOnBranch", r);
        }
        String oid = r.data().path("createCommitOnBranch").path("commit").path("oid").asText("");
        if (oid.isEmpty()) {
            throw new HostException(repo + ": createCommitOnBranch answered without a commit");
        }
        log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", branch).addKeyValue("commit", oid)
                .addKeyValue("files", changes.size()).log("committed");
        return Optional.of(oid);
    }

    private RuntimeException refusedOrFailed(RepoRef repo, String what, GitHubClient.GraphQLResult r) {
        GitHubApiException e = ApiErrors.graphql(what + " on " + repo, r.errors(), client.credentials().describe());
        if (e.kind() == GitHubApiException.Kind.FORBIDDEN || e.kind() == GitHubApiException.Kind.NOT_FOUND
                || r.hasErrorType("UNPROCESSABLE")) {
            return new Refused(e.getMessage());
        }
        return e;
    }

    /**
     * The REST Git Data path, for what {@code createCommitOnBranch} cannot do: executable files and
     * a branch that does not exist yet. A tree on the parent's tree, a commit, then the ref moved by
     * GraphQL {@code updateRefs} with {@code beforeOid}: compare-and-set like the mutation's fence.
     */
    private CommitResult commitViaGitData(RepoRef repo, CommitRequest request) {
        try {
            String commit = gitDataCommit(repo, request.expectedHead(), request.changes(), request.message(),
                    request.identity().name(), request.identity().email());
            String before = request.expectedHead().orElse(ZEROS);
            if (!updateRef(repo, Constants.R_HEADS + request.branch(), before, commit, false)) {
                return new CommitResult.MovedHead(freshHead(repo, request.branch()));
            }
            request.expectedHead().ifPresent(e -> cache.committed(repo, request.branch(), e, commit, request.changes()));
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", request.branch())
                    .addKeyValue("commit", commit).log("committed through the git data api");
            return new CommitResult.Committed(commit);
        } catch (GitHubApiException e) {
            if (e.kind() == GitHubApiException.Kind.CONFLICT) {
                return new CommitResult.Rejected(repo + " is empty: GitHub's API cannot commit to a repository "
                        + "without a first commit (" + e.getMessage() + ")");
            }
            if (e.kind() == GitHubApiException.Kind.FORBIDDEN || e.kind() == GitHubApiException.Kind.NOT_FOUND
                    || e.kind() == GitHubApiException.Kind.VALIDATION) {
                return new CommitResult.Rejected(e.getMessage());
            }
            throw e;
        }
    }

    private String gitDataCommit(RepoRef repo, Optional<String> parent, List<FileChange> changes, String message,
                                 String authorName, String authorEmail) {
        List<Map<String, Object>> tree = new ArrayList<>();
        for (FileChange c : changes) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", c.path());
            e.put("type", "blob");
            if (c instanceof FileChange.Put p) {
                e.put("mode", p.file().mode().git());
                String sha = client.post(repoPath(repo) + "/git/blobs", Map.of("content",
                        Base64.getEncoder().encodeToString(p.file().content()), "encoding", "base64"))
                        .json().path("sha").asText();
                e.put("sha", sha);
            } else {
                e.put("mode", "100644");
                e.put("sha", null);
            }
            tree.add(e);
        }
        Map<String, Object> treeBody = new LinkedHashMap<>();
        if (parent.isPresent()) {
            String baseTree = client.get(repoPath(repo) + "/git/commits/" + parent.get()).json()
                    .path("tree").path("sha").asText();
            treeBody.put("base_tree", baseTree);
        }
        treeBody.put("tree", tree);
        String treeSha = client.post(repoPath(repo) + "/git/trees", treeBody).json().path("sha").asText();
        Map<String, Object> commitBody = new LinkedHashMap<>();
        commitBody.put("message", message);
        commitBody.put("tree", treeSha);
        commitBody.put("parents", parent.map(List::of).orElse(List.of()));
        commitBody.put("author", Map.of("name", authorName, "email", authorEmail));
        return client.post(repoPath(repo) + "/git/commits", commitBody).json().path("sha").asText();
    }

    /**
     * Moves (or creates, or with {@code after} = zeros deletes) a ref only if it points at
     * {@code before}: GraphQL {@code updateRefs}. False when it did not.
     */
    private boolean updateRef(RepoRef repo, String ref, String before, String after, boolean force) {
        String repositoryId = repositoryId(repo);
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("name", ref);
        update.put("beforeOid", before);
        update.put("afterOid", after);
        update.put("force", force);
        Map<String, Object> input = Map.of("repositoryId", repositoryId, "refUpdates", List.of(update));
        GitHubClient.GraphQLResult r = client.graphql("mutation OrgctlUpdateRef($input: UpdateRefsInput!) { "
                + "updateRefs(input: $input) { clientMutationId } }", Map.of("input", input), true);
        if (r.ok()) {
            return true;
        }
        // GitHub does not document the error of a failed beforeOid check: look at the ref itself.
        String branch = ref.substring(Constants.R_HEADS.length());
        String now = freshHead(repo, branch).orElse(ZEROS);
        if (!now.equals(before)) {
            return false;
        }
        throw refusedOrFailed(repo, "updateRefs", r);
    }

    private String repositoryId(RepoRef repo) {
        Optional<String> known = cache.repositoryId(repo);
        if (known.isPresent()) {
            return known.get();
        }
        String id = client.getConditional(repoPath(repo)).json().path("node_id").asText();
        cache.putRepositoryId(repo, id);
        return id;
    }

    /** The head as it is now, bypassing remembered answers (after a moved-head refusal). */
    private Optional<String> freshHead(RepoRef repo, String branch) {
        cache.forget(repo, branch);
        return client.getIfExists(repoPath(repo) + "/git/ref/heads/" + branchPath(branch), false)
                .map(r -> r.json().path("object").path("sha").asText());
    }

    // ---------------------------------------------------------------- pull-request mode

    @Override
    public ProposalResult propose(RepoRef repo, ProposalRequest request) {
        FileSelection changed = FileSelection.paths(request.changes().stream().map(FileChange::path).toList());
        String query = "query OrgctlProposal($owner: String!, $name: String!, $ref: String!, $head: String!, "
                + "$base: String!" + FileQuery.variables(changed) + ") { repository(owner: $owner, name: $name) { id "
                + "ref(qualifiedName: $ref) { target { oid ... on Commit { parents(first: 2) { nodes { oid } }"
                + FileQuery.fields(changed) + " } } } "
                + "pullRequests(headRefName: $head, baseRefName: $base, states: [OPEN], first: 5) "
                + "{ nodes { id number url title body } } } }";
        Map<String, Object> vars = vars(repo);
        vars.put("ref", Constants.R_HEADS + request.proposalBranch());
        vars.put("head", request.proposalBranch());
        vars.put("base", request.baseBranch());
        FileQuery.bind(changed, vars);
        try {
            JsonNode repository = readQuery("proposal of " + repo, query, vars).path("repository");
            if (repository.isNull() || repository.isMissingNode()) {
                return new ProposalResult.Rejected("no repository " + repo.fullName() + " on GitHub");
            }
            cache.putRepositoryId(repo, repository.path("id").asText());
            JsonNode target = repository.path("ref").path("target");
            Optional<String> current = target.isMissingNode() || target.isNull() ? Optional.empty()
                    : Optional.of(target.path("oid").asText());
            JsonNode pull = repository.path("pullRequests").path("nodes").path(0);
            if (current.isPresent() && holds(target, request, changed)) {
                String url = ensurePull(repo, request, pull);
                return new ProposalResult.Unchanged(request.proposalBranch(), current.get(), Optional.of(url));
            }
            String commit;
            boolean executable = request.changes().stream()
                    .anyMatch(c -> c instanceof FileChange.Put p && p.file().mode() != RepoFile.Mode.REGULAR);
            String ref = Constants.R_HEADS + request.proposalBranch();
            if (executable) {
                commit = gitDataCommit(repo, Optional.of(request.baseHead()), request.changes(), request.message(),
                        request.identity().name(), request.identity().email());
                if (!updateRef(repo, ref, current.orElse(ZEROS), commit, true)) {
                    return new ProposalResult.MovedHead(freshHead(repo, request.proposalBranch()));
                }
            } else {
                // Rebuild the branch: reset it onto the base head (fenced on what was read), then one commit.
                if (!current.equals(Optional.of(request.baseHead()))
                        && !updateRef(repo, ref, current.orElse(ZEROS), request.baseHead(), true)) {
                    return new ProposalResult.MovedHead(freshHead(repo, request.proposalBranch()));
                }
                Optional<String> c = createCommitOnBranch(repo, request.proposalBranch(), request.baseHead(),
                        request.message(), request.changes());
                if (c.isEmpty()) {
                    return new ProposalResult.MovedHead(freshHead(repo, request.proposalBranch()));
                }
                commit = c.get();
            }
            String url = ensurePull(repo, request, pull);
            if (request.proposalBranch().equals(ProposalRequest.DEFAULT_BRANCH)) {
                cache.putProposal(repo, Optional.of(commit), clock.instant());
            }
            return new ProposalResult.Updated(request.proposalBranch(), commit, Optional.of(url));
        } catch (Refused e) {
            return new ProposalResult.Rejected(e.getMessage());
        } catch (GitHubApiException e) {
            if (e.kind() == GitHubApiException.Kind.FORBIDDEN || e.kind() == GitHubApiException.Kind.VALIDATION) {
                return new ProposalResult.Rejected(e.getMessage());
            }
            throw e;
        }
    }

    /** Whether the proposal branch is already one commit on the base holding exactly these changes. */
    private static boolean holds(JsonNode target, ProposalRequest request, FileSelection changed) {
        JsonNode parents = target.path("parents").path("nodes");
        if (parents.size() != 1 || !request.baseHead().equals(parents.path(0).path("oid").asText())) {
            return false;
        }
        Map<String, JsonNode> entries = new HashMap<>();
        List<String> all = changed.all();
        for (int i = 0; i < all.size(); i++) {
            JsonNode e = target.path("f" + i);
            if (!e.isNull() && !e.isMissingNode()) {
                entries.put(all.get(i), e);
            }
        }
        try (ObjectInserter.Formatter fmt = new ObjectInserter.Formatter()) {
            for (FileChange c : request.changes()) {
                JsonNode e = entries.get(c.path());
                if (c instanceof FileChange.Put p) {
                    int mode = Integer.parseInt(p.file().mode().git(), 8);
                    String oid = fmt.idFor(Constants.OBJ_BLOB, p.file().content()).name();
                    if (e == null || e.path("mode").asInt() != mode || !oid.equals(e.path("object").path("oid").asText())) {
                        return false;
                    }
                } else if (e != null) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Opens the pull request, or updates its title and body when they changed. Returns its URL. */
    private String ensurePull(RepoRef repo, ProposalRequest request, JsonNode pull) {
        if (pull.isMissingNode() || pull.isNull()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("title", request.title());
            body.put("head", request.proposalBranch());
            body.put("base", request.baseBranch());
            body.put("body", request.body());
            body.put("maintainer_can_modify", false);
            String url = client.post(repoPath(repo) + "/pulls", body).json().path("html_url").asText();
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("url", url).log("pull request opened");
            return url;
        }
        if (!request.title().equals(pull.path("title").asText()) || !request.body().equals(pull.path("body").asText())) {
            client.patch(repoPath(repo) + "/pulls/" + pull.path("number").asInt(),
                    Map.of("title", request.title(), "body", request.body()));
        }
        return pull.path("url").asText();
    }

    @Override
    public boolean closeProposal(RepoRef repo, String proposalBranch, String reason) {
        if (!proposalMayExist(repo, proposalBranch)) {
            return false;
        }
        String query = "query OrgctlProposalState($owner: String!, $name: String!, $ref: String!, $head: String!) { "
                + "repository(owner: $owner, name: $name) { id ref(qualifiedName: $ref) { target { oid } } "
                + "pullRequests(headRefName: $head, states: [OPEN], first: 20) { nodes { number } } } }";
        Map<String, Object> vars = vars(repo);
        vars.put("ref", Constants.R_HEADS + proposalBranch);
        vars.put("head", proposalBranch);
        JsonNode repository = readQuery("proposal of " + repo, query, vars).path("repository");
        if (repository.isNull() || repository.isMissingNode()) {
            return false;
        }
        cache.putRepositoryId(repo, repository.path("id").asText());
        boolean closed = false;
        for (JsonNode pr : repository.path("pullRequests").path("nodes")) {
            int n = pr.path("number").asInt();
            client.post(repoPath(repo) + "/issues/" + n + "/comments", Map.of("body", "Closed by orgctl: " + reason));
            client.patch(repoPath(repo) + "/pulls/" + n, Map.of("state", "closed"));
            closed = true;
        }
        JsonNode target = repository.path("ref").path("target");
        if (!target.isMissingNode() && !target.isNull()) {
            // Deleted only if nobody pushed to it since it was read.
            closed |= updateRef(repo, Constants.R_HEADS + proposalBranch, target.path("oid").asText(), ZEROS, true);
        }
        if (proposalBranch.equals(ProposalRequest.DEFAULT_BRANCH)) {
            cache.putProposal(repo, Optional.empty(), clock.instant());
        }
        log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", proposalBranch)
                .addKeyValue("reason", reason).addKeyValue("closed", closed).log("proposal closed");
        return closed;
    }

    /**
     * Whether the proposal branch may exist, as cheaply as possible: a read of the default branch made
     * moments ago (the planner's, {@value #PROPOSAL_KNOWLEDGE_SECONDS} s) already saw it, or else a
     * conditional {@code GET /git/matching-refs/heads/<branch>} (an unchanged answer is a free 304; a
     * branch that does not exist is an empty list, not a 404).
     */
    private boolean proposalMayExist(RepoRef repo, String branch) {
        if (branch.equals(ProposalRequest.DEFAULT_BRANCH)) {
            Optional<SnapshotCache.Proposal> known = cache.proposal(repo);
            if (known.isPresent() && known.get().head().isEmpty()
                    && known.get().seen().plusSeconds(PROPOSAL_KNOWLEDGE_SECONDS).isAfter(clock.instant())) {
                return false;
            }
        }
        JsonNode refs = client.getConditional(repoPath(repo) + "/git/matching-refs/heads/" + branchPath(branch)).json();
        for (JsonNode r : refs) {
            if (r.path("ref").asText().equals(Constants.R_HEADS + branch)) {
                return true;
            }
        }
        if (branch.equals(ProposalRequest.DEFAULT_BRANCH)) {
            cache.putProposal(repo, Optional.empty(), clock.instant());
        }
        return false;
    }

    // ---------------------------------------------------------------- helpers

    /** Splits a commit message into GitHub's headline (first line) and body (the rest, after the blank line). */
    static String[] splitMessage(String message) {
        String m = message.strip();
        int nl = m.indexOf('\n');
        if (nl < 0) {
            return new String[] {m, ""};
        }
        return new String[] {m.substring(0, nl).strip(), m.substring(nl + 1).replaceFirst("^\\s*\\n", "").strip()};
    }

    private static Map<String, Object> vars(RepoRef repo) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("owner", repo.org());
        vars.put("name", repo.name());
        return vars;
    }

    private static String repoPath(RepoRef repo) {
        return "/repos/" + seg(repo.org()) + "/" + seg(repo.name());
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A branch name in a path: each segment encoded, the slashes kept. */
    private static String branchPath(String branch) {
        StringBuilder sb = new StringBuilder();
        for (String part : branch.split("/")) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(seg(part));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        client.close();
    }
}
