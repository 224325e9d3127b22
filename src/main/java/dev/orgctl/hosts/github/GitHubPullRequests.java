package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.PullRequestOptions;
import dev.orgctl.hosts.PullRequestRef;
import dev.orgctl.hosts.PullRequestRef.AutoMerge;
import dev.orgctl.hosts.RepoRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull request of a proposal on GitHub: opened once ({@code POST /pulls}, with {@code draft}),
 * title and body updated in place when they changed; labels, review requests and assignees sent
 * when it is opened and again only when {@code orgctl.yaml} changed them (their fingerprint is kept
 * in the body, so nothing is re-requested at every regeneration and what people removed stays
 * removed); auto-merge enabled ({@code enablePullRequestAutoMerge}) where the repository allows it.
 */
final class GitHubPullRequests {
    private static final Logger log = LoggerFactory.getLogger(GitHubHost.class);
    private static final Pattern MARK = Pattern.compile("\n?<!-- orgctl:pull-request-settings=([0-9a-f]+) -->\\s*$");

    private final GitHubClient client;

    GitHubPullRequests(GitHubClient client) {
        this.client = client;
    }

    /** What the proposal's read query asks of the repository, beyond its ref. */
    static String repositoryFields(ProposalRequest request) {
        return request.options().autoMerge().isPresent() ? " autoMergeAllowed" : "";
    }

    /** What the proposal's read query asks of each open pull request. */
    static String pullFields(ProposalRequest request) {
        return "id number url title body" + (request.options().autoMerge().isPresent()
                ? " autoMergeRequest { enabledAt }" : "");
    }

    /** A pull request and what could not be applied to it. */
    record Outcome(PullRequestRef pull, List<String> notes) {
    }

    /**
     * Opens the pull request, or brings the open one ({@code pull}, from the read) up to date.
     *
     * @param repository the repository as the read query returned it
     */
    Outcome ensure(RepoRef repo, ProposalRequest request, JsonNode repository, JsonNode pull) {
        PullRequestOptions options = request.options();
        String body = body(request);
        List<String> notes = new ArrayList<>();
        boolean opened = pull.isMissingNode() || pull.isNull();
        int number;
        String url;
        String nodeId;
        boolean settingsChanged;
        boolean autoMergeOn = false;
        if (opened) {
            Map<String, Object> create = new LinkedHashMap<>();
            create.put("title", request.title());
            create.put("head", request.proposalBranch());
            create.put("base", request.baseBranch());
            create.put("body", body);
            create.put("maintainer_can_modify", false);
            if (options.draft()) {
                create.put("draft", true);
            }
            JsonNode created = client.post(GitHubPaths.repoPath(repo) + "/pulls", create).json();
            number = created.path("number").asInt();
            url = created.path("html_url").asText();
            nodeId = created.path("node_id").asText();
            settingsChanged = true;
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("url", url).log("pull request opened");
        } else {
            number = pull.path("number").asInt();
            url = pull.path("url").asText();
            nodeId = pull.path("id").asText();
            String oldBody = pull.path("body").asText();
            settingsChanged = !mark(oldBody).equals(mark(body));
            autoMergeOn = !pull.path("autoMergeRequest").isMissingNode() && !pull.path("autoMergeRequest").isNull();
            if (!request.title().equals(pull.path("title").asText()) || !body.equals(oldBody)) {
                client.patch(GitHubPaths.repoPath(repo) + "/pulls/" + number,
                        Map.of("title", request.title(), "body", body));
            }
        }
        if (settingsChanged) {
            sendSettings(repo, number, options, notes);
        }
        AutoMerge autoMerge = autoMerge(repo, options, repository, nodeId, settingsChanged || opened, autoMergeOn,
                notes);
        return new Outcome(new PullRequestRef(number, url, nodeId, autoMerge), notes);
    }

    /** The body with the settings' fingerprint at its end, when there are settings to remember. */
    static String body(ProposalRequest request) {
        if (!request.options().any()) {
            return request.body();
        }
        return request.body() + (request.body().endsWith("\n") ? "" : "\n")
                + "<!-- orgctl:pull-request-settings=" + request.options().fingerprint() + " -->\n";
    }

    private static String mark(String body) {
        Matcher m = MARK.matcher(body);
        return m.find() ? m.group(1) : "";
    }

    /** Labels, review requests and assignees: each only added, and a refusal is a note, not a failure. */
    private void sendSettings(RepoRef repo, int number, PullRequestOptions options, List<String> notes) {
        String issue = GitHubPaths.repoPath(repo) + "/issues/" + number;
        if (!options.labels().isEmpty()) {
            attempt(notes, "labels", () -> client.post(issue + "/labels", Map.of("labels", options.labels())));
        }
        if (!options.reviewers().isEmpty() || !options.teamReviewers().isEmpty()) {
            Map<String, Object> req = new LinkedHashMap<>();
            if (!options.reviewers().isEmpty()) {
                req.put("reviewers", options.reviewers());
            }
            if (!options.teamReviewers().isEmpty()) {
                req.put("team_reviewers", options.teamReviewers());
            }
            attempt(notes, "reviewers", () -> client.post(GitHubPaths.repoPath(repo) + "/pulls/" + number
                    + "/requested_reviewers", req));
        }
        if (!options.assignees().isEmpty()) {
            attempt(notes, "assignees", () -> client.post(issue + "/assignees",
                    Map.of("assignees", options.assignees())));
        }
    }

    private static void attempt(List<String> notes, String what, Runnable call) {
        try {
            call.run();
        } catch (GitHubApiException e) {
            if (e.kind() != GitHubApiException.Kind.VALIDATION && e.kind() != GitHubApiException.Kind.FORBIDDEN
                    && e.kind() != GitHubApiException.Kind.NOT_FOUND) {
                throw e;
            }
            notes.add(what + " not set: " + e.getMessage());
        }
    }

    private AutoMerge autoMerge(RepoRef repo, PullRequestOptions options, JsonNode repository, String nodeId,
                                boolean ask, boolean on, List<String> notes) {
        Optional<PullRequestOptions.MergeMethod> method = options.autoMerge();
        if (method.isEmpty()) {
            return AutoMerge.NOT_REQUESTED;
        }
        if (!repository.path("autoMergeAllowed").asBoolean(false)) {
            notes.add("auto-merge not enabled: " + repo.fullName() + " does not allow auto-merge "
                    + "(repository settings, \"Allow auto-merge\"); the pull request waits for a person");
            return AutoMerge.NOT_ALLOWED;
        }
        if (on) {
            return AutoMerge.ENABLED;
        }
        if (!ask) {
            return AutoMerge.NOT_ENABLED;
        }
        GitHubClient.GraphQLResult r = client.graphql("mutation OrgctlAutoMerge($input: EnablePullRequestAutoMergeInput!) "
                + "{ enablePullRequestAutoMerge(input: $input) { pullRequest { autoMergeRequest { enabledAt } } } }",
                Map.of("input", Map.of("pullRequestId", nodeId, "mergeMethod", method.get().name())), true);
        if (!r.ok()) {
            String why = r.errors().get(0).path("message").asText("refused");
            notes.add("auto-merge not enabled: " + why);
            return AutoMerge.NOT_ENABLED;
        }
        return AutoMerge.ENABLED;
    }
}
