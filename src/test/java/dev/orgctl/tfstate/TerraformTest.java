package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend with the real {@code terraform} binary (1.x on PATH; offline). Where there is none,
 * every test here is reported as not run, with the reason.
 */
class TerraformTest {
    private static TfstateServer server;
    private static Connection connection;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Terraform.binary().isPresent(),
                "no terraform binary on PATH: the real-Terraform tests did not run (TfstateProtocolTest still does)");
        server = TfstateServer.start(TfstateSettings.defaults());
        connection = server.nats.connect();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            connection.close();
            server.close();
        }
    }

    private static StateName name(TestInfo info) {
        String method = info.getTestMethod().orElseThrow().getName();
        return new StateName("tf/" + method.substring(0, Math.min(60, method.length())));
    }

    private static Terraform terraform(Path dir, StateName name) {
        return new Terraform(dir, server.url(name.value()), TestStateAuth.WRITER);
    }

    private static StateLocks locks() {
        return new StateLocks(connection, TfstateSettings.DEFAULT_MAX_HOLD, Clock.systemUTC(), StateLocks.Listener.NONE);
    }

    private static StateStore store() {
        return new StateStore(connection, Optional.empty(), 50, Clock.systemUTC());
    }

    @Test
    void initApplyThenPlanShowsNoChangeAndVersionsAreRecorded(@TempDir Path dir, TestInfo info) {
        StateName name = name(info);
        Terraform tf = terraform(dir, name);
        assertThat(tf.run("init", "-no-color").exit()).isZero();
        Terraform.Result apply = tf.run("apply", "-auto-approve", "-no-color");
        assertThat(apply.exit()).as(apply.output()).isZero();
        Terraform.Result plan = tf.run("plan", "-detailed-exitcode", "-no-color");
        assertThat(plan.exit()).as(plan.output()).isZero(); // 0: no changes
        assertThat(plan.output()).contains("No changes");
        StateRecord r = store().record(name).orElseThrow();
        assertThat(r.versions()).isNotEmpty();
        assertThat(r.currentVersion().orElseThrow().lineage()).isNotEmpty();
        assertThat(r.currentVersion().orElseThrow().by()).isEqualTo("alice");
        assertThat(locks().holder(name)).isEmpty();

        assertThat(tf.run("apply", "-auto-approve", "-no-color", "-var", "value=two").exit()).isZero();
        StateRecord after = store().record(name).orElseThrow();
        assertThat(after.current()).isGreaterThan(r.current());
        assertThat(after.currentVersion().orElseThrow().serial()).isGreaterThan(r.currentVersion().orElseThrow().serial());
    }

    @Test
    void aSecondApplyGetsTheLockErrorNamingTheHolderAndAKilledApplyLeavesItsLock(@TempDir Path dir, TestInfo info)
            throws Exception {
        StateName name = name(info);
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        java.nio.file.Files.createDirectories(first);
        java.nio.file.Files.createDirectories(second);
        Terraform a = terraform(first, name);
        Terraform b = terraform(second, name);
        assertThat(a.run("init", "-no-color").exit()).isZero();
        assertThat(b.run("init", "-no-color").exit()).isZero();
        Process slow = a.start("apply", "-auto-approve", "-no-color", "-var", "sleep=120");
        try {
            StateLock held = await().atMost(Duration.ofSeconds(60)).until(() -> locks().holder(name), Optional::isPresent)
                    .orElseThrow();
            Terraform.Result refused = b.run("apply", "-auto-approve", "-no-color");
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.output()).contains("Error acquiring the state lock").contains(held.id());

            sigkill(slow); // mid-apply: no UNLOCK is ever sent
            assertThat(locks().holder(name)).contains(held);

            // While the dead apply's lock stands, a write under another ID is refused.
            assertThat(post(name, "not-the-holder").statusCode()).isEqualTo(409);

            Terraform.Result force = b.run("force-unlock", "-force", "-no-color", held.id());
            assertThat(force.exit()).as(force.output() + Exchanges.toJson(server.recorder().recorded())).isZero();
            assertThat(locks().holder(name)).isEmpty();

            // The killed apply's lock ID is stale now: a write under it is refused.
            HttpResponse<String> stale = post(name, held.id());
            assertThat(stale.statusCode()).isEqualTo(409);
            assertThat(stale.body()).contains("not held");

            Terraform.Result again = b.run("apply", "-auto-approve", "-no-color");
            assertThat(again.exit()).as(again.output()).isZero();
        } finally {
            sigkill(slow);
        }
    }

    @Test
    void aKilledApplysLockStaysUntilOrgctlTfstateUnlockReleasesIt(@TempDir Path dir, TestInfo info) throws Exception {
        StateName name = name(info);
        Terraform tf = terraform(dir, name);
        assertThat(tf.run("init", "-no-color").exit()).isZero();
        Process slow = tf.start("apply", "-auto-approve", "-no-color", "-var", "sleep=120");
        try {
            StateLock held = await().atMost(Duration.ofSeconds(60)).until(() -> locks().holder(name), Optional::isPresent)
                    .orElseThrow();
            sigkill(slow); // mid-apply: no UNLOCK is ever sent
            assertThat(locks().holder(name)).contains(held);

            picocli.CommandLine cli = dev.orgctl.cli.Main.commandLine();
            java.io.StringWriter out = new java.io.StringWriter();
            cli.setOut(new java.io.PrintWriter(out));
            int exit = cli.execute("tfstate", "unlock", name.value(), "--yes", "--nats-url", server.nats.url());
            assertThat(exit).isZero();
            assertThat(out.toString()).contains("released the lock of " + name).contains(held.id());
            assertThat(locks().holder(name)).isEmpty();
            Terraform.Result again = tf.run("apply", "-auto-approve", "-no-color");
            assertThat(again.exit()).as(again.output()).isZero();
        } finally {
            sigkill(slow);
        }
    }

    @Test
    void theStateSurvivesANatsServerRestart(@TempDir Path dir, TestInfo info) {
        StateName name = name(info);
        Terraform tf = terraform(dir, name);
        assertThat(tf.run("init", "-no-color").exit()).isZero();
        assertThat(tf.run("apply", "-auto-approve", "-no-color").exit()).isZero();
        server.nats.kill();
        server.nats.restart();
        Terraform.Result plan = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> tf.run("plan", "-detailed-exitcode", "-no-color", "-lock=false"), r -> r.exit() == 0);
        assertThat(plan.output()).contains("No changes");
    }

    /**
     * The capturing run behind {@code TfstateProtocolTest}: with {@code -Dtfstate.record=FILE} it runs
     * the whole story on a fresh server and writes every exchange to FILE (the test resource
     * {@code terraform-exchanges.json}). Without the property it does not run.
     */
    @Test
    void recordTheExchangesOfTheRealBinary(@TempDir Path dir) throws Exception {
        String file = System.getProperty("tfstate.record", "");
        Assumptions.assumeFalse(file.isEmpty(), "recording only with -Dtfstate.record=FILE");
        try (TfstateServer fresh = TfstateServer.start(TfstateSettings.defaults());
             Connection c = fresh.nats.connect()) {
            java.net.URI url = fresh.url(TfstateProtocolTest.NAME);
            Path first = dir.resolve("first");
            Path second = dir.resolve("second");
            java.nio.file.Files.createDirectories(first);
            java.nio.file.Files.createDirectories(second);
            Terraform a = new Terraform(first, url, TestStateAuth.WRITER);
            Terraform b = new Terraform(second, url, TestStateAuth.WRITER);
            Exchanges.Recorder rec = fresh.recorder();
            rec.step("init");
            assertThat(a.run("init", "-no-color").exit()).isZero();
            assertThat(b.run("init", "-no-color").exit()).isZero();
            rec.step("apply");
            assertThat(a.run("apply", "-auto-approve", "-no-color").exit()).isZero();
            rec.step("plan");
            assertThat(a.run("plan", "-detailed-exitcode", "-no-color").exit()).isZero();
            rec.step("apply-held");
            StateLocks locks = new StateLocks(c, TfstateSettings.DEFAULT_MAX_HOLD, Clock.systemUTC(),
                    StateLocks.Listener.NONE);
            StateName name = new StateName(TfstateProtocolTest.NAME);
            Process slow = a.start("apply", "-auto-approve", "-no-color", "-replace=terraform_data.thing", "-var",
                    "sleep=120");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> locks.holder(name), Optional::isPresent);
                rec.step("apply-refused");
                assertThat(b.run("apply", "-auto-approve", "-no-color").exit()).isNotZero();
                sigkill(slow); // mid-apply: no UNLOCK is ever sent
            } finally {
                sigkill(slow);
            }
            rec.step("force-unlock");
            assertThat(b.run("force-unlock", "-force", "-no-color", locks.holder(name).orElseThrow().id()).exit()).isZero();
            rec.step("apply-after");
            assertThat(b.run("apply", "-auto-approve", "-no-color", "-var", "value=three").exit()).isZero();
            java.nio.file.Files.writeString(Path.of(file), Exchanges.toJson(rec.recorded()));
        }
    }

    /** SIGKILL, reaped, and the provisioner's {@code sleep} with it (it would outlive its parent). */
    static void sigkill(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        p.waitFor();
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static HttpResponse<String> post(StateName name, String id) throws Exception {
        byte[] state = StateStoreTest.state(99, "intruder");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url(name.value()) + "?ID=" + id))
                .header("Authorization", TestStateAuth.basic(TestStateAuth.WRITER))
                .POST(HttpRequest.BodyPublishers.ofByteArray(state)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
