package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.testing.NatsServerFixture;
import io.nats.client.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads in this JVM and several other JVMs hammer one lock; every critical section is
 * recorded in one shared file. Never two holders at once, and fencing tokens strictly increase.
 */
class LockMutualExclusionTest {
    private static final int THREADS_HERE = 6;
    private static final int CHILDREN = 3;
    private static final int THREADS_PER_CHILD = 2;
    private static final int ITERATIONS = 25;

    @TempDir
    Path dir;

    @Test
    void neverTwoHoldersAndTokensStrictlyIncrease() throws Exception {
        Path logFile = dir.resolve("critical.log");
        try (NatsServerFixture nats = NatsServerFixture.start(); Connection c1 = nats.connect(); Connection c2 = nats.connect()) {
            TestBuckets.createLockBucket(c1, "LOCKS_HAMMER", Duration.ofSeconds(5));
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int i = 0; i < CHILDREN; i++) {
                    children.add(ChildJvm.start(LockHammerMain.class, nats.url(), "LOCKS_HAMMER", "hammered",
                            Integer.toString(ITERATIONS), Integer.toString(THREADS_PER_CHILD), logFile.toString(), "jvm" + i));
                }
                for (ChildJvm child : children) {
                    child.awaitLine("READY", Duration.ofSeconds(30));
                }
                // Two services on two connections in this JVM, shared by the threads.
                try (LockService s1 = TestBuckets.locks(c1, "LOCKS_HAMMER", "here-1");
                     LockService s2 = TestBuckets.locks(c2, "LOCKS_HAMMER", "here-2");
                     CriticalSectionLog log = new CriticalSectionLog(logFile)) {
                    for (ChildJvm child : children) {
                        child.send("GO");
                    }
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    List<Thread> threads = new ArrayList<>();
                    for (int t = 0; t < THREADS_HERE; t++) {
                        LockService s = t % 2 == 0 ? s1 : s2;
                        String who = "here-t" + t;
                        Thread th = new Thread(() -> LockHammerMain.hammer(s, "hammered", ITERATIONS, log, who), who);
                        th.setUncaughtExceptionHandler((x, e) -> failure.set(e));
                        threads.add(th);
                        th.start();
                    }
                    for (Thread th : threads) {
                        th.join(120_000);
                    }
                    assertThat(failure.get()).isNull();
                }
                for (ChildJvm child : children) {
                    assertThat(child.waitFor(Duration.ofSeconds(120))).as("child exit code").isZero();
                    assertThat(child.output()).contains("DONE");
                }
            } finally {
                children.forEach(ChildJvm::close);
            }
        }
        List<String> lines = Files.readAllLines(logFile);
        int sections = CriticalSectionLog.verify(lines);
        assertThat(sections).isEqualTo((THREADS_HERE + CHILDREN * THREADS_PER_CHILD) * ITERATIONS);
        // Every process really took part (the contention crossed JVMs).
        for (int i = 0; i < CHILDREN; i++) {
            String jvm = "jvm" + i + "-";
            assertThat(lines).anyMatch(l -> l.contains(" " + jvm));
        }
    }

    @Test
    void theCheckerCatchesOverlapsAndFallingTokens() {
        assertThat(CriticalSectionLog.verify(List.of("ENTER 1 a", "EXIT 1 a", "ENTER 5 b", "EXIT 5 b"))).isEqualTo(2);
        assertThatThrownBy(() -> CriticalSectionLog.verify(List.of("ENTER 1 a", "ENTER 2 b", "EXIT 1 a", "EXIT 2 b")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("entered while");
        assertThatThrownBy(() -> CriticalSectionLog.verify(List.of("ENTER 3 a", "EXIT 3 a", "ENTER 2 b", "EXIT 2 b")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("strictly increase");
        assertThatThrownBy(() -> CriticalSectionLog.verify(List.of("ENTER 3 a", "EXIT 3 b")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("exited");
        assertThatThrownBy(() -> CriticalSectionLog.verify(List.of("ENTER 3 a")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("never exited");
    }
}
