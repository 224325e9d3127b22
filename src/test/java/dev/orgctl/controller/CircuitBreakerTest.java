package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.testing.SharedNats;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The breaker's count in a real KV bucket, written by several replicas at once. */
class CircuitBreakerTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.plain();

    private static KeyValue kv;

    @BeforeAll
    static void start() throws Exception {
        NATS.connection().keyValueManagement().create(KeyValueConfiguration.builder().name("BREAKERS")
                .maxHistoryPerKey(1).storageType(StorageType.File).build());
        kv = NATS.connection().keyValue("BREAKERS");
    }

    private static CircuitBreaker breaker(KeyValue kv, int maxCommits) {
        return new CircuitBreaker(kv, new CircuitBreaker.Settings(maxCommits, Duration.ofMinutes(10)), Clock.systemUTC());
    }

    @Test
    void replicasCountingAtOnceOpenTheBreakerExactlyOnceAtTheLimit() throws Exception {
        int replicas = 3;
        int each = 4;
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        List<Future<Integer>> opened = new ArrayList<>();
        List<Connection> replicaConnections = new ArrayList<>();
        try {
            for (int r = 0; r < replicas; r++) {
                // Each replica its own connection, as separate processes would have.
                replicaConnections.add(NATS.fixture().connect());
                CircuitBreaker b = breaker(replicaConnections.get(r).keyValue("BREAKERS"), replicas * each);
                opened.add(pool.submit(() -> {
                    int n = 0;
                    for (int i = 0; i < each; i++) {
                        n += b.recordCommit("acme", "race").isPresent() ? 1 : 0;
                    }
                    return n;
                }));
            }
            int total = 0;
            for (Future<Integer> f : opened) {
                total += f.get();
            }
            assertThat(total).as("exactly the commit that reached the limit opened the breaker").isEqualTo(1);
        } finally {
            pool.shutdownNow();
            for (Connection c : replicaConnections) {
                c.close();
            }
        }
        assertThat(breaker(kv, replicas * each).check("acme", "race")).isPresent();
    }

    @Test
    void anUnreadableRecordIsCountedAfreshInsteadOfBlockingEveryCommit() throws Exception {
        // A record this version cannot read (another version's, a broken write) must not leave the
        // repository's breaker unwritable: it is replaced by a fresh count.
        kv.put(KeyCodec.encode("acme/garbled"), "not a BreakerRecord \u00ff".getBytes(StandardCharsets.UTF_8));
        CircuitBreaker b = breaker(kv, 2);
        assertThat(b.check("acme", "garbled")).isEmpty();
        assertThat(b.recordCommit("acme", "garbled")).isEmpty();
        assertThat(b.recordCommit("acme", "garbled")).isPresent();
        assertThat(b.check("acme", "garbled")).isPresent();
    }

    @Test
    void anEmptyRecordIsCountedAfresh() throws Exception {
        kv.put(KeyCodec.encode("acme/empty"), new byte[0]);
        CircuitBreaker b = breaker(kv, 5);
        assertThat(b.recordCommit("acme", "empty")).isEqualTo(Optional.empty());
        assertThat(breaker(kv, 1).recordCommit("acme", "empty")).isPresent();
    }
}
