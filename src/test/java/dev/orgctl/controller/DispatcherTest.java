package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.DeadLetter;
import dev.orgctl.regen.TemplateException;
import dev.orgctl.testing.NatsServerFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.ConsumerInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's table, against a real nats-server: each outcome and each kind of thrown failure
 * gives its action, its dead letter in ORGCTL_DLQ (or none) and its metric.
 */
class DispatcherTest {
    private static final String SUBJECT = JobScheduler.jobSubject("acme", "svc-01");

    private NatsServerFixture nats;
    private Connection connection;
    private DeadLetters deadLetters;
    private ControllerMetrics metrics;
    private SimpleMeterRegistry registry;

    @BeforeEach
    void start() throws Exception {
        nats = NatsServerFixture.start().withTopology();
        connection = nats.connect();
        deadLetters = new DeadLetters(connection.jetStream(), connection.jetStreamManagement());
        registry = new SimpleMeterRegistry();
        metrics = new ControllerMetrics(registry);
    }

    @AfterEach
    void stop() throws Exception {
        connection.close();
        nats.close();
    }

    /** A stage whose body is its input; "undecodable" cannot be decoded; the script says what a run does. */
    private Dispatcher<String> dispatcher(Function<String, Outcome> script) {
        Stage<String> stage = new Stage<>() {
            @Override
            public String kind() {
                return "job";
            }

            @Override
            public String loop() {
                return "test-loop";
            }

            @Override
            public String decode(Inbound in) {
                String body = new String(in.body(), StandardCharsets.UTF_8);
                if (body.equals("undecodable")) {
                    throw new IllegalArgumentException("cannot decode a test message");
                }
                return body;
            }

            @Override
            public Outcome run(String input, int delivery) {
                return script.apply(input);
            }

            @Override
            public Origin origin(Inbound in, Optional<String> input) {
                return input.map(i -> new Origin("acme", "svc-01", "cause-" + i)).orElse(new Origin("", "", ""));
            }
        };
        return new Dispatcher<>(stage, RetryPolicy.defaults(), deadLetters, metrics, Optional.of(metrics.jobTimer()));
    }

    private static Inbound in(String body, int delivery) {
        return new Inbound(SUBJECT, Map.of("X-Test", List.of("yes")), body.getBytes(StandardCharsets.UTF_8), delivery);
    }

    private double deadLetterCount(String stoppedBy) {
        return metrics.count("orgctl_controller_dead_letters", "stopped_by", stoppedBy);
    }

    @Test
    void doneIsAnAckWithoutADeadLetter() {
        Action a = dispatcher(i -> new Outcome.Done("committed")).decide(in("x", 1));
        assertThat(a).isEqualTo(new Action.Ack());
        assertThat(deadLetters.list()).isEmpty();
        assertThat(registry.find("orgctl_controller_job_duration").timer().count()).as("timed").isEqualTo(1);
    }

    @Test
    void retryIsANakAfterTheStagesDelayWhateverTheDeliveryCount() {
        Action a = dispatcher(i -> new Outcome.Retry(Duration.ofSeconds(3), "lock busy")).decide(in("x", 99));
        assertThat(a).isEqualTo(new Action.Nak(Duration.ofSeconds(3)));
        assertThat(deadLetters.list()).isEmpty();
    }

    @Test
    void terminalWritesTheDeadLetterThenRunsItsFollowUpAndTerms() {
        AtomicInteger lettersWhenFollowUpRan = new AtomicInteger(-1);
        Action a = dispatcher(i -> new Outcome.Terminal("breaker", "circuit breaker open", 0,
                () -> lettersWhenFollowUpRan.set(deadLetters.list().size()))).decide(in("x", 2));
        assertThat(a).isEqualTo(new Action.Term());
        assertThat(lettersWhenFollowUpRan).as("the follow-up ran after the dead letter was written").hasValue(1);
        DeadLetter d = deadLetters.list().get(0).letter();
        assertThat(d.getKind()).isEqualTo("job");
        assertThat(d.getStoppedBy()).isEqualTo("breaker");
        assertThat(d.getError()).isEqualTo("circuit breaker open");
        assertThat(d.getOrg()).isEqualTo("acme");
        assertThat(d.getRepo()).isEqualTo("svc-01");
        assertThat(d.getCausationId()).isEqualTo("cause-x");
        assertThat(d.getAttempts()).as("the delivery count when the stage names none").isEqualTo(2);
        assertThat(d.getOriginalSubject()).isEqualTo(SUBJECT);
        assertThat(d.getOriginalBody().toStringUtf8()).isEqualTo("x");
        assertThat(d.getOriginalHeadersMap()).containsEntry("X-Test", "yes");
        assertThat(deadLetterCount("breaker")).isEqualTo(1);
    }

    @Test
    void aTerminalsOwnAttemptCountIsRecorded() {
        dispatcher(i -> new Outcome.Terminal("lock", "lost", 3, () -> { })).decide(in("x", 7));
        assertThat(deadLetters.list().get(0).letter().getAttempts()).isEqualTo(3);
    }

    @Test
    void anUndecodableMessageIsPoisonAtOnce() {
        AtomicInteger runs = new AtomicInteger();
        Action a = dispatcher(i -> {
            runs.incrementAndGet();
            return new Outcome.Done("x");
        }).decide(in("undecodable", 1));
        assertThat(a).isEqualTo(new Action.Term());
        assertThat(runs).as("the stage never ran").hasValue(0);
        DeadLetter d = deadLetters.list().get(0).letter();
        assertThat(d.getStoppedBy()).isEqualTo("poison");
        assertThat(d.getError()).contains("cannot decode");
        assertThat(d.getOrg()).isEmpty();
        assertThat(deadLetterCount("poison")).isEqualTo(1);
    }

    @Test
    void aFailureThatIsNotRetryableIsPoisonAtOnce() {
        Action a = dispatcher(i -> {
            throw StageException.poison("orgctl.yaml is broken");
        }).decide(in("x", 1));
        assertThat(a).isEqualTo(new Action.Term());
        assertThat(deadLetters.list().get(0).letter().getStoppedBy()).isEqualTo("poison");
        assertThat(deadLetters.list().get(0).letter().getAttempts()).isEqualTo(1);
    }

    @Test
    void aTemplateFailureIsTerminalAsTemplate() {
        Action a = dispatcher(i -> {
            throw new TemplateException("templates/a.txt", 3, "unknown variable");
        }).decide(in("x", 1));
        assertThat(a).isEqualTo(new Action.Term());
        assertThat(deadLetters.list().get(0).letter().getStoppedBy()).isEqualTo("template");
        assertThat(deadLetterCount("template")).isEqualTo(1);
    }

    @Test
    void retryableAndUnknownFailuresBackOffUntilTheAttemptsAreSpent() {
        Dispatcher<String> retryable = dispatcher(i -> {
            throw StageException.transientFailure("host away");
        });
        Dispatcher<String> unknown = dispatcher(i -> {
            throw new IllegalStateException("nobody classified this");
        });
        assertThat(retryable.decide(in("x", 1))).isEqualTo(new Action.Nak(Duration.ofSeconds(2)));
        assertThat(unknown.decide(in("x", 2))).isEqualTo(new Action.Nak(Duration.ofSeconds(4)));
        assertThat(retryable.decide(in("x", 4))).isEqualTo(new Action.Nak(Duration.ofSeconds(16)));
        assertThat(deadLetters.list()).as("nothing dead-lettered before the last attempt").isEmpty();

        assertThat(retryable.decide(in("a", 5))).isEqualTo(new Action.Term());
        assertThat(unknown.decide(in("b", 5))).isEqualTo(new Action.Term());
        assertThat(deadLetters.list()).extracting(e -> e.letter().getStoppedBy()).containsExactly("attempts", "attempts");
        assertThat(deadLetters.list()).extracting(e -> e.letter().getError())
                .containsExactly("host away", "nobody classified this");
        assertThat(deadLetterCount("attempts")).isEqualTo(2);
    }

    @Test
    void actionsReachTheServerAndAMissingDlqLeavesTheMessageUnacknowledged() throws Exception {
        JetStreamManagement jsm = connection.jetStreamManagement();
        var consumer = connection.jetStream().getConsumerContext(Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER);
        connection.jetStream().publish(SUBJECT, "done".getBytes(StandardCharsets.UTF_8));
        connection.jetStream().publish(SUBJECT, "stop".getBytes(StandardCharsets.UTF_8));
        AtomicInteger followUps = new AtomicInteger();
        Dispatcher<String> d = dispatcher(i -> i.equals("done") ? new Outcome.Done("ok")
                : new Outcome.Terminal("depth", "too deep", 0, followUps::incrementAndGet));
        d.dispatch(consumer.next(Duration.ofSeconds(10)), Optional.empty());
        jsm.deleteStream(Topology.DLQ_STREAM);
        Message stop = consumer.next(Duration.ofSeconds(10));
        d.dispatch(stop, Optional.empty());
        assertThat(metrics.count("orgctl_controller_unfinished", "loop", "test-loop")).isEqualTo(1);
        assertThat(followUps).as("no follow-up without its dead letter").hasValue(0);

        nats.withTopology(); // the DLQ stream exists again; the message comes back after its delay
        Message again = consumer.next(Duration.ofSeconds(30));
        assertThat(again).isNotNull();
        assertThat(new String(again.getData(), StandardCharsets.UTF_8)).isEqualTo("stop");
        assertThat(again.metaData().deliveredCount()).isEqualTo(2);
        d.dispatch(again, Optional.empty());
        assertThat(followUps).hasValue(1);
        assertThat(deadLetters.list()).extracting(e -> e.letter().getAttempts()).containsExactly(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ConsumerInfo ci = jsm.getConsumerInfo(Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER);
            return ci.getNumAckPending() == 0 && ci.getNumPending() == 0;
        });
        assertThat(consumer.next(Duration.ofSeconds(1))).as("acked and termed messages do not come back").isNull();
    }
}
