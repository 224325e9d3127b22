package dev.orgctl.bootstrap;

import dev.orgctl.config.ConfigExport;
import dev.orgctl.config.OrgctlConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An orgctl command running in the background, detached from the terminal that started it (its
 * own session), with a pid file and a log file in the data directory. This is how a dev bootstrap
 * leaves the gateway and controller running after it exits; {@code orgctl down} stops them.
 */
public final class BackgroundProcess {
    private final Path pidFile;
    private final Path logFile;

    public BackgroundProcess(Path dataDir, String name) {
        this.pidFile = dataDir.resolve("run").resolve(name + ".pid");
        this.logFile = dataDir.resolve("logs").resolve(name + ".log");
    }

    public Path logFile() {
        return logFile;
    }

    /** The running process, if its pid file names a live orgctl JVM. */
    public Optional<ProcessHandle> running() {
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(ph -> ph.info().command().map(c -> c.contains("java")).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Starts {@code orgctl <args>} in the background with the configuration as its environment. */
    public ProcessHandle start(OrgctlConfig config, List<String> args) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.orgctl.cli.Main");
        cmd.addAll(args);
        try {
            Files.createDirectories(pidFile.getParent());
            Files.createDirectories(logFile.getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(ConfigExport.toEnvironment(config));
            Process p = pb.start();
            Files.writeString(pidFile, Long.toString(p.pid()));
            return p.toHandle();
        } catch (IOException e) {
            throw new BootstrapException("cannot start 'orgctl " + String.join(" ", args) + "' in the background: "
                    + e.getMessage(), e);
        }
    }

    /** SIGTERM, then SIGKILL after the grace period. False when nothing was running. */
    public boolean stop(Duration grace) {
        Optional<ProcessHandle> ph = running();
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
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            // running() checks liveness anyway
        }
        return true;
    }
}
