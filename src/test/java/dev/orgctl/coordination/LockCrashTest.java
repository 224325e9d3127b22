package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.testing.NatsServerFixture;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A holder killed with SIGKILL: its lock frees itself when the lease runs out, and not before. */
class LockCrashTest {
    private static final Duration TTL = Duration.ofSeconds(3);

    @Test
    void aKilledHoldersLockIsFreeAfterTheLeaseAndNotBefore() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start(); Connection c = nats.connect()) {
            TestBuckets.createLockBucket(c, "LOCKS_CRASH", TTL);
            try (LockService locks = TestBuckets.locks(c, "LOCKS_CRASH", "survivor");
                 ChildJvm holder = ChildJvm.start(LockHolderMain.class, nats.url(), "LOCKS_CRASH", "victim")) {
                long token = Long.parseLong(holder.awaitLine("HELD ", Duration.ofSeconds(30)).substring(5));

                // Alive, it renews: still held after more than one lease.
                Thread.sleep(TTL.toMillis() + 800);
                LockService.LockInfo alive = locks.inspect("victim").orElseThrow();
                assertThat(alive.token()).isEqualTo(token);
                assertThat(alive.revision()).as("renewed").isGreaterThan(token);
                assertThat(locks.tryAcquire("victim", "too early")).isEmpty();

                holder.process().destroyForcibly(); // SIGKILL: no release, no goodbye
                holder.process().waitFor();
                Instant lastWrite = locks.inspect("victim").orElseThrow().lastWrite();

                // Not before the lease ends (100 ms of slack for the clock read).
                Instant notBefore = lastWrite.plus(TTL).minusMillis(100);
                int refusals = 0;
                while (Instant.now().isBefore(notBefore)) {
                    assertThat(locks.tryAcquire("victim", "too early"))
                            .as("lock taken %s ms after the killed holder's last write",
                                    Duration.between(lastWrite, Instant.now()).toMillis())
                            .isEmpty();
                    refusals++;
                    Thread.sleep(50);
                }
                assertThat(refusals).isPositive();

                // After it: free, with a larger token.
                Lease next = locks.acquire("victim", "after the lease", Duration.ofSeconds(5)).orElseThrow();
                Duration after = Duration.between(lastWrite, Instant.now());
                assertThat(after).isGreaterThanOrEqualTo(TTL.minusMillis(100)).isLessThan(TTL.plusSeconds(2));
                assertThat(next.token()).isGreaterThan(alive.revision());
                next.release();
            }
        }
    }
}
