package dev.orgctl.controller;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The fields of a GitHub delivery the controller reads, pulled out of the JSON GitHub sent.
 * Unknown or missing fields become empty values rather than errors: GitHub adds fields freely,
 * and a delivery without the fields a rule needs is simply not matched by that rule.
 */
public record GitHubEvent(
        String event,
        String deliveryId,
        Optional<String> action,
        Optional<String> org,
        Optional<String> repo,
        Optional<String> defaultBranch,
        Optional<Push> push,
        List<PullHead> pulls) {

    public GitHubEvent {
        pulls = List.copyOf(pulls);
    }

    /** The delivery's fields before pull requests were read: no pull request. */
    public GitHubEvent(String event, String deliveryId, Optional<String> action, Optional<String> org,
                       Optional<String> repo, Optional<String> defaultBranch, Optional<Push> push) {
        this(event, deliveryId, action, org, repo, defaultBranch, push, List.of());
    }

    /**
     * A pull request's head and base as a {@code pull_request} delivery (one) or a
     * {@code check_suite} delivery (each pull request of the suite's head) names them.
     * {@code before} is a {@code synchronize} delivery's previous head.
     */
    public record PullHead(int number, String headSha, String headRef, String baseRef, Optional<String> before,
                           boolean sameRepository) {
    }

    /** The part of a {@code push} delivery that matters to the controller. */
    public record Push(String ref, String before, String after, boolean created, boolean deleted, List<Commit> commits) {
        public Push {
            commits = List.copyOf(commits);
        }

        /** Every path added, modified or removed by the given commits. */
        public static Set<String> touchedPaths(List<Commit> commits) {
            Set<String> paths = new LinkedHashSet<>();
            for (Commit c : commits) {
                paths.addAll(c.added());
                paths.addAll(c.modified());
                paths.addAll(c.removed());
            }
            return paths;
        }
    }

    public record Commit(String id, String message, List<String> added, List<String> modified, List<String> removed) {
        public Commit {
            added = List.copyOf(added);
            modified = List.copyOf(modified);
            removed = List.copyOf(removed);
        }
    }

    /** GitHub truncates a push payload's commit list at 20 commits. */
    public static final int MAX_LISTED_COMMITS = 20;

    public static GitHubEvent parse(String event, String deliveryId, JsonNode body) {
        Optional<String> repo = text(body.path("repository").path("name"));
        Optional<String> org = text(body.path("repository").path("owner").path("login"))
                .or(() -> text(body.path("organization").path("login")));
        Optional<Push> push = Optional.empty();
        if ("push".equals(event)) {
            List<Commit> commits = new ArrayList<>();
            for (JsonNode c : body.path("commits")) {
                commits.add(new Commit(c.path("id").asText(""), c.path("message").asText(""), strings(c.path("added")),
                        strings(c.path("modified")), strings(c.path("removed"))));
            }
            push = Optional.of(new Push(body.path("ref").asText(""), body.path("before").asText(""),
                    body.path("after").asText(""), body.path("created").asBoolean(false),
                    body.path("deleted").asBoolean(false), commits));
        }
        return new GitHubEvent(event, deliveryId, text(body.path("action")), org, repo,
                text(body.path("repository").path("default_branch")), push, pulls(event, body));
    }

    private static List<PullHead> pulls(String event, JsonNode body) {
        List<PullHead> out = new ArrayList<>();
        long repoId = body.path("repository").path("id").asLong(-1);
        if ("pull_request".equals(event)) {
            JsonNode pr = body.path("pull_request");
            out.add(new PullHead(body.path("number").asInt(pr.path("number").asInt()), pr.path("head").path("sha")
                    .asText(""), pr.path("head").path("ref").asText(""), pr.path("base").path("ref").asText(""),
                    text(body.path("before")), pr.path("head").path("repo").path("id").asLong(-2) == repoId));
        } else if ("check_suite".equals(event)) {
            for (JsonNode pr : body.path("check_suite").path("pull_requests")) {
                out.add(new PullHead(pr.path("number").asInt(), pr.path("head").path("sha").asText(""),
                        pr.path("head").path("ref").asText(""), pr.path("base").path("ref").asText(""),
                        Optional.empty(), pr.path("head").path("repo").path("id").asLong(-2) == repoId));
            }
        }
        return out;
    }

    private static Optional<String> text(JsonNode n) {
        return n.isTextual() && !n.asText().isEmpty() ? Optional.of(n.asText()) : Optional.empty();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            if (n.isTextual()) {
                out.add(n.asText());
            }
        }
        return out;
    }
}
