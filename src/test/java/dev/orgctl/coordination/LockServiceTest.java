package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orgctl.testing.CorruptKv;
import dev.orgctl.testing.SharedNats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LockServiceTest {
    private static final Duration TTL = Duration.ofSeconds(2);

    @RegisterExtension
    static final SharedNats NATS = SharedNats.plain();

    @BeforeAll
    static void start() throws Exception {
        TestBuckets.createLockBucket(NATS.connection(), "LOCKS_SHORT", TTL);
        TestBuckets.createLockBucket(NATS.connection(), "LOCKS_5S", Duration.ofSeconds(5));
    }

    @Test
    void tryAcquireIsExclusiveAndTokensGrow() {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "a");
             LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "b")) {
            Lease first = a.tryAcquire("regen/acme/.github", "first").orElseThrow();
            assertThat(first.token()).isPositive();
            assertThat(first.key()).isEqualTo("regen.acme.=2Egithub");
            assertThat(b.tryAcquire("regen/acme/.github", "second")).isEmpty();
            LockService.LockInfo info = b.inspect("regen/acme/.github").orElseThrow();
            assertThat(info.holder().getPurpose()).isEqualTo("first");
            assertThat(info.holder().getProcess()).isEqualTo("a");
            assertThat(info.holder().getPid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(info.token()).isEqualTo(first.token());
            assertThat(first.release()).isTrue();
            assertThat(first.release()).as("a second release does nothing").isFalse();
            Lease second = b.tryAcquire("regen/acme/.github", "second").orElseThrow();
            assertThat(second.token()).isGreaterThan(first.token());
            second.release();
        }
    }

    @Test
    void aRenewedLeaseOutlivesTheTtl() throws Exception {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "a");
             LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "b")) {
            Lease lease = a.tryAcquire("renewed", "long work").orElseThrow();
            long until = System.nanoTime() + TTL.multipliedBy(3).toNanos();
            while (System.nanoTime() < until) {
                assertThat(b.tryAcquire("renewed", "intruder")).isEmpty();
                Thread.sleep(100);
            }
            assertThat(lease.isHeld()).isTrue();
            lease.checkStillHeld();
            assertThat(lease.revision()).as("renewed several times").isGreaterThan(lease.token() + 2);
            assertThat(b.inspect("renewed").orElseThrow().holder().getToken()).isEqualTo(lease.token());
            assertThat(lease.release()).isTrue();
            assertThat(b.tryAcquire("renewed", "next")).isPresent();
        }
    }

    @Test
    void aStaleHolderCannotReleaseTheNextHoldersLock() throws Exception {
        // a stalls (no renewals): its lease runs out, b takes the lock, then a wakes up and releases.
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "stalled",
                LockService.Settings.forTtl(TTL).withoutRenewal());
             LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "next")) {
            Lease stale = a.tryAcquire("stale", "stalls").orElseThrow();
            Lease next = b.acquire("stale", "waits", Duration.ofSeconds(5)).orElseThrow();
            assertThat(next.token()).isGreaterThan(stale.token());

            assertThat(stale.isHeld()).isFalse();
            assertThat(stale.release()).as("stale release refused").isFalse();
            // The next holder's lock is untouched.
            LockService.LockInfo info = b.inspect("stale").orElseThrow();
            assertThat(info.holder().getLeaseId()).isEqualTo(next.holder().getLeaseId());
            next.checkStillHeld();
            assertThatThrownBy(stale::checkStillHeld).isInstanceOf(LeaseLostException.class);
            assertThat(next.release()).isTrue();
        }
    }

    @Test
    void aStaleRenewalIsRefusedAndReportedAsLost() throws Exception {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "stalled",
                LockService.Settings.forTtl(TTL).withoutRenewal());
             LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "next")) {
            Lease stale = a.tryAcquire("stale-renew", "stalls").orElseThrow();
            AtomicReference<LeaseLostException> lost = new AtomicReference<>();
            stale.onLost(lost::set);
            Lease next = b.acquire("stale-renew", "waits", Duration.ofSeconds(5)).orElseThrow();
            assertThatThrownBy(stale::renew).isInstanceOf(LeaseLostException.class);
            await().atMost(Duration.ofSeconds(2)).until(() -> lost.get() != null);
            assertThat(b.inspect("stale-renew").orElseThrow().revision()).isEqualTo(next.revision());
            next.release();
        }
    }

    @Test
    void aForcedReleaseIsNoticedByTheHolder() throws Exception {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "holder");
             LockService op = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "operator")) {
            Lease lease = a.tryAcquire("forced", "work").orElseThrow();
            AtomicReference<LeaseLostException> lost = new AtomicReference<>();
            lease.onLost(lost::set);
            LockService.LockInfo seen = op.inspect("forced").orElseThrow();
            assertThat(op.forceRelease("forced", seen.revision() - 1)).as("a stale view is refused").isFalse();
            assertThat(op.forceRelease("forced", seen.revision())).isTrue();
            assertThatThrownBy(lease::checkStillHeld).isInstanceOf(LeaseLostException.class)
                    .hasMessageContaining("forced");
            await().atMost(Duration.ofSeconds(3)).until(() -> lost.get() != null);
            assertThat(lease.isHeld()).isFalse();
        }
    }

    @Test
    void aWaiterWakesOnReleaseWithoutWaitingForTheLease() throws Exception {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "a");
             LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "b")) {
            Lease held = a.tryAcquire("handover", "first").orElseThrow();
            CompletableFuture<Optional<Lease>> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.acquire("handover", "second", Duration.ofSeconds(4));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(waiter).isNotDone();
            long released = System.nanoTime();
            held.release();
            Lease got = waiter.get().orElseThrow();
            Duration handover = Duration.ofNanos(System.nanoTime() - released);
            assertThat(handover).as("woken by the watcher, not by the 5s lease").isLessThan(Duration.ofSeconds(2));
            assertThat(got.token()).isGreaterThan(held.token());
            got.release();
        }
    }

    @Test
    void aWaiterGivesUpAfterItsWait() throws Exception {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "a");
             LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "b")) {
            Lease held = a.tryAcquire("busy", "first").orElseThrow();
            long t0 = System.nanoTime();
            assertThat(b.acquire("busy", "second", Duration.ofMillis(700))).isEmpty();
            Duration waited = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(waited).isBetween(Duration.ofMillis(650), Duration.ofMillis(2500));
            held.release();
        }
    }

    @Test
    void aWaiterTakesTheLockOfAHolderThatStoppedRenewingWhenItsLeaseEnds() throws Exception {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "crashed",
                LockService.Settings.forTtl(TTL).withoutRenewal());
             LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_SHORT", "b")) {
            Lease crashed = a.tryAcquire("orphan", "dies").orElseThrow();
            Instant lastWrite = b.inspect("orphan").orElseThrow().lastWrite();
            Lease got = b.acquire("orphan", "next", Duration.ofSeconds(5)).orElseThrow();
            Instant at = Instant.now();
            assertThat(Duration.between(lastWrite, at)).isGreaterThanOrEqualTo(TTL.minusMillis(50))
                    .isLessThan(TTL.plusSeconds(2));
            assertThat(got.token()).isGreaterThan(crashed.token());
            got.release();
        }
    }

    @Test
    void listShowsHoldersAndTimeLeft() {
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "lister")) {
            Lease x = a.tryAcquire("list/x", "x work").orElseThrow();
            Lease y = a.tryAcquire("list/y", "y work").orElseThrow();
            List<LockService.LockInfo> all = a.list();
            assertThat(all).extracting(LockService.LockInfo::name).contains("list/x", "list/y");
            LockService.LockInfo info = all.stream().filter(i -> i.name().equals("list/x")).findFirst().orElseThrow();
            Instant now = Instant.now();
            assertThat(info.timeLeft(now)).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5));
            assertThat(info.age(now)).isLessThan(Duration.ofSeconds(5));
            x.release();
            y.release();
            assertThat(a.list()).extracting(LockService.LockInfo::name).doesNotContain("list/x", "list/y");
        }
    }

    @Test
    void closingTheServiceReleasesItsLeases() {
        Lease lease;
        try (LockService a = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "closer")) {
            lease = a.tryAcquire("closed", "work").orElseThrow();
        }
        assertThat(lease.isHeld()).isFalse();
        try (LockService b = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "b")) {
            assertThat(b.tryAcquire("closed", "next")).isPresent();
        }
    }

    @Test
    void aBucketWithoutTtlIsRefused() throws Exception {
        NATS.connection().keyValueManagement()
                .create(io.nats.client.api.KeyValueConfiguration.builder().name("NO_TTL").build());
        assertThatThrownBy(() -> TestBuckets.locks(NATS.connection(), "NO_TTL", "x"))
                .isInstanceOf(CoordinationException.class)
                .hasMessageContaining("no TTL");
    }

    /**
     * A server that confirms a create it cannot read back (a corrupt bucket after unclean shutdowns):
     * the second process must not believe it holds the lock, so two holders never run at once.
     */
    @ParameterizedTest
    @EnumSource(value = CorruptKv.Mode.class, names = {"CREATE_OVER_HOLDER_READS_EMPTY", "CREATE_CONFIRMED_NOT_STORED"})
    void aCreateThatDoesNotReadBackIsNoHoldingAndSaysWhatToDo(CorruptKv.Mode mode) throws Exception {
        String name = "terraform/" + mode.name().toLowerCase(Locale.ROOT);
        try (LockService first = TestBuckets.locks(NATS.connection(), "LOCKS_5S", "first");
             LockService second = LockService.open(NATS.connection(), null, "LOCKS_5S",
                     LockService.Identity.current("second"), null, CorruptKv.playing(mode))) {
            Lease held = first.tryAcquire(name, "apply").orElseThrow();
            assertThat(held.isHeld()).isTrue();

            assertThatThrownBy(() -> second.tryAcquire(name, "apply too"))
                    .isInstanceOf(LockStateCorruptException.class)
                    .hasMessageContaining("lock bucket LOCKS_5S is inconsistent")
                    .hasMessageContaining("no lock was taken")
                    .hasMessageContaining("nats stream rm KV_LOCKS_5S")
                    .hasMessageContaining("orgctl topology apply");
            assertThatThrownBy(() -> second.acquire(name, "apply too", Duration.ofSeconds(1)))
                    .isInstanceOf(LockStateCorruptException.class);
            if (mode == CorruptKv.Mode.CREATE_CONFIRMED_NOT_STORED) {
                assertThatThrownBy(() -> second.tryAcquire(name, "again")).hasMessageContaining("shows another holder, first");
                // The honest holder is untouched and keeps its lock.
                held.checkStillHeld();
                assertThat(held.release()).isTrue();
            }
        }
    }
}
