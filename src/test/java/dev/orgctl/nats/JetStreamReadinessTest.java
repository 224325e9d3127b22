package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.testing.NatsCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a cluster with no JetStream meta leader (one of three nodes started), opening NATS waits
 * with progress lines instead of failing at once, and succeeds once a majority is back.
 */
class JetStreamReadinessTest {
    @TempDir
    Path dir;

    private OrgctlConfig config(NatsCluster cluster, String wait) {
        return ConfigResolver.resolve(Map.of(), Map.of("NATS_URL", cluster.node(0).url(), "ORGCTL_NATS_WAIT", wait,
                "ORGCTL_DATA_DIR", dir.toString()), Optional.empty());
    }

    /** The whole cluster stopped and one node started again: a cluster start that has no majority yet. */
    private static void startsAlone(NatsCluster cluster) {
        cluster.kill(0);
        cluster.kill(1);
        cluster.kill(2);
        cluster.restart(0);
    }

    @Test
    void withoutAMajorityTheWaitEndsInOneLineNamingTheServer() {
        try (NatsCluster cluster = NatsCluster.start(3)) {
            startsAlone(cluster);
            List<String> progress = new CopyOnWriteArrayList<>();
            assertThatThrownBy(() -> NatsRuntime.open(config(cluster, "3s"), "test", NatsRuntime.WhenNoUrl.START_EMBEDDED,
                    progress::add).close())
                    .isInstanceOf(NatsUnavailableException.class)
                    .hasMessageStartingWith("JetStream at " + cluster.node(0).url() + " did not answer within 3s (")
                    .hasMessageContaining("--nats-wait")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            assertThat(progress).isNotEmpty().allMatch(l -> l.startsWith("waiting for JetStream ("));
        }
    }

    @Test
    void opensOnceTheClusterHasALeaderAgain() {
        try (NatsCluster cluster = NatsCluster.start(3)) {
            startsAlone(cluster);
            List<String> progress = new CopyOnWriteArrayList<>();
            // The first progress line proves the open is waiting; bringing one node back then gives a majority.
            try (NatsRuntime nats = NatsRuntime.open(config(cluster, "60s"), "test",
                    NatsRuntime.WhenNoUrl.START_EMBEDDED, line -> {
                        if (progress.isEmpty()) {
                            cluster.restart(1);
                        }
                        progress.add(line);
                    })) {
                assertThat(nats.embedded()).isEmpty();
                assertThat(nats.connection().getServerInfo().getPort()).isEqualTo(cluster.node(0).clientPort());
            }
            assertThat(progress).isNotEmpty().allMatch(l -> l.matches("waiting for JetStream \\(.*\\) \\.\\.\\. \\d+s"));
        }
    }
}
