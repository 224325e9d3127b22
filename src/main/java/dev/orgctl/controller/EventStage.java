package dev.orgctl.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.nats.SubjectCodec;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The event stage: a delivery from GITHUB_EVENTS decoded into a {@link GitHubEvent} and
 * classified by the {@link EventProcessor}. A delivery that can never be read (no GitHub headers,
 * not a JSON object, a push that names no commit) is poison.
 */
public final class EventStage implements Stage<GitHubEvent> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

    private final EventProcessor processor;

    public EventStage(EventProcessor processor) {
        this.processor = processor;
    }

    @Override
    public String kind() {
        return "delivery";
    }

    @Override
    public String loop() {
        return "controller-events";
    }

    @Override
    public GitHubEvent decode(Inbound in) {
        String event = in.header("X-GitHub-Event");
        String delivery = in.header("X-GitHub-Delivery");
        if (event.isEmpty() || delivery.isEmpty()) {
            throw StageException.poison("no X-GitHub-Event or X-GitHub-Delivery header");
        }
        JsonNode body;
        try {
            body = JSON.readTree(in.body());
        } catch (IOException e) {
            throw StageException.poison("the body is not JSON: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw StageException.poison("the body is not a JSON object");
        }
        GitHubEvent parsed = GitHubEvent.parse(event, delivery, body);
        parsed.push().ifPresent(EventStage::requireCommitIds);
        return parsed;
    }

    /**
     * A push names its old and new head by commit id; one that names something else can never be
     * read (every retry fails the same way), so it is poison rather than a failure to retry.
     */
    private static void requireCommitIds(GitHubEvent.Push p) {
        if (!p.deleted() && !COMMIT_ID.matcher(p.after()).matches()) {
            throw StageException.poison("the push's 'after' is not a commit id: '" + p.after() + "'");
        }
        if (!p.before().isEmpty() && !COMMIT_ID.matcher(p.before()).matches()) {
            throw StageException.poison("the push's 'before' is not a commit id: '" + p.before() + "'");
        }
    }

    @Override
    public Outcome run(GitHubEvent event, int delivery) {
        return new Outcome.Done(processor.handle(event).kind());
    }

    @Override
    public Origin origin(Inbound in, Optional<GitHubEvent> event) {
        String org = "";
        String repo = "";
        try {
            var address = SubjectCodec.parse(in.subject());
            org = address.org().orElse("");
            repo = address.repo().orElse("");
        } catch (IllegalArgumentException e) {
            // not a GitHub subject: leave org and repo empty
        }
        return new Origin(org, repo, in.header("X-GitHub-Delivery"));
    }
}
