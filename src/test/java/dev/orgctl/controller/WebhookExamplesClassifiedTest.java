package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.controller.rollout.KvRollouts;
import dev.orgctl.controller.rollout.RolloutEvents;
import dev.orgctl.controller.rollout.RolloutWorkflow;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.gateway.Payloads;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.WebhookExamples;
import dev.orgctl.testing.WebhookExamples.Example;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.impl.AckType;
import io.nats.client.impl.Headers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every real payload in {@code @octokit/webhooks-examples}, stored in GITHUB_EVENTS as the gateway
 * stores it and handled by the controller's real event path (the durable consumer, the dispatcher,
 * the event stage, the classifier on the shared records and a git host, the scheduler on
 * JetStream): each is acknowledged at once and none is retried or dead-lettered; the
 * {@code repository} actions of docs/controller.md's table schedule one regeneration of their
 * repository, the CI results (check suites and workflow runs completed, commit statuses, merged pull
 * requests) are kept per commit in ORGCTL_ROLLOUTS, and everything else schedules nothing.
 */
class WebhookExamplesClassifiedTest {
    /** docs/controller.md: "repository created, transferred, unarchived, publicized, privatized: new repository". */
    private static final Set<String> NEW_REPOSITORY_ACTIONS = Set.of("created", "transferred", "unarchived",
            "publicized", "privatized");
    /** The events the issue names; each must be among the examples, so the test cannot pass on an empty package. */
    private static final List<String> NAMED_EVENTS = List.of("push", "create", "delete", "repository", "installation",
            "pull_request", "check_suite", "workflow_run", "ping", "security_advisory");

    @TempDir
    Path gitRoot;
    NatsServerFixture nats;
    Connection connection;
    GitHost host;
    ControllerMetrics metrics;
    KvRollouts rollouts;

    @BeforeEach
    void start() {
        nats = NatsServerFixture.start().withTopology();
        connection = nats.connect();
        host = new GitHost(gitRoot); // no repositories: ownership is unknown, as for a repo orgctl never touched
        metrics = new ControllerMetrics(new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
        connection.close();
        nats.close();
    }

    @Test
    void everyExampleIsHandledOnceAndOnlyTheDocumentedOnesScheduleWork() throws Exception {
        List<Example> examples = WebhookExamples.all();
        assertThat(examples).extracting(Example::event).containsAll(NAMED_EVENTS);
        JetStream js = connection.jetStream();
        JetStreamManagement jsm = connection.jetStreamManagement();
        Map<String, Example> byDelivery = new HashMap<>();
        for (Example e : examples) {
            String delivery = UUID.randomUUID().toString();
            byDelivery.put(delivery, e);
            Headers h = new Headers().add("Nats-Msg-Id", delivery).add("X-GitHub-Event", e.event())
                    .add("X-GitHub-Delivery", delivery);
            byte[] body = e.body();
            String subject = SubjectCodec.subject(Payloads.address(e.event(),
                    Payloads.document(Payloads.ContentType.JSON, body)));
            js.publish(subject, h, body);
        }

        Dispatcher<GitHubEvent> dispatcher = eventDispatcher(js, jsm);
        ConsumerContext consumer = js.getConsumerContext(Topology.EVENTS_STREAM, Topology.CONTROLLER_CONSUMER);
        Map<String, Integer> kinds = new TreeMap<>();
        Map<Boolean, Integer> ciKept = new TreeMap<>();
        Set<String> scheduledRepos = new TreeSet<>();
        for (int i = 0; i < examples.size(); i++) {
            Message msg = consumer.next(Duration.ofSeconds(5));
            assertThat(msg).as("message %d of %d", i + 1, examples.size()).isNotNull();
            Example e = byDelivery.get(msg.getHeaders().getFirst("X-GitHub-Delivery"));
            String expected = expectedKind(e);
            double kindBefore = metrics.count("orgctl_controller_deliveries", "kind", expected);
            double triggersBefore = triggers();

            dispatcher.dispatch(msg, Optional.empty());

            assertThat(msg.lastAck()).as("%s: the dispatcher's answer", e).isEqualTo(AckType.AckAck);
            assertThat(metrics.count("orgctl_controller_deliveries", "kind", expected)).as("%s is %s", e, expected)
                    .isEqualTo(kindBefore + 1);
            assertThat(triggers() - triggersBefore).as("%s schedules", e)
                    .isEqualTo(expected.equals("new_repository") ? 1 : 0);
            kinds.merge(expected, 1, Integer::sum);
            if (expected.equals("ci_result")) {
                // Kept only for a commit that may be orgctl's (docs/rollout.md, CI results): the examples'
                // commits are people's, except where the payload names no message.
                boolean kept = rollouts.ci(e.payload().at("/repository/owner/login").asText(),
                        e.payload().at("/repository/name").asText(), shaOf(e)).isPresent();
                assertThat(kept).as("%s: its CI record", e).isEqualTo(mayBeOrgctls(e));
                ciKept.merge(kept, 1, Integer::sum);
            }
            if (expected.equals("new_repository")) {
                scheduledRepos.add(JobScheduler.jobSubject(e.payload().at("/repository/owner/login").asText(),
                        e.payload().at("/repository/name").asText()));
            }
        }

        // @octokit/webhooks-examples 7.6.1: 329 examples; repository created (2), transferred (3),
        // publicized (3), privatized (2) are new repositories; check_suite completed (4), workflow_run
        // completed (3) and status (4) are CI results (no merged pull request among them); the rest is irrelevant.
        assertThat(kinds).containsExactlyEntriesOf(new TreeMap<>(Map.of("irrelevant", 308, "new_repository", 10,
                "ci_result", 11)));
        // None of the examples' commits is orgctl's, and each names its message.
        assertThat(ciKept).as("CI results kept (true) and not (false)").isEqualTo(Map.of(false, 11));
        // The server applies acks on its own schedule: wait for it to have taken every one, then check none came back.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ConsumerInfo info = consumer.getConsumerInfo();
            return info.getNumPending() + info.getNumAckPending() == 0;
        });
        assertThat(consumer.getConsumerInfo().getRedelivered()).as("redelivered").isZero();
        assertThat(jsm.getStreamInfo(Topology.DLQ_STREAM).getStreamState().getMsgCount()).as("dead letters").isZero();
        for (String cause : List.of("poison", "template", "attempts")) {
            assertThat(metrics.count("orgctl_controller_dead_letters", "stopped_by", cause)).isZero();
        }
        // One job per repository the new-repository examples name; the later triggers were folded in.
        assertThat(jobSubjects(jsm)).containsExactlyInAnyOrderElementsOf(scheduledRepos);
        assertThat(scheduledRepos).hasSize(2);
    }

    /** The controller's event path as {@link Controller#start} wires it, without the worker loops. */
    private Dispatcher<GitHubEvent> eventDispatcher(JetStream js, JetStreamManagement jsm) {
        NatsConnector connector = new NatsConnector(nats.settings());
        Workflows workflows = Workflows.open(connection, connector.jetStreamOptions(), connector.keyValueOptions(),
                "examples-test");
        JobScheduler scheduler = new JobScheduler(workflows, js, "examples-test");
        OwnCommits ownCommits = new OwnCommits(keyValue(Topology.COMMITS_BUCKET));
        ControllerSettings settings = ControllerSettings.defaults();
        rollouts = new KvRollouts(keyValue(Topology.ROLLOUTS_BUCKET), java.time.Clock.systemUTC(), RolloutWorkflow.NONE);
        EventProcessor processor = new EventProcessor(new EventClassifier(new ControllerKnowledge(ownCommits, host)),
                scheduler, ownCommits, host, settings, metrics, Optional.empty(), PreviewSink.DISABLED,
                Optional.of(new RolloutEvents(rollouts, RolloutWorkflow.NONE, java.time.Clock.systemUTC())),
                dev.orgctl.controller.rollout.RolloutPlanner.FROM_CONFIG, "examples-test");
        return new Dispatcher<>(new EventStage(processor), settings.retry(), new DeadLetters(js, jsm), metrics,
                Optional.empty());
    }

    private io.nats.client.KeyValue keyValue(String bucket) {
        try {
            return connection.keyValue(bucket);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether the head commit's message, where the example gives one, is orgctl's. */
    private static boolean mayBeOrgctls(Example e) {
        com.fasterxml.jackson.databind.JsonNode message = switch (e.event()) {
            case "check_suite" -> e.payload().at("/check_suite/head_commit/message");
            case "workflow_run" -> e.payload().at("/workflow_run/head_commit/message");
            case "status" -> e.payload().at("/commit/commit/message");
            default -> com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        };
        return !message.isTextual() || dev.orgctl.regen.Provenance.isOrgctlCommit(message.asText());
    }

    /** What docs/controller.md's classification table says the example means. */
    private static String expectedKind(Example e) {
        boolean newRepository = e.event().equals("repository") && e.action().map(NEW_REPOSITORY_ACTIONS::contains)
                .orElse(false);
        String action = e.action().orElse("");
        boolean ci = switch (e.event()) {
            case "check_suite", "workflow_run" -> action.equals("completed");
            case "status" -> true;
            case "pull_request" -> action.equals("closed") && e.payload().at("/pull_request/merged").asBoolean(false);
            default -> false;
        };
        return newRepository ? "new_repository" : ci ? "ci_result" : "irrelevant";
    }

    /** The commit a CI example reports on. */
    private static String shaOf(Example e) {
        return switch (e.event()) {
            case "check_suite" -> e.payload().at("/check_suite/head_sha").asText();
            case "workflow_run" -> e.payload().at("/workflow_run/head_sha").asText();
            case "status" -> e.payload().at("/sha").asText();
            default -> e.payload().at("/pull_request/head/sha").asText();
        };
    }

    private double triggers() {
        return metrics.count("orgctl_controller_triggers", "outcome", "queued")
                + metrics.count("orgctl_controller_triggers", "outcome", "coalesced");
    }

    private static Set<String> jobSubjects(JetStreamManagement jsm) throws Exception {
        Set<String> subjects = new TreeSet<>();
        var state = jsm.getStreamInfo(Topology.JOBS_STREAM,
                io.nats.client.api.StreamInfoOptions.allSubjects()).getStreamState();
        state.getSubjects().forEach(s -> subjects.add(s.getName()));
        assertThat(state.getMsgCount()).isEqualTo(subjects.size());
        return subjects;
    }
}
