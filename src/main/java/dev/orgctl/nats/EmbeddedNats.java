package dev.orgctl.nats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code nats-server} process with JetStream and a persistent store, started by orgctl: the
 * "bootstrap NATS" of the seed. One store serves one server at a time: the store holds a lock file
 * (taken while starting and, for a foreground server, while it runs) and the server's pid file, so
 * a second server on the same store is refused with the first one's address instead of corrupting
 * it.
 */
public final class EmbeddedNats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedNats.class);
    /** GitHub caps deliveries at 25 MiB; the server's default 1 MiB payload limit would refuse them. */
    public static final long MAX_PAYLOAD = 32L * 1024 * 1024;
    private static final Pattern CLIENT_URL = Pattern.compile("\"(?:nats|client)\"\\s*:\\s*\\[\\s*\"([^\"]+)\"");
    private static final Pattern MONITOR_URL = Pattern.compile("\"monitoring\"\\s*:\\s*\\[\\s*\"([^\"]+)\"");

    /**
     * What to start.
     *
     * @param port        client port; 0 picks a free one
     * @param monitorPort HTTP monitoring port ({@code /varz}, {@code /jsz}); -1 for none, 0 for a free one
     * @param extraConfig lines appended to the generated server config (authorization, tls, ...)
     */
    public record Spec(Path binary, Path storeDir, String host, int port, int monitorPort, String extraConfig) {
        public Spec withExtraConfig(String config) {
            return new Spec(binary, storeDir, host, port, monitorPort, config);
        }
    }

    /** A server found running on a store: its pid and where it listens. */
    public record Running(long pid, String url) {
    }

    private final Process process;
    private final String url;
    private final Optional<String> monitorUrl;
    private final Path storeDir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedNats(Process process, String url, Optional<String> monitorUrl, Path storeDir,
                         FileChannel lockChannel, FileLock lock) {
        this.process = process;
        this.url = url;
        this.monitorUrl = monitorUrl;
        this.storeDir = storeDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Finds the nats-server binary: the configured one, else {@code nats-server} on PATH or in
     * {@code /usr/sbin} (where Debian installs it, often not on a user's PATH).
     */
    public static Path locateBinary(Optional<Path> configured) {
        if (configured.isPresent()) {
            return configured.get();
        }
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "nats-server"));
                }
            }
        }
        candidates.add(Path.of("/usr/sbin/nats-server"));
        candidates.add(Path.of("/usr/local/bin/nats-server"));
        for (Path c : candidates) {
            if (Files.isRegularFile(c) && Files.isExecutable(c)) {
                return c;
            }
        }
        throw new NatsUnavailableException("nats-server was not found on PATH or in /usr/sbin; install it with "
                + "'sudo apt-get install -y nats-server', set NATS_SERVER_BIN to its path, or set NATS_URL to use "
                + "an existing server", null);
    }

    /** The server recorded in this store's pid file, if that process is still alive. */
    public static Optional<Running> findRunning(Path storeDir) {
        Path pidFile = storeDir.resolve("nats-server.pid");
        Path urlFile = storeDir.resolve("nats-server.url");
        try {
            if (!Files.exists(pidFile) || !Files.exists(urlFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            String url = Files.readString(urlFile).trim();
            Optional<ProcessHandle> ph = ProcessHandle.of(pid);
            boolean alive = ph.isPresent() && ph.get().isAlive()
                    && ph.get().info().command().map(c -> c.contains("nats-server")).orElse(true);
            return alive ? Optional.of(new Running(pid, url)) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Stops the server running on a store (SIGTERM, then SIGKILL); false when none was running. */
    public static boolean stopRunning(Path storeDir, Duration grace) {
        Optional<Running> running = findRunning(storeDir.toAbsolutePath().normalize());
        if (running.isEmpty()) {
            return false;
        }
        Optional<ProcessHandle> ph = ProcessHandle.of(running.get().pid());
        if (ph.isEmpty()) {
            return false;
        }
        ph.get().destroy();
        try {
            ph.get().onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ph.get().destroyForcibly();
        }
        try {
            Files.deleteIfExists(storeDir.resolve("nats-server.url"));
        } catch (IOException e) {
            // findRunning checks the pid anyway
        }
        return true;
    }

    /**
     * Starts the server and waits until it accepts connections.
     *
     * @param holdLock keep the store lock for the life of this object (a foreground server); a
     *                 detached server is guarded by its pid file instead
     */
    public static EmbeddedNats start(Spec spec, Duration readyTimeout, boolean holdLock) {
        return start(spec, readyTimeout, holdLock, false);
    }

    private static EmbeddedNats start(Spec spec, Duration readyTimeout, boolean holdLock, boolean detached) {
        Path store = spec.storeDir().toAbsolutePath().normalize();
        FileChannel channel = null;
        FileLock lock = null;
        try {
            Files.createDirectories(store);
            channel = FileChannel.open(store.resolve("orgctl-nats.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new NatsUnavailableException("the NATS store " + store + " is in use by another orgctl process"
                        + findRunning(store).map(r -> " (nats-server pid " + r.pid() + " at " + r.url() + ")").orElse("")
                        + "; stop it or use another --store", null);
            }
            Optional<Running> running = findRunning(store);
            if (running.isPresent()) {
                throw new NatsUnavailableException("a nats-server already runs on the store " + store + " (pid "
                        + running.get().pid() + ", " + running.get().url() + "); connect with NATS_URL="
                        + running.get().url() + " or stop it first", null);
            }
            EmbeddedNats server = launch(spec, store, readyTimeout, channel, holdLock ? lock : null, detached);
            if (!holdLock) {
                lock.release();
                channel.close();
            }
            return server;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot prepare the NATS store " + store + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /**
     * Starts a server that outlives this JVM: in its own session (setsid), so neither the end of
     * this process nor a Ctrl-C in its terminal stops it. Stop it with its pid.
     */
    public static Running startDetached(Spec spec, Duration readyTimeout) {
        EmbeddedNats server = start(spec, readyTimeout, false, true);
        return new Running(server.pid(), server.url());
    }

    private static EmbeddedNats launch(Spec spec, Path store, Duration readyTimeout, FileChannel channel, FileLock lock,
                                       boolean detached) throws IOException {
        Path runDir = store.resolve("run");
        Files.createDirectories(runDir);
        try (var old = Files.list(runDir)) {
            for (Path p : old.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Path conf = store.resolve("nats-server.conf");
        Files.writeString(conf, config(spec, store));
        Path logFile = store.resolve("nats-server.log");
        List<String> cmd = new ArrayList<>();
        if (detached && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // a child of the JVM is no group leader, so setsid execs without forking
        }
        cmd.addAll(List.of(spec.binary().toString(), "-c", conf.toString(),
                "--ports_file_dir", runDir.toString(), "-P", store.resolve("nats-server.pid").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot run " + spec.binary() + ": " + e.getMessage()
                    + "; install nats-server with 'sudo apt-get install -y nats-server' or set NATS_SERVER_BIN", e);
        }
        Instant deadline = Instant.now().plus(readyTimeout);
        Path portsFile = runDir.resolve("nats-server_" + p.pid() + ".ports");
        while (true) {
            if (!p.isAlive()) {
                throw new NatsUnavailableException("nats-server exited at start (code " + p.exitValue() + "): "
                        + lastLines(logFile, 5), null);
            }
            if (Files.exists(portsFile)) {
                String ports = Files.readString(portsFile);
                Matcher client = CLIENT_URL.matcher(ports);
                if (client.find() && accepts(client.group(1))) {
                    Matcher mon = MONITOR_URL.matcher(ports);
                    String url = client.group(1);
                    Files.writeString(store.resolve("nats-server.url"), url);
                    log.atInfo().addKeyValue("url", url).addKeyValue("pid", p.pid()).addKeyValue("store", store)
                            .log("embedded nats-server ready");
                    return new EmbeddedNats(p, url, mon.find() ? Optional.of(mon.group(1)) : Optional.empty(), store,
                            channel, lock);
                }
            }
            if (Instant.now().isAfter(deadline)) {
                p.destroyForcibly();
                throw new NatsUnavailableException("nats-server did not become ready within " + readyTimeout + ": "
                        + lastLines(logFile, 5), null);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    private static String config(Spec spec, Path store) {
        StringBuilder c = new StringBuilder();
        c.append("# written by orgctl; edits are replaced at the next start\n");
        c.append("host: \"").append(spec.host()).append("\"\n");
        c.append("port: ").append(spec.port() == 0 ? -1 : spec.port()).append('\n');
        if (spec.monitorPort() >= 0) {
            c.append("http: \"").append(spec.host()).append(':').append(spec.monitorPort() == 0 ? -1 : spec.monitorPort())
                    .append("\"\n");
        }
        c.append("max_payload: ").append(MAX_PAYLOAD).append('\n');
        c.append("jetstream {\n  store_dir: \"").append(store.toString().replace("\\", "\\\\")).append("\"\n}\n");
        if (spec.extraConfig() != null && !spec.extraConfig().isBlank()) {
            c.append(spec.extraConfig()).append('\n');
        }
        return c.toString();
    }

    private static boolean accepts(String url) {
        java.net.URI uri = java.net.URI.create(url);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String lastLines(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while starting nats-server", e);
        }
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }

    public String url() {
        return url;
    }

    public Optional<String> monitorUrl() {
        return monitorUrl;
    }

    public Path storeDir() {
        return storeDir;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the server to exit by itself; returns its exit code. */
    public int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    /** SIGKILL, for tests that prove nothing is lost when the server dies. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        releaseLock();
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and releases the store. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    log.atWarn().addKeyValue("pid", process.pid()).log("nats-server did not stop in 10s; killing it");
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            log.atInfo().addKeyValue("pid", process.pid()).log("embedded nats-server stopped");
        }
        try {
            Files.deleteIfExists(storeDir.resolve("nats-server.url"));
        } catch (IOException e) {
            // stale file is harmless: findRunning checks the pid
        }
        releaseLock();
    }

    private void releaseLock() {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            // the channel close below releases it too
        }
        closeQuietly(lockChannel);
    }
}
