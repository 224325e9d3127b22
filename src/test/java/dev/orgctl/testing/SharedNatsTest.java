package dev.orgctl.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The extension's promises, driven through its callbacks as JUnit calls them (it reads nothing from
 * the context): what it starts it stops, also when the start fails half-way.
 */
class SharedNatsTest {
    /** The nats-server processes this JVM started and that still run. */
    private static Set<Long> runningServers() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("nats-server")).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @Test
    void afterTheClassItsConnectionsAreClosedAndTheServerAndStoreAreGone() {
        SharedNats nats = SharedNats.plain();
        nats.beforeAll(null);
        Connection shared = nats.connection();
        Connection own = nats.connect();
        long pid = nats.fixture().pid();
        Path store = nats.fixture().store();
        assertThat(nats.connection()).isSameAs(shared);
        assertThat(own).isNotSameAs(shared);
        assertThat(shared.getStatus()).isEqualTo(Connection.Status.CONNECTED);

        nats.afterAll(null);

        assertThat(List.of(shared.getStatus(), own.getStatus())).containsOnly(Connection.Status.CLOSED);
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(store).doesNotExist();
        assertThatThrownBy(nats::connection).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@RegisterExtension");
    }

    @Test
    void theServerHasTheTopologyAndTheExtraConfig() throws Exception {
        SharedNats nats = SharedNats.withTopology("max_payload: 64MB");
        nats.beforeAll(null);
        try {
            Connection c = nats.connection();
            assertThat(c.getServerInfo().getMaxPayload()).isEqualTo(64L * 1024 * 1024);
            assertThat(c.jetStreamManagement().getStreamNames()).contains(Topology.EVENTS_STREAM);
        } finally {
            nats.afterAll(null);
        }
    }

    @Test
    void aServerThatRefusesTheTopologyIsStoppedBeforeTheFailureIsReported() {
        // The server comes up, but the topology's plain connection is refused: the half-started
        // server must not outlive the failure (a @BeforeAll that assigned it after the topology did).
        Set<Long> before = runningServers();
        SharedNats nats = SharedNats.withTopology("authorization { user: someone, password: elsewhere }");

        assertThatThrownBy(() -> nats.beforeAll(null)).isInstanceOf(NatsUnavailableException.class);

        assertThat(runningServers()).isEqualTo(before);
        assertThatThrownBy(nats::fixture).isInstanceOf(IllegalStateException.class);
        nats.afterAll(null); // as JUnit calls it after a failed start: nothing left to stop, no error
    }

    @Test
    void aServerThatCannotStartFailsWithItsOwnWords() {
        SharedNats unparsable = SharedNats.withTopology("max_payload: 1MB {");

        assertThatThrownBy(() -> unparsable.beforeAll(null)).isInstanceOf(NatsUnavailableException.class)
                .hasMessageContaining("nats-server exited at start").hasMessageContaining("Parse error");
        assertThatThrownBy(unparsable::url).isInstanceOf(IllegalStateException.class);
    }
}
