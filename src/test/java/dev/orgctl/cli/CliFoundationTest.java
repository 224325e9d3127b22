package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.OrgctlProcess.Result;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamConfiguration;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user meets it: separate processes, real environment, exit codes, output streams. */
class CliFoundationTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheCommands() {
        Result r = OrgctlProcess.run(dir, Map.of(), "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("nats", "topology", "up");
        Result topo = OrgctlProcess.run(dir, Map.of(), "topology", "plan", "--help");
        assertThat(topo.exitCode()).isZero();
        assertThat(topo.out()).contains("--nats-url", "NATS_URL", "Exit code");
    }

    @Test
    void aWrongSettingIsOneLineAndExitCode2() {
        Result r = OrgctlProcess.run(dir, Map.of("ORGCTL_BACKEND", "svn"), "topology", "plan");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("ORGCTL_BACKEND").contains("github or git");
        Result flag = OrgctlProcess.run(dir, Map.of(), "topology", "plan", "--nats-replicas", "0");
        assertThat(flag.exitCode()).isEqualTo(2);
        assertThat(flag.err()).contains("--nats-replicas");
        Result unknown = OrgctlProcess.run(dir, Map.of(), "topology", "plan", "--no-such-flag");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option");
    }

    @Test
    void secretsNeverReachOutputOrErrors() {
        String secret = "sup3r-s3cret-t0ken";
        Result r = OrgctlProcess.run(dir, Map.of("NATS_URL", "nats://127.0.0.1:1", "GITHUB_TOKEN", secret,
                "GITHUB_WEBHOOK_SECRET", secret), "topology", "plan", "--nats-token", secret);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("cannot connect to NATS");
        assertThat(r.out() + r.err()).doesNotContain(secret);
        Result help = OrgctlProcess.run(dir, Map.of("GITHUB_TOKEN", secret, "NATS_PASSWORD", secret), "up", "--help");
        assertThat(help.out() + help.err()).doesNotContain(secret);
    }

    @Test
    void topologyPlanApplyAndDriftThroughTheCli() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start()) {
            Map<String, String> env = Map.of("NATS_URL", nats.url());
            Result before = OrgctlProcess.run(dir, env, "topology", "plan");
            assertThat(before.exitCode()).isEqualTo(2);
            assertThat(before.out()).contains("GITHUB_EVENTS").contains("create");

            Result apply = OrgctlProcess.run(dir, env, "topology", "apply");
            assertThat(apply.exitCode()).isZero();
            int declared = new Topology(Topology.Settings.defaults()).resources().size();
            assertThat(apply.out()).contains(declared + " created");
            Result second = OrgctlProcess.run(dir, env, "topology", "apply");
            assertThat(second.exitCode()).isZero();
            assertThat(second.out()).contains("0 created, 0 updated, 0 drift restored, 0 blocked, " + declared + " unchanged");
            assertThat(OrgctlProcess.run(dir, env, "topology", "plan").exitCode()).isZero();

            try (Connection c = nats.connect()) {
                JetStreamManagement jsm = c.jetStreamManagement();
                StreamConfiguration sc = jsm.getStreamInfo("ORGCTL_HISTORY").getConfiguration();
                jsm.updateStream(StreamConfiguration.builder(sc).maxAge(Duration.ofDays(1)).build());
            }
            Result drift = OrgctlProcess.run(dir, env, "topology", "plan");
            assertThat(drift.exitCode()).isEqualTo(2);
            assertThat(drift.out()).containsPattern("ORGCTL_HISTORY\\s+stream\\s+drift").contains("max_age: 1d -> 30d");

            // one-shot commands log at WARN unless --verbose: ask for the INFO lines whose format is checked
            Result json = OrgctlProcess.run(dir, env, "topology", "plan", "--log-format", "json", "--verbose");
            assertThat(json.err().lines().filter(l -> !l.isBlank()))
                    .isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("{").contains("\"kvpList\""));
        }
    }

    @Test
    void natsServeServesJetStreamAndRefusesASecondServerOnItsStore() throws Exception {
        Path store = dir.resolve("store");
        Process serve = OrgctlProcess.builder(dir, Map.of(), "nats", "serve", "--port", "0", "--store", store.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            String url = null;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("NATS_URL=")) {
                    url = line.substring("NATS_URL=".length());
                    break;
                }
            }
            assertThat(url).startsWith("nats://127.0.0.1:");
            Result topo = OrgctlProcess.run(dir, Map.of("NATS_URL", url), "topology", "apply");
            assertThat(topo.exitCode()).isZero();

            Result second = OrgctlProcess.run(dir, Map.of(), "nats", "serve", "--port", "0", "--store", store.toString());
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("in use").contains(url);
        } finally {
            serve.destroy();
            assertThat(serve.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        // The SIGTERM stopped the server too: the store is free again.
        assertThat(dev.orgctl.nats.EmbeddedNats.findRunning(store)).isEmpty();
    }
}
