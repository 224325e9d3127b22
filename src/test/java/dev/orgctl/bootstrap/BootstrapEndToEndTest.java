package dev.orgctl.bootstrap;

import static dev.orgctl.bootstrap.BootstrapOrg.ORG;
import static dev.orgctl.bootstrap.BootstrapOrg.TARGETS;
import static dev.orgctl.bootstrap.BootstrapOrg.read;
import static dev.orgctl.bootstrap.BootstrapOrg.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.WatchedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The staged bootstrap as an operator runs it: the CLI in child JVMs, the git backend, an empty
 * data dir. Every test stops what it started with {@code orgctl down}.
 */
class BootstrapEndToEndTest {
    @TempDir
    Path tmp;

    BootstrapOrg harness;
    Path dataDir;
    GitTestRepos repos;
    Map<String, String> env;

    void setUp(boolean withTemplates) throws IOException {
        harness = new BootstrapOrg(tmp, withTemplates);
        dataDir = harness.dataDir;
        repos = harness.repos;
        env = harness.env;
    }

    void createTemplates() {
        harness.createTemplates();
    }

    OrgctlProcess.Result orgctl(String... args) {
        return harness.orgctl(args);
    }

    void down() {
        if (harness != null) {
            harness.down();
        }
    }

    /** Kept for the other bootstrap tests. */
    static int freePort() throws IOException {
        return BootstrapOrg.freePort();
    }

    void assertRegenerated(String marker) {
        harness.assertRegenerated(marker);
    }

    @Test
    void oneRunReachesASelfManagingOrgAndASecondRunDoesNothing() throws Exception {
        setUp(true);
        try {
            OrgctlProcess.Result plan = orgctl("bootstrap", "--plan");
            assertThat(plan.exitCode()).as(plan.err()).isZero();
            assertThat(plan.out()).contains("webhooks", "self-management");

            OrgctlProcess.Result first = orgctl("bootstrap");
            assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
            assertThat(first.out()).contains("[6/7] webhooks", "[7/7] self-management", "Bootstrap complete");
            // The Terraform state backend answers (401 without credentials) and how to use it is printed.
            assertThat(first.out()).contains("Terraform state backend at http://", "/tfstate/NAME",
                    "orgctl tfstate config NAME --url http://");
            assertRegenerated(null);

            OrgctlProcess.Result second = orgctl("bootstrap");
            assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
            assertThat(second.out()).contains("Nothing to do");
            OrgctlProcess.Result json = orgctl("bootstrap", "--output", "json");
            assertThat(json.exitCode()).as(json.err()).isZero();
            var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
            assertThat(doc.get("acted").asBoolean()).isFalse();
            assertThat(doc.get("stages")).hasSize(7);
            assertThat(doc.get("stages").get(5).get("stage").asText()).isEqualTo("webhooks");
            assertThat(doc.get("stages").get(5).get("details").get("tag_object").asText()).hasSize(40);
            assertThat(doc.get("stages").get(6).get("details").get("targets").asText()).isEqualTo("2");
            assertThat(doc.get("stages").get(4).get("stage").asText()).isEqualTo("gateway");
            assertThat(doc.get("stages").get(4).get("details").get("tfstate_url").asText()).startsWith("http://")
                    .endsWith("/tfstate/");

            OrgctlProcess.Result verify = orgctl("bootstrap", "verify");
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();

            // From here changing the templates repository is all a person does.
            repos.gitPush(new RepoRef(ORG, ".github"), GitTestRepos.files("templates/github/.github/CODEOWNERS",
                    "* @acme/owners-after-bootstrap\n"), "new owners");
            waitUntil(Duration.ofSeconds(60), () -> TARGETS.stream().allMatch(n -> String.valueOf(
                    repos.read(new RepoRef(ORG, n), "main").get(".github/CODEOWNERS"))
                    .contains("@acme/owners-after-bootstrap")), "every repository regenerated after a template push");
            assertRegenerated("@acme/owners-after-bootstrap");

            // Someone deletes the ping tag (the git backend's "hook"): verify names the webhooks stage ...
            try (org.eclipse.jgit.lib.Repository r = repos.open(new RepoRef(ORG, ".github"))) {
                org.eclipse.jgit.lib.RefUpdate u = r.updateRef(dev.orgctl.bootstrap.stages.WebhooksStage.PING_TAG);
                u.setForceUpdate(true);
                assertThat(u.delete()).isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.FORCED);
            }
            OrgctlProcess.Result[] last = new OrgctlProcess.Result[1];
            waitUntil(Duration.ofSeconds(30), () -> {
                last[0] = orgctl("bootstrap", "verify");
                return last[0].exitCode() != 0;
            }, "verify fails once the watcher saw the tag deleted");
            assertThat(last[0].out()).as(last[0].out()).containsPattern("webhooks\\s+FAILED");
            assertThat(last[0].err()).contains("verification failed for: webhooks");
            // ... and redoing that stage alone repairs it.
            OrgctlProcess.Result redo = orgctl("bootstrap", "--only", "webhooks");
            assertThat(redo.exitCode()).as(redo.out() + redo.err()).isZero();
            assertThat(orgctl("bootstrap", "verify").exitCode()).isZero();
        } finally {
            down();
        }
    }

    @Test
    void aBootstrapKilledInsideEachStageInTurnResumesWithoutDuplicatesOrLostState() throws Exception {
        setUp(true);
        try {
            // The first four stages take milliseconds: the test-only pause holds each one after its
            // work and before its record, and the run is SIGKILLed there.
            killPausedIn("prerequisites");
            assertRecordedAsStarted("prerequisites");

            killPausedIn("state");
            assertThat(recorded("prerequisites").get("status").asText()).isEqualTo("done");
            assertRecordedAsStarted("state");

            // Killed after the server started and before its URL was recorded ...
            killPausedIn("nats");
            assertRecordedAsStarted("nats");
            Optional<EmbeddedNats.Running> server = EmbeddedNats.findRunning(dataDir.resolve("nats"));
            assertThat(server).as("the detached nats-server outlives the killed bootstrap").isPresent();

            // ... so the next run adopts it rather than starting a second one.
            killPausedIn("topology");
            assertThat(recorded("nats").get("status").asText()).isEqualTo("adopted");
            assertThat(recorded("nats").get("details").get("pid").asLong()).isEqualTo(server.get().pid());
            assertRecordedAsStarted("topology");
            assertThat(natsServers()).as("nats-server processes on this data dir").isEqualTo(1);

            // SIGKILL while the gateway stage waits for /readyz (the state is in NATS now, under the KV lease).
            String out = runAndKillOn("starting orgctl up");
            assertThat(recorded("topology").get("status").asText()).as(out).isEqualTo("adopted");
            assertRecordedAsStarted("gateway");

            // The next run resumes in the gateway stage; kill it again while webhooks waits for its delivery.
            out = runAndKillOn("waiting for its delivery");
            assertThat(out).contains("nats             already", "topology         already");

            // And once more inside self-management, while it waits for the reconcile.
            out = runAndKillOn("repositories scheduled");
            assertThat(out).contains("gateway          already");

            OrgctlProcess.Result resumed = orgctl("bootstrap");
            assertThat(resumed.exitCode()).as(resumed.out() + resumed.err()).isZero();
            assertThat(resumed.out()).contains("webhooks         already");
            assertThat(EmbeddedNats.findRunning(dataDir.resolve("nats")).orElseThrow().pid())
                    .as("no second nats-server").isEqualTo(server.get().pid());
            assertThat(natsServers()).as("nats-server processes on this data dir").isEqualTo(1);
            assertThat(orgctlUps()).as("orgctl up processes on this data dir").isEqualTo(1);
            OrgctlProcess.Result status = orgctl("bootstrap", "status");
            assertThat(status.out()).as(status.out()).doesNotContainPattern("(?m)^\\S+\\s+(started|failed|pending) ");
            OrgctlProcess.Result verify = orgctl("bootstrap", "verify");
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
            assertRegenerated(null);
        } finally {
            down();
        }
    }

    /** Runs 'orgctl bootstrap' with the test-only pause in {@code stage} and SIGKILLs it there. */
    String killPausedIn(String stage) throws Exception {
        return pausedIn(stage).kill();
    }

    /** Runs 'orgctl bootstrap' with the test-only pause in {@code stage}; returns it paused there. */
    WatchedProcess pausedIn(String stage) throws Exception {
        return harness.pausedIn(env, stage);
    }

    void assertRecordedAsStarted(String stage) throws IOException {
        assertThat(recorded(stage).get("status").asText()).as(stage).isEqualTo("started");
    }

    /** The stage's recorded result, from 'orgctl bootstrap status --output json'. */
    com.fasterxml.jackson.databind.JsonNode recorded(String stage) throws IOException {
        return harness.recorded(stage);
    }

    /** Starts 'orgctl bootstrap' and SIGKILLs it as soon as its output contains the marker; returns the output. */
    String runAndKillOn(String marker) throws Exception {
        return harness.startUntil(env, marker).kill();
    }

    @Test
    void twoBootstrapsAtOnceBeforeNatsExistsOneActs() throws Exception {
        setUp(true);
        try {
            Process a = OrgctlProcess.builder(tmp, env, "bootstrap", "--only", "nats").start();
            Process b = OrgctlProcess.builder(tmp, env, "bootstrap", "--only", "nats").start();
            CompletableFuture<String> aOut = read(a);
            CompletableFuture<String> bOut = read(b);
            assertThat(a.waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(b.waitFor(90, TimeUnit.SECONDS)).isTrue();
            List<Integer> codes = List.of(a.exitValue(), b.exitValue());
            String all = aOut.get() + "\n---\n" + bOut.get();
            assertThat(codes).as(all).containsExactlyInAnyOrder(0, 1);
            String loser = a.exitValue() == 1 ? aOut.get() : bOut.get();
            assertThat(loser).as(all).contains("another bootstrap");
            assertThat(natsServers()).as(all).isEqualTo(1);
        } finally {
            down();
        }
    }

    @Test
    void twoBootstrapsAtOnceAfterNatsExistsOneActs() throws Exception {
        setUp(true);
        try {
            // A bootstrap paused inside the gateway stage: the state lives in ORGCTL_BOOTSTRAP, it holds the KV lease.
            WatchedProcess holder = pausedIn("gateway");
            long natsPid = EmbeddedNats.findRunning(dataDir.resolve("nats")).orElseThrow().pid();

            // A second machine against the same NATS (here: its own data dir with a copy of the state
            // file): no file lock in common, so the KV lease alone keeps it out.
            Path otherDataDir = tmp.resolve("data-other-machine");
            Files.createDirectories(otherDataDir.resolve("bootstrap"));
            Files.copy(dataDir.resolve("bootstrap").resolve("state.json"),
                    otherDataDir.resolve("bootstrap").resolve("state.json"));
            Map<String, String> otherEnv = new HashMap<>(env);
            otherEnv.put("ORGCTL_DATA_DIR", otherDataDir.toString());
            OrgctlProcess.Result elsewhere = OrgctlProcess.run(tmp, otherEnv, "bootstrap", "--lock-wait", "2s");
            assertThat(elsewhere.exitCode()).as(elsewhere.out() + elsewhere.err()).isEqualTo(1);
            assertThat(elsewhere.err()).contains("another bootstrap holds the lease 'bootstrap'");
            assertThat(recorded("gateway").get("status").asText()).isEqualTo("started");
            assertThat(recorded("gateway").get("by").asText()).startsWith("orgctl pid " + holder.process().pid() + " ");

            // The holder dies; its lease stays behind for the two that follow.
            holder.kill();

            // One gives up at once when another holds the lock, the other waits for it.
            Process a = OrgctlProcess.builder(tmp, env, "bootstrap").start();
            Process b = OrgctlProcess.builder(tmp, env, "bootstrap", "--lock-wait", "3m").start();
            CompletableFuture<String> aOut = read(a);
            CompletableFuture<String> bOut = read(b);
            assertThat(a.waitFor(200, TimeUnit.SECONDS)).isTrue();
            assertThat(b.waitFor(200, TimeUnit.SECONDS)).isTrue();
            String all = aOut.get() + "\n---\n" + bOut.get();
            List<String> outs = List.of(aOut.get(), bOut.get());
            assertThat(outs.stream().filter(o -> o.contains("Bootstrap complete")).count()).as(all).isEqualTo(1);
            String other = outs.stream().filter(o -> !o.contains("Bootstrap complete")).findFirst().orElseThrow();
            if (other.contains("another bootstrap")) {
                assertThat(other).as(all).containsPattern("another bootstrap (is running on|holds the lease)");
                assertThat(a.exitValue() + b.exitValue()).as(all).isEqualTo(1);
            } else {
                assertThat(other).as(all).contains("Nothing to do");
                assertThat(a.exitValue() + b.exitValue()).as(all).isZero();
            }

            // Nothing done twice: one server, one gateway, and every later stage recorded by the one that acted.
            assertThat(natsServers()).as(all).isEqualTo(1);
            assertThat(EmbeddedNats.findRunning(dataDir.resolve("nats")).orElseThrow().pid()).isEqualTo(natsPid);
            assertThat(orgctlUps()).as(all).isEqualTo(1);
            long winner = outs.get(0).contains("Bootstrap complete") ? a.pid() : b.pid();
            OrgctlProcess.Result status = orgctl("bootstrap", "status", "--output", "json");
            var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.out());
            assertThat(doc.get("stages")).as(status.out()).hasSize(7);
            for (var stage : doc.get("stages")) {
                assertThat(stage.get("status").asText()).as(status.out()).isIn("done", "adopted");
            }
            for (int i = 4; i < 7; i++) {
                assertThat(doc.get("stages").get(i).get("by").asText()).as(all + status.out())
                        .startsWith("orgctl pid " + winner + " ");
            }
            OrgctlProcess.Result verify = orgctl("bootstrap", "verify");
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        } finally {
            down();
        }
    }

    @Test
    void aMissingTemplatesRepositoryFailsItsStageAndAReRunCompletesOnceFixed() throws Exception {
        setUp(false);
        try {
            OrgctlProcess.Result failed = orgctl("bootstrap");
            assertThat(failed.exitCode()).as(failed.out() + failed.err()).isNotZero();
            assertThat(failed.out() + failed.err()).contains("stage prerequisites failed", "templates repository");

            OrgctlProcess.Result status = orgctl("bootstrap", "status");
            assertThat(status.out()).as(status.out() + status.err()).containsPattern("prerequisites\\s+.*(failed|FAILED)");

            // For scripts: the whole picture as JSON on stdout, the one-line error still on stderr.
            OrgctlProcess.Result json = orgctl("bootstrap", "--output", "json");
            assertThat(json.exitCode()).as(json.out() + json.err()).isEqualTo(1);
            assertThat(json.err()).contains("orgctl: stage prerequisites failed", "templates repository");
            var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
            assertThat(doc.get("acted").asBoolean()).isTrue();
            assertThat(doc.get("failed").asText()).isEqualTo("prerequisites");
            assertThat(doc.get("stages")).hasSize(7);
            var failedStage = doc.get("stages").get(0);
            assertThat(failedStage.get("stage").asText()).isEqualTo("prerequisites");
            assertThat(failedStage.get("status").asText()).isEqualTo("failed");
            assertThat(failedStage.get("error").asText()).contains("templates repository", ".github");
            for (int i = 1; i < 7; i++) {
                assertThat(doc.get("stages").get(i).get("status").asText()).as(json.out()).isEqualTo("pending");
            }
            assertThat(doc.get("stages").get(6).get("stage").asText()).isEqualTo("self-management");

            createTemplates();
            OrgctlProcess.Result fixed = orgctl("bootstrap");
            assertThat(fixed.exitCode()).as(fixed.out() + fixed.err()).isZero();
            assertThat(fixed.out()).contains("Bootstrap complete");
            assertRegenerated(null);

            // Stopping NATS behind the bootstrap's back: verify names the nats stage.
            OrgctlProcess.Result d = orgctl("down");
            assertThat(d.exitCode()).as(d.out() + d.err()).isZero();
            OrgctlProcess.Result verify = orgctl("bootstrap", "verify");
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isNotZero();
            assertThat(verify.out()).containsPattern("nats\\s+FAILED");
            assertThat(verify.err()).contains("verification failed for: ", "nats");

            // Bringing it back: --from nats restarts the server on the same store and adopts or redoes the rest.
            OrgctlProcess.Result back = orgctl("bootstrap", "--from", "nats");
            assertThat(back.exitCode()).as(back.out() + back.err()).isZero();
            OrgctlProcess.Result again = orgctl("bootstrap", "verify");
            assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        } finally {
            down();
        }
    }

    long natsServers() {
        return harness.natsServers();
    }

    long orgctlUps() {
        return harness.orgctlUps();
    }
}
