package dev.orgctl.gateway;

import dev.orgctl.webhook.Signatures;
import static dev.orgctl.gateway.GatewayHarness.newDelivery;
import static dev.orgctl.gateway.GatewayHarness.repoPayload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.cli.Main;
import dev.orgctl.config.Secret;
import dev.orgctl.testing.NatsServerFixture;
import io.nats.client.Connection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code orgctl gateway} and {@code orgctl up} as an operator runs them: a real process, real signals. */
class GatewayCommandTest {

    @Test
    void refusesToStartWithoutASecretUnlessToldInsecure() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        // No secret: refused before anything starts (no NATS is needed to see it).
        int code = cli.execute("gateway", "--nats-url", "nats://127.0.0.1:1");
        assertThat(code).isEqualTo(Main.EXIT_CONFIG);
        assertThat(err.toString()).contains("GITHUB_WEBHOOK_SECRET").contains("--insecure-no-signature");
        assertThat(err.toString().lines().count()).isEqualTo(1);
        err.getBuffer().setLength(0);
        assertThat(cli.execute("up", "--nats-url", "nats://127.0.0.1:1")).isEqualTo(Main.EXIT_CONFIG);
        assertThat(err.toString()).contains("GITHUB_WEBHOOK_SECRET");
    }

    @Test
    void helpShowsTheGatewayFlags() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("gateway", "--help")).isZero();
        assertThat(out.toString()).contains("--insecure-no-signature").contains("--max-body").contains("--webhook-secret");
        out.getBuffer().setLength(0);
        assertThat(cli.execute("bench", "gateway", "--help")).isZero();
        assertThat(out.toString()).contains("--concurrency").contains("--rate");
    }

    @Test
    void upServesTheGatewayAndStopsGracefullyOnSigterm() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start()) {
            int port = freePort();
            Running up = launch(nats, List.of("up", "--http-addr", "127.0.0.1:" + port), "s3cret-up");
            try {
                String id = newDelivery();
                byte[] body = repoPayload("acme", "via-up").getBytes(StandardCharsets.UTF_8);
                HttpResponse<String> r = GatewayHarness.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/webhooks/github"))
                        .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                        .header("X-GitHub-Delivery", id)
                        .header("X-Hub-Signature-256", Signatures.sign(Secret.of("s3cret-up"), body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
                assertThat(r.statusCode()).isEqualTo(202);
                try (Connection c = nats.connect()) { // up created the topology itself
                    assertThat(GatewayHarness.events(c).stream().filter(m -> id.equals(m.msgId()))).hasSize(1);
                }
                assertThat(GatewayHarness.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/readyz")).GET()).statusCode()).isEqualTo(200);
            } finally {
                up.stop();
            }
            assertThat(up.lines).anyMatch(l -> l.contains("gateway stopped"));
            assertThat(up.lines).noneMatch(l -> l.contains("s3cret-up"));
        }
    }

    @Test
    void gatewayAloneWithInsecureFlagWarnsAndAcceptsUnsigned() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start()) {
            int port = freePort();
            Running gw = launch(nats, List.of("gateway", "--insecure-no-signature", "--http-addr", "127.0.0.1:" + port),
                    null);
            try {
                HttpResponse<String> r = GatewayHarness.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/webhooks/github"))
                        .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                        .header("X-GitHub-Delivery", newDelivery())
                        .POST(HttpRequest.BodyPublishers.ofString(repoPayload("acme", "insecure"))));
                assertThat(r.statusCode()).isEqualTo(202);
            } finally {
                gw.stop();
            }
            assertThat(gw.lines).anyMatch(l -> l.contains("WARN") && l.contains("signature verification is OFF"));
            assertThat(gw.lines).anyMatch(l -> l.contains("delivery published") && l.contains("delivery=")
                    && l.contains("event=push"));
        }
    }

    private record Running(Process process, List<String> lines, Thread reader) {
        /** SIGTERM, then waits for the exit and for the last line of output. */
        void stop() throws InterruptedException {
            // Through the handle: Process.destroy() would also close our end of its output, losing the last lines.
            process.toHandle().destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(5000);
        }
    }

    /** Starts orgctl in a child JVM and waits for its "webhooks at" line. */
    private static Running launch(NatsServerFixture nats, List<String> args, String secret) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NATS_URL", nats.url());
        // up also runs the controller: it needs an org and, for the git backend, a root (empty here).
        java.nio.file.Path root = java.nio.file.Files.createTempDirectory("orgctl-gw-root-");
        java.nio.file.Files.createDirectories(root.resolve("acme"));
        pb.environment().put("GITHUB_ORG", "acme");
        pb.environment().put("ORGCTL_BACKEND", "git");
        pb.environment().put("ORGCTL_GIT_ROOT", root.toString());
        pb.environment().put("ORGCTL_DATA_DIR", root.resolve("data").toString());
        pb.environment().remove("GITHUB_WEBHOOK_SECRET");
        if (secret != null) {
            pb.environment().put("GITHUB_WEBHOOK_SECRET", secret);
        }
        Process p = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        GatewayProcess.awaitLine(p, lines, "webhooks at", Duration.ofSeconds(30), "orgctl did not start");
        return new Running(p, lines, reader);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
