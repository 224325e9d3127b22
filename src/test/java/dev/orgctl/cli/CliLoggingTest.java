package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.OrgctlProcess.Result;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What a one-shot command and a NATS outage put on stderr. */
class CliLoggingTest {
    @TempDir
    Path dir;

    @Test
    void aOneShotCommandLogsOnlyWarningsUnlessVerbose() {
        try (NatsServerFixture nats = NatsServerFixture.start().withTopology()) {
            Result quiet = OrgctlProcess.run(dir, Map.of("NATS_URL", nats.url()), "lock", "list");
            assertThat(quiet.exitCode()).as(quiet.err()).isZero();
            assertThat(quiet.out()).contains("no locks held");
            assertThat(quiet.err().lines()).as("no INFO lines by default").noneMatch(l -> l.contains(" INFO "));

            Result verbose = OrgctlProcess.run(dir, Map.of("NATS_URL", nats.url()), "lock", "list", "--verbose");
            assertThat(verbose.exitCode()).as(verbose.err()).isZero();
            assertThat(verbose.err()).contains(" INFO ").contains("nats connected");
        }
    }

    @Test
    void theLongRunningCommandsAreTheServices() {
        assertThat(Main.isService(List.of("up", "--workers", "2"))).isTrue();
        assertThat(Main.isService(List.of("gateway"))).isTrue();
        assertThat(Main.isService(List.of("demo"))).isTrue();
        assertThat(Main.isService(List.of("nats", "serve"))).isTrue();
        assertThat(Main.isService(List.of("status"))).isFalse();
        assertThat(Main.isService(List.of("lock", "exec", "up"))).isFalse();
        assertThat(Main.isService(List.of("topology", "apply"))).isFalse();
    }

    @Test
    void anOutageIsLoggedOnceAndSummarizedWhenItEnds() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(NatsConnector.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        Level before = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        logger.addAppender(events);
        try (NatsServerFixture nats = NatsServerFixture.start();
             Connection c = new NatsConnector(nats.settings()).connect("outage-test", Duration.ofSeconds(5))) {
            nats.kill();
            // Down for several reconnect attempts (about one a second).
            await().atMost(Duration.ofSeconds(60)).until(() -> count(events, Level.DEBUG, "reconnect attempt failed")
                    + count(events, Level.WARN, "nats disconnected") >= 4);
            nats.restart();
            await().atMost(Duration.ofSeconds(60)).until(() -> c.getStatus() == Connection.Status.CONNECTED
                    && count(events, Level.WARN, "reconnected") >= 1);
            assertThat(count(events, Level.WARN, "nats disconnected")).as("the outage, logged once").isEqualTo(1);
            assertThat(events.list.stream().filter(e -> e.getLevel() == Level.WARN
                    && e.getFormattedMessage().startsWith("nats reconnected after")).toList())
                    .hasSize(1).allSatisfy(e -> assertThat(e.getFormattedMessage()).containsPattern("and [3-9]\\d* failed"));
        } finally {
            logger.detachAppender(events);
            logger.setLevel(before);
        }
    }

    private static long count(ListAppender<ILoggingEvent> events, Level level, String text) {
        synchronized (events) { // the lock AppenderBase.doAppend holds while it adds to list
            return events.list.stream().filter(e -> e.getLevel() == level && e.getFormattedMessage().contains(text))
                    .count();
        }
    }
}
