package dev.orgctl.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code orgctl up} child JVM of a scale-out test: its gateway port, its output in a log file,
 * and the actor name its controller writes into workflow records, so a test can find and SIGKILL
 * the replica that holds a run.
 */
public final class UpProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dataDir;
    private final Path log;

    private UpProcess(Process process, int port, Path dataDir, Path log) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
        this.log = log;
    }

    /**
     * Starts {@code orgctl up ARGS} with {@code env} plus its own gateway port and data directory
     * under {@code root}; output goes to {@code root/up-<name>.log}.
     */
    public static UpProcess start(Path root, String name, Map<String, String> env, String... args) {
        try {
            int port = freePort();
            Map<String, String> own = new LinkedHashMap<>(env);
            own.put("ORGCTL_HTTP_ADDR", "127.0.0.1:" + port);
            Path dataDir = Files.createDirectories(root.resolve("data-" + name));
            own.put("ORGCTL_DATA_DIR", dataDir.toString());
            List<String> argv = new ArrayList<>(List.of("up"));
            argv.addAll(List.of(args));
            Path log = root.resolve("up-" + name + ".log");
            ProcessBuilder pb = OrgctlProcess.builder(root, own, argv.toArray(String[]::new));
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            return new UpProcess(pb.start(), port, dataDir, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Process process() {
        return process;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The gateway's webhook endpoint. */
    public String webhookUrl() {
        return "http://127.0.0.1:" + port + "/webhooks/github";
    }

    /** How the controller names itself as a workflow owner ({@code controller@<pid>}). */
    public String actor() {
        return "controller@" + process.pid();
    }

    /** {@code GET /readyz} answers 200; an exited process is an error carrying its log. */
    public boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError("orgctl up (pid " + process.pid() + ") exited: " + log());
        }
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/readyz")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** SIGKILL: no shutdown hook, no lock released, nothing acknowledged. */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
        awaitExit(Duration.ofSeconds(30));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
