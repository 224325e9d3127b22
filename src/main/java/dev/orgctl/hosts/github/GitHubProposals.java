package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectInserter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull-request mode of {@link GitHubHost}: the proposal branch is reset onto the base head with a
 * fenced {@code updateRefs}, gets one commit, and one pull request per repository is opened or
 * updated in place ({@link GitHubPullRequests}); closing comments, closes and deletes the branch if nobody pushed to it.
 */
final class GitHubProposals {
    // The host's logger: operators filter on it, and the split into parts is not theirs to know.
    private static final Logger log = LoggerFactory.getLogger(GitHubHost.class);

    /** How long the proposal branch's absence seen by a read is trusted. */
    static final int PROPOSAL_KNOWLEDGE_SECONDS = 60;

    private final GitHubClient client;
    private final SnapshotCache cache;
    private final Clock clock;
    private final GitHubReads reads;
    private final GitHubCommits commits;
    private final GitHubPullRequests pulls;

    GitHubProposals(GitHubClient client, SnapshotCache cache, Clock clock, GitHubReads reads,
                    GitHubCommits commits) {
        this.client = client;
        this.cache = cache;
        this.clock = clock;
        this.reads = reads;
        this.commits = commits;
        this.pulls = new GitHubPullRequests(client);
    }

    ProposalResult propose(RepoRef repo, ProposalRequest request) {
        FileSelection changed = FileSelection.paths(request.changes().stream().map(FileChange::path).toList());
        String query = "query OrgctlProposal($owner: String!, $name: String!, $ref: String!, $head: String!, "
                + "$base: String!" + FileQuery.variables(changed) + ") { repository(owner: $owner, name: $name) { id"
                + GitHubPullRequests.repositoryFields(request) + " "
                + "ref(qualifiedName: $ref) { target { oid ... on Commit { parents(first: 2) { nodes { oid } }"
                + FileQuery.fields(changed) + " } } } "
                + "pullRequests(headRefName: $head, baseRefName: $base, states: [OPEN], first: 5) "
                + "{ nodes { " + GitHubPullRequests.pullFields(request) + " } } } }";
        Map<String, Object> vars = GitHubPaths.vars(repo);
        vars.put("ref", Constants.R_HEADS + request.proposalBranch());
        vars.put("head", request.proposalBranch());
        vars.put("base", request.baseBranch());
        FileQuery.bind(changed, vars);
        try {
            JsonNode repository = reads.readQuery(repo, "proposal of " + repo, query, vars).path("repository");
            if (repository.isNull() || repository.isMissingNode()) {
                return new ProposalResult.Rejected("no repository " + repo.fullName() + " on GitHub");
            }
            cache.putRepositoryId(repo, repository.path("id").asText());
            JsonNode target = repository.path("ref").path("target");
            Optional<String> current = target.isMissingNode() || target.isNull() ? Optional.empty()
                    : Optional.of(target.path("oid").asText());
            JsonNode pull = repository.path("pullRequests").path("nodes").path(0);
            if (current.isPresent() && holds(target, request, changed)) {
                GitHubPullRequests.Outcome o = pulls.ensure(repo, request, repository, pull);
                return new ProposalResult.Unchanged(request.proposalBranch(), current.get(), Optional.of(o.pull()),
                        o.notes());
            }
            String commit;
            boolean executable = request.changes().stream()
                    .anyMatch(c -> c instanceof FileChange.Put p && p.file().mode() != RepoFile.Mode.REGULAR);
            String ref = Constants.R_HEADS + request.proposalBranch();
            String before = current.orElse(GitHubCommits.ZEROS);
            if (executable) {
                commit = commits.gitDataCommit(repo, Optional.of(request.baseHead()), request.changes(),
                        request.message(), request.identity().name(), request.identity().email());
                if (!commits.updateRef(repo, ref, before, commit, true)) {
                    return new ProposalResult.MovedHead(commits.freshHead(repo, request.proposalBranch()));
                }
            } else {
                // Rebuild the branch: reset it onto the base head (fenced on what was read), then one commit.
                if (!current.equals(Optional.of(request.baseHead()))
                        && !commits.updateRef(repo, ref, before, request.baseHead(), true)) {
                    return new ProposalResult.MovedHead(commits.freshHead(repo, request.proposalBranch()));
                }
                Optional<String> c = commits.createCommitOnBranch(repo, request.proposalBranch(), request.baseHead(),
                        request.message(), request.changes());
                if (c.isEmpty()) {
                    return new ProposalResult.MovedHead(commits.freshHead(repo, request.proposalBranch()));
                }
                commit = c.get();
            }
            GitHubPullRequests.Outcome o = pulls.ensure(repo, request, repository, pull);
            if (request.proposalBranch().equals(ProposalRequest.DEFAULT_BRANCH)) {
                cache.putProposal(repo, Optional.of(commit), clock.instant());
            }
            return new ProposalResult.Updated(request.proposalBranch(), commit, Optional.of(o.pull()), o.notes());
        } catch (GitHubCommits.Refused e) {
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

    boolean closeProposal(RepoRef repo, String proposalBranch, String reason) {
        if (!proposalMayExist(repo, proposalBranch)) {
            return false;
        }
        String query = "query OrgctlProposalState($owner: String!, $name: String!, $ref: String!, $head: String!) { "
                + "repository(owner: $owner, name: $name) { id ref(qualifiedName: $ref) { target { oid } } "
                + "pullRequests(headRefName: $head, states: [OPEN], first: 20) { nodes { number } } } }";
        Map<String, Object> vars = GitHubPaths.vars(repo);
        vars.put("ref", Constants.R_HEADS + proposalBranch);
        vars.put("head", proposalBranch);
        JsonNode repository = reads.readQuery(repo, "proposal of " + repo, query, vars).path("repository");
        if (repository.isNull() || repository.isMissingNode()) {
            return false;
        }
        cache.putRepositoryId(repo, repository.path("id").asText());
        boolean closed = false;
        for (JsonNode pr : repository.path("pullRequests").path("nodes")) {
            int n = pr.path("number").asInt();
            client.post(GitHubPaths.repoPath(repo) + "/issues/" + n + "/comments",
                    Map.of("body", "Closed by orgctl: " + reason));
            client.patch(GitHubPaths.repoPath(repo) + "/pulls/" + n, Map.of("state", "closed"));
            closed = true;
        }
        JsonNode target = repository.path("ref").path("target");
        if (!target.isMissingNode() && !target.isNull()) {
            // Deleted only if nobody pushed to it since it was read.
            closed |= commits.updateRef(repo, Constants.R_HEADS + proposalBranch, target.path("oid").asText(),
                    GitHubCommits.ZEROS, true);
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
        JsonNode refs = client.getConditional(GitHubPaths.repoPath(repo) + "/git/matching-refs/heads/"
                + GitHubPaths.branchPath(branch)).json();
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
}
