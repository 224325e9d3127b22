package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.testing.SharedNats;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The compare-and-set loop against a real nats-server: real races, real refusals. */
class KvCasTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.plain();

    private static KeyValue kv;

    @BeforeAll
    static void bucket() throws Exception {
        Connection c = NATS.connection();
        c.keyValueManagement().create(KeyValueConfiguration.builder().name("CAS").maxHistoryPerKey(1)
                .maxValueSize(64).storageType(StorageType.File).build());
        kv = c.keyValue("CAS");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KvCas.Decision<Integer> increment(KvCas.Current cur) {
        int n = cur.absent() ? 0 : Integer.parseInt(new String(cur.value(), StandardCharsets.UTF_8));
        return KvCas.Decision.put(bytes(Integer.toString(n + 1)), n + 1);
    }

    @Test
    void writersRacingOnOneKeyLoseNoIncrementAndCountTheirLostRaces() throws Exception {
        int writers = 4;
        int each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger conflicts = new AtomicInteger();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                KvCas cas = new KvCas(NATS.connect().keyValue("CAS"), 1000, KvCas.CONTENTION);
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        KvCas.Outcome<Integer> o = cas.update("counter", KvCasTest::increment);
                        assertThat(o).isInstanceOf(KvCas.Outcome.Written.class);
                        conflicts.addAndGet(o.conflicts());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(new String(kv.get("counter").getValue(), StandardCharsets.UTF_8))
                .isEqualTo(Integer.toString(writers * each));
        assertThat(conflicts.get()).as("the writers really raced").isPositive();
    }

    @Test
    void aWriteBetweenTheReadAndTheWriteIsAConflictAndTheDecisionIsMadeAgainOnTheFreshValue() throws Exception {
        KeyValue other = NATS.connect().keyValue("CAS");
        other.put("raced", bytes("10"));
        List<String> seen = new ArrayList<>();
        KvCas.Outcome<Integer> o = new KvCas(kv, 5, KvCas.CONTENTION).update("raced", cur -> {
            String value = new String(cur.value(), StandardCharsets.UTF_8);
            seen.add(value);
            if (seen.size() == 1) {
                try {
                    other.put("raced", bytes("20")); // another replica writes after our read
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            return increment(cur);
        });
        assertThat(seen).containsExactly("10", "20");
        assertThat(o).isEqualTo(new KvCas.Outcome.Written<>(21, kv.get("raced").getRevision(), 1));
    }

    @Test
    void aKeyThatKeepsChangingEndsContendedAfterTheLastAttempt() throws Exception {
        KeyValue other = NATS.connect().keyValue("CAS");
        AtomicInteger calls = new AtomicInteger();
        KvCas.Outcome<Integer> o = new KvCas(kv, 3, KvCas.CONTENTION).update("busy", cur -> {
            try {
                other.put("busy", bytes(Integer.toString(calls.incrementAndGet() * 100)));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return increment(cur);
        });
        assertThat(o).isEqualTo(new KvCas.Outcome.Contended<Integer>(3));
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void aDeletedKeyIsAbsentAndIsCreatedAgain() throws Exception {
        kv.put("gone", bytes("7"));
        kv.delete("gone");
        KvCas.Outcome<Integer> o = new KvCas(kv, 3, KvCas.CONTENTION).update("gone", KvCasTest::increment);
        assertThat(o).isInstanceOf(KvCas.Outcome.Written.class);
        assertThat(((KvCas.Outcome.Written<Integer>) o).result()).isEqualTo(1);
    }

    @Test
    void keepWritesNothing() throws Exception {
        long before = kv.put("kept", bytes("1"));
        KvCas.Outcome<String> o = new KvCas(kv, 3, KvCas.CONTENTION).update("kept", cur -> KvCas.Decision.keep("as is"));
        assertThat(o).isEqualTo(new KvCas.Outcome.Kept<>("as is", before, 0));
        assertThat(kv.get("kept").getRevision()).isEqualTo(before);
    }

    @Test
    void aRefusalThatIsNotALostRaceIsThrownNotRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        KvCas cas = new KvCas(kv, 1000, KvCas.CONTENTION);
        assertThatThrownBy(() -> cas.update("big", cur -> {
            calls.incrementAndGet();
            return KvCas.Decision.put(new byte[1024], 0); // above the bucket's 64-byte values
        })).isInstanceOf(JetStreamApiException.class);
        assertThat(calls.get()).as("decided once: a refusal is not a race").isEqualTo(1);
    }

    @Test
    void aCreateOfAnExistingKeyIsAConflictNotAnError() throws Exception {
        long rev = kv.put("exists", bytes("1"));
        assertThat(KvCas.compareAndSet(kv, "exists", bytes("2"), 0)).isEmpty();
        assertThat(KvCas.compareAndSet(kv, "exists", bytes("2"), rev + 100)).isEmpty();
        assertThat(KvCas.compareAndSet(kv, "exists", bytes("2"), rev)).isPresent();
    }
}
