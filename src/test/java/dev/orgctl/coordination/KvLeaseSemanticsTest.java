package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.testing.SharedNats;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server behaviour the locks are built on, checked on the real nats-server (2.9.10 here) rather
 * than assumed: compare-and-set create, update and delete; create over delete and purge markers;
 * the bucket TTL as a lease that every write restarts.
 */
class KvLeaseSemanticsTest {
    private static final Duration TTL = Duration.ofSeconds(3);

    @RegisterExtension
    static final SharedNats NATS = SharedNats.plain();

    private static KeyValue kv;

    @BeforeAll
    static void start() throws Exception {
        TestBuckets.createLockBucket(NATS.connection(), "SEMANTICS", TTL);
        kv = NATS.connection().keyValue("SEMANTICS");
    }

    private static byte[] v(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void createOfAnExistingKeyFailsWithWrongLastSequence() throws Exception {
        kv.create("c1", v("a"));
        assertThatThrownBy(() -> kv.create("c1", v("b")))
                .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.getApiErrorCode()).isEqualTo(10071));
        assertThat(kv.get("c1").getValueAsString()).isEqualTo("a");
    }

    @Test
    void deleteWithARevisionIsACompareAndSet() throws Exception {
        long r1 = kv.create("d1", v("a"));
        long r2 = kv.update("d1", v("b"), r1);
        // A stale revision: refused, the entry stays.
        assertThatThrownBy(() -> kv.delete("d1", r1))
                .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.getApiErrorCode()).isEqualTo(10071));
        assertThat(kv.get("d1").getRevision()).isEqualTo(r2);
        // The current revision: deleted.
        kv.delete("d1", r2);
        assertThat(kv.get("d1")).isNull();
        // create over a delete marker succeeds, with a larger revision.
        long r3 = kv.create("d1", v("c"));
        assertThat(r3).isGreaterThan(r2);
        assertThat(kv.get("d1").getValueAsString()).isEqualTo("c");
    }

    @Test
    void createOverAPurgeMarkerSucceeds() throws Exception {
        long r1 = kv.create("p1", v("a"));
        kv.purge("p1", r1);
        assertThat(kv.get("p1")).isNull();
        assertThat(kv.create("p1", v("b"))).isGreaterThan(r1);
    }

    @Test
    void updateWithAStaleRevisionFails() throws Exception {
        long r1 = kv.create("u1", v("a"));
        kv.update("u1", v("b"), r1);
        assertThatThrownBy(() -> kv.update("u1", v("c"), r1))
                .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.getApiErrorCode()).isEqualTo(10071));
    }

    @Test
    void theTtlIsALeaseThatEveryWriteRestarts() throws Exception {
        long r1 = kv.create("t1", v("a"));
        Instant created = kv.get("t1").getCreated().toInstant();
        Thread.sleep(1500);
        long r2 = kv.update("t1", v("b"), r1);
        Instant lastWrite = kv.get("t1").getCreated().toInstant();
        Thread.sleep(1700);
        // More than the TTL after the create, less after the update: the update restarted the lease.
        assertThat(Duration.between(created, Instant.now())).isGreaterThan(TTL);
        KeyValueEntry still = kv.get("t1");
        assertThat(still).isNotNull();
        assertThat(still.getRevision()).isEqualTo(r2);
        // It goes within a short while after lastWrite + TTL.
        Instant gone = null;
        while (gone == null && Instant.now().isBefore(lastWrite.plus(TTL).plusSeconds(3))) {
            if (kv.get("t1") == null) {
                gone = Instant.now();
            }
            Thread.sleep(20);
        }
        assertThat(gone).as("expired").isNotNull();
        assertThat(Duration.between(lastWrite, gone)).isGreaterThanOrEqualTo(TTL.minusMillis(50))
                .isLessThan(TTL.plusMillis(1500));
        // An expired entry leaves no marker: a renewal with the old revision fails, a create succeeds.
        assertThatThrownBy(() -> kv.update("t1", v("late renewal"), r2))
                .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.getApiErrorCode()).isEqualTo(10071));
        assertThat(kv.create("t1", v("next holder"))).isGreaterThan(r2);
    }
}
