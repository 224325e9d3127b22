package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.CommitStamp;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.time.Clock;
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

/**
 * The reads of {@link GitHubHost}: listing (conditional, 100 per page), a branch read as one GraphQL
 * query remembered in the {@link SnapshotCache} and revalidated by the ref's ETag, and commits read
 * at a fixed id.
 */
final class GitHubReads {
    /**
     * The commit fields read beside the files: the message carries orgctl's trailers (the lock
     * token of the run that wrote it, which a later run compares with its own), the time bounds
     * that comparison. Free: the same query.
     */
    private static final String STAMP = " message committedDate";
    private final GitHubClient client;
    private final SnapshotCache cache;
    private final Clock clock;

    GitHubReads(GitHubClient client, SnapshotCache cache, Clock clock) {
        this.client = client;
        this.cache = cache;
        this.clock = clock;
    }

    List<RepositoryInfo> listRepositories(String org) {
        List<RepositoryInfo> out = new ArrayList<>();
        for (JsonNode r : client.getAll("/orgs/" + GitHubPaths.seg(org) + "/repos?per_page=100&type=all&sort=full_name",
                Optional.empty())) {
            out.add(info(r));
        }
        out.sort(Comparator.comparing(RepositoryInfo::name, String.CASE_INSENSITIVE_ORDER));
        return out;
    }

    Optional<RepositoryInfo> repository(RepoRef repo) {
        return client.getIfExists(GitHubPaths.repoPath(repo), true).map(r -> info(r.json()));
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

    Optional<String> branchHead(RepoRef repo, String branch) {
        return client.getIfExists(GitHubPaths.repoPath(repo) + "/git/ref/heads/" + GitHubPaths.branchPath(branch), true)
                .map(r -> r.json().path("object").path("sha").asText());
    }

    /**
     * A branch, then a tag (an annotated one peeled to its commit), then a full commit id: each a REST
     * read that costs one request, stopping at the first that names something.
     */
    Optional<String> resolveCommit(RepoRef repo, String ref) {
        if (ref.isBlank()) {
            return Optional.empty();
        }
        String base = GitHubPaths.repoPath(repo);
        Optional<String> branch = branchHead(repo, ref);
        if (branch.isPresent()) {
            return branch;
        }
        Optional<JsonNode> tag = client.getIfExists(base + "/git/ref/tags/" + GitHubPaths.branchPath(ref), true)
                .map(r -> r.json().path("object"));
        if (tag.isPresent()) {
            JsonNode object = tag.get();
            for (int depth = 0; "tag".equals(object.path("type").asText()) && depth < 5; depth++) {
                object = client.getConditional(base + "/git/tags/" + object.path("sha").asText()).json().path("object");
            }
            return Optional.of(object.path("sha").asText());
        }
        if (ref.matches("[0-9a-f]{40}")) {
            return client.getIfExists(base + "/git/commits/" + ref, true).map(r -> r.json().path("sha").asText());
        }
        return Optional.empty(); // abbreviated SHAs: not on GitHub (a pull request names its head in full)
    }

    Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
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
                + "ref(qualifiedName: $ref) { target { oid ... on Commit { oid" + STAMP + FileQuery.fields(selection)
                + " } } } "
                + "proposal: ref(qualifiedName: $proposal) { target { oid } } } }";
        Map<String, Object> vars = GitHubPaths.vars(repo);
        vars.put("ref", Constants.R_HEADS + branch);
        vars.put("proposal", Constants.R_HEADS + ProposalRequest.DEFAULT_BRANCH);
        FileQuery.bind(selection, vars);
        JsonNode data = readQuery(repo, "read " + repo, query, vars);
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
        RepoSnapshot snap = complete(repo, target.path("oid").asText(), selection, FileQuery.parse(selection, target),
                stamp(target));
        cache.putBranch(repo, branch, selection, snap, repository.path("id").asText());
        return Optional.of(snap);
    }

    RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
        Optional<RepoSnapshot> known = cache.commit(repo, commitId, selection);
        if (known.isPresent()) {
            return known.get();
        }
        JsonNode commit = queryCommit(repo, commitId, selection, true);
        RepoSnapshot snap = complete(repo, commitId, selection, FileQuery.parse(selection, commit), stamp(commit));
        cache.putCommit(repo, selection, snap);
        return snap;
    }

    /** The commit's message and time ({@link #STAMP}'s fields), when the query asked for them. */
    private static Optional<CommitStamp> stamp(JsonNode commit) {
        JsonNode message = commit.path("message");
        JsonNode date = commit.path("committedDate");
        if (!message.isTextual() || !date.isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new CommitStamp(message.asText(), java.time.OffsetDateTime.parse(date.asText())
                    .toInstant()));
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private JsonNode queryCommit(RepoRef repo, String commitId, FileSelection selection, boolean stamp) {
        String query = "query OrgctlReadCommit($owner: String!, $name: String!, $oid: GitObjectID!"
                + FileQuery.variables(selection) + ") { repository(owner: $owner, name: $name) { "
                + "object(oid: $oid) { oid ... on Commit { oid" + (stamp ? STAMP : "") + FileQuery.fields(selection)
                + " } } } }";
        Map<String, Object> vars = GitHubPaths.vars(repo);
        vars.put("oid", commitId);
        FileQuery.bind(selection, vars);
        JsonNode object = readQuery(repo, "read " + repo + "@" + commitId, query, vars).path("repository").path("object");
        if (object.isNull() || object.isMissingNode()) {
            throw new HostException(repo + ": commit " + commitId + " does not exist on GitHub");
        }
        return object;
    }

    /** Follows deeper directories (more queries at the same commit) and fetches binary blobs. */
    private RepoSnapshot complete(RepoRef repo, String commitId, FileSelection selection, FileQuery.Result first,
                                  Optional<CommitStamp> stamp) {
        Map<String, RepoFile> files = new HashMap<>(first.files());
        Map<String, FileQuery.BlobRef> blobs = new LinkedHashMap<>(first.blobs());
        Map<String, RepoSnapshot.NotFile> notFiles = new HashMap<>(first.notFiles());
        List<String> deeper = first.deeper();
        while (!deeper.isEmpty()) {
            FileQuery.Result more = FileQuery.parse(FileSelection.of(List.of(), deeper),
                    queryCommit(repo, commitId, FileSelection.of(List.of(), deeper), false));
            files.putAll(more.files());
            blobs.putAll(more.blobs());
            notFiles.putAll(more.notFiles());
            deeper = more.deeper();
        }
        for (Map.Entry<String, FileQuery.BlobRef> b : blobs.entrySet()) {
            JsonNode blob = client.get(GitHubPaths.repoPath(repo) + "/git/blobs/" + b.getValue().oid()).json();
            byte[] content = Base64.getMimeDecoder().decode(blob.path("content").asText(""));
            files.put(b.getKey(), new RepoFile(content, b.getValue().mode()));
        }
        files.keySet().removeIf(p -> !selection.matches(p));
        return new RepoSnapshot(commitId, files, notFiles, stamp);
    }

    JsonNode readQuery(RepoRef repo, String what, String query, Map<String, Object> vars) {
        GitHubClient.GraphQLResult r = client.graphql(query, vars, false);
        if (!r.ok()) {
            if (r.hasErrorType("NOT_FOUND") && r.data().path("repository").isNull()) {
                return r.data(); // no such repository (or invisible to these credentials)
            }
            throw ApiErrors.graphql(what, r.errors(), client.credentials().describe());
        }
        return r.data();
    }
}
