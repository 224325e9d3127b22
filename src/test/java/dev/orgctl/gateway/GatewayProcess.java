package dev.orgctl.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.cli.Main;
import dev.orgctl.testing.NatsServerFixture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/** {@code orgctl gateway} in its own JVM, with the JVM options and flags a test gives it; its log lines kept. */
final class GatewayProcess implements AutoCloseable {
    final Process process;
    final int port;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private GatewayProcess(Process process, int port) {
        this.process = process;
        this.port = port;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "gateway-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    static GatewayProcess start(NatsServerFixture nats, String secret, List<String> jvmOptions, String... flags)
            throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "-XX:+ExitOnOutOfMemoryError"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(Main.class.getName(), "gateway", "--http-addr", "127.0.0.1:" + port));
        cmd.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("NATS_") || k.startsWith("ORGCTL_")
                || k.startsWith("GITHUB_"));
        pb.environment().put("NATS_URL", nats.url());
        pb.environment().put("GITHUB_WEBHOOK_SECRET", secret);
        GatewayProcess g = new GatewayProcess(pb.start(), port);
        awaitLine(g.process, g.lines, "gateway listening", Duration.ofSeconds(60), "the gateway did not start");
        return g;
    }

    /**
     * Waits until a line containing {@code text} was read from {@code p}; when {@code p} exits first
     * or the time is up, kills it and fails with {@code failure} and what it printed.
     */
    static void awaitLine(Process p, List<String> lines, String text, Duration timeout, String failure) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(50))
                    .until(() -> lines.stream().anyMatch(l -> l.contains(text)) || !p.isAlive());
        } catch (ConditionTimeoutException e) {
            // reported below, with the output
        }
        if (lines.stream().noneMatch(l -> l.contains(text))) {
            p.destroyForcibly();
            throw new AssertionError(failure + ": " + String.join("\n", lines));
        }
    }

    long pid() {
        return process.pid();
    }

    /** Lines of the log that contain {@code text}. */
    long count(String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    @Override
    public void close() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(5000);
        assertThat(process.isAlive()).isFalse();
    }
}
