package dev.orgctl.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LockService;
import dev.orgctl.testing.NatsServerFixture;
import io.nats.client.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bootstrap lease against a real nats-server: what a refused run leaves behind, and whose lease it takes over. */
class BootstrapLeaseTest {
    @TempDir
    Path tmp;

    @Test
    void aRefusedRunSaysWhoHoldsTheLeaseAndLeavesNoLockServiceBehind() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start().withTopology(); Connection c = nats.connect();
             LockService other = LockService.open(c, null, LeaseClass.LONG.bucket(),
                     new LockService.Identity("build-7", 4242, "orgctl bootstrap", "ci"), null)) {
            Lease held = other.tryAcquire(StateStores.LEASE_NAME, "data dir /srv/orgctl").orElseThrow();
            Set<String> before = leaseThreads();

            assertThatThrownBy(() -> BootstrapLease.acquire(config(nats), List.of(nats.url()), tmp, Duration.ofSeconds(1)))
                    .isInstanceOf(LeaseUnavailableException.class)
                    .hasMessageContaining("another bootstrap holds the lease 'bootstrap' in ORGCTL_LOCKS_LONG: "
                            + "orgctl bootstrap (data dir /srv/orgctl), pid 4242 on build-7 as ci, since ")
                    .hasMessageContaining("left unless renewed")
                    .hasMessageContaining("orgctl lock release bootstrap --ttl 5m --force")
                    .hasMessageNotContaining("lease_id");

            // The refused run's renewer and watch threads are gone with its lock service.
            await().atMost(Duration.ofSeconds(10)).until(() -> before.containsAll(leaseThreads()));
            held.checkStillHeld();
        }
    }

    @Test
    void onlyALeaseRecordedInThisDataDirIsTakenOver() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start(); Connection c = nats.connect()) {
            OrgctlConfig config = config(nats);
            // The lock bucket does not exist yet: the lease creates it as the topology declares it.
            BootstrapLease first = BootstrapLease.acquire(config, List.of(nats.url()), tmp.resolve("a"), Duration.ZERO);
            assertThat(Files.readString(tmp.resolve("a/bootstrap/lease"))).contains(holderId(c));
            String firstId = holderId(c);
            // Another data dir (another machine, container or operator) never takes it ...
            assertThatThrownBy(() -> BootstrapLease.acquire(config, List.of(nats.url()), tmp.resolve("b"), Duration.ZERO))
                    .isInstanceOf(LeaseUnavailableException.class);
            assertThat(holderId(c)).isEqualTo(firstId);
            // ... while the next run on its own data dir does: this process holds the file lock there,
            // so the run that recorded the lease is over (here: it never released, as if killed).
            try (FileBootstrapLock lock = FileBootstrapLock.acquire(tmp.resolve("a"), Duration.ZERO);
                 BootstrapLease second = BootstrapLease.acquire(config, List.of(nats.url()), tmp.resolve("a"),
                         Duration.ZERO)) {
                assertThat(holderId(c)).isNotEqualTo(firstId);
                assertThat(first.isHeld()).isTrue(); // the stale holding does not know yet; its next renewal finds out
                assertThatThrownBy(first::checkStillHeld).hasMessageContaining("held by");
            }
            first.close();
        }
    }

    private static String holderId(Connection c) {
        try (LockService locks = LockService.open(c, null, LeaseClass.LONG.bucket(),
                LockService.Identity.current("test"), null)) {
            return locks.inspect(StateStores.LEASE_NAME).orElseThrow().holder().getLeaseId();
        }
    }

    private static Set<String> leaseThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("orgctl-lease-renewer-")).collect(Collectors.toSet());
    }

    private OrgctlConfig config(NatsServerFixture nats) {
        return ConfigResolver.resolve(Map.of(), Map.of("NATS_URL", nats.url(), "ORGCTL_DATA_DIR", tmp.toString()),
                Optional.empty());
    }
}
