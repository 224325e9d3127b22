package dev.orgctl.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command whose parent never reaps it: {@code sh} starts it in the background and replaces
 * itself with {@code sleep}, which never waits for children. Killed with SIGKILL, the command stays
 * a zombie until this object is closed, as it does under a supervisor that is slow to reap (and
 * {@link ProcessHandle#isAlive()} is true for it all that time). The JDK reaps its own children
 * at once, so a test that kills a {@link Process} it started never sees this state.
 */
public final class UnreapedProcess implements AutoCloseable {
    private static final Pattern PID = Pattern.compile("unreaped-pid (\\d+)\n");
    private final WatchedProcess sleeper;
    private final long pid;

    private UnreapedProcess(WatchedProcess sleeper, long pid) {
        this.sleeper = sleeper;
        this.pid = pid;
    }

    /** Starts {@code pb}'s command (its environment and directory kept) under a parent that never reaps it. */
    public static UnreapedProcess start(ProcessBuilder pb) throws InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
                "\"$@\" & echo \"unreaped-pid $!\"; exec sleep 100000", "sh"));
        cmd.addAll(pb.command());
        WatchedProcess sleeper = WatchedProcess.start(pb.command(cmd));
        if (!sleeper.awaitOutput("unreaped-pid ", Duration.ofSeconds(30))
                || !sleeper.awaitOutput("\n", Duration.ofSeconds(5))) {
            throw new AssertionError("no pid from the wrapper: " + sleeper.kill());
        }
        Matcher m = PID.matcher(sleeper.output());
        if (!m.find()) {
            throw new AssertionError("no pid from the wrapper: " + sleeper.kill());
        }
        return new UnreapedProcess(sleeper, Long.parseLong(m.group(1)));
    }

    public long pid() {
        return pid;
    }

    /** What the command (and the wrapper) printed so far. */
    public String output() {
        return sleeper.output();
    }

    public boolean awaitOutput(String marker, Duration timeout) throws InterruptedException {
        return sleeper.awaitOutput(marker, timeout);
    }

    /** SIGKILL; nobody reaps it: it stays a zombie. */
    public void kill() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** The process state letter from /proc ('Z' for a zombie), or empty when the pid is gone. */
    public String state() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until the killed command is a zombie (the kernel finishes the exit asynchronously). */
    public void awaitZombie(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!state().equals("Z")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("pid " + pid + " is not a zombie (state '" + state() + "')");
            }
            Thread.sleep(20);
        }
    }

    /** Ends the non-reaping parent; the zombie is then reparented and reaped. */
    @Override
    public void close() throws InterruptedException {
        kill();
        sleeper.kill();
    }
}
