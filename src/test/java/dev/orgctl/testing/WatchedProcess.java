package dev.orgctl.testing;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A child process whose combined output is read as it comes, so a test can act at a moment the
 * process announces ("(test pause in gateway)", "waiting for its delivery") while it still runs.
 */
public final class WatchedProcess {
    private final Process process;
    @SuppressWarnings("JdkObsolete") // a StringBuffer: the last read (toString) takes no monitor of its own
    private final StringBuffer seen = new StringBuffer();
    private final Thread reader;
    /** Guarded by {@code seen}: the output has ended. */
    private boolean ended;

    private WatchedProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "watched-process-" + process.pid());
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code pb} with stderr merged into stdout and stdin closed. */
    public static WatchedProcess start(ProcessBuilder pb) {
        try {
            Process p = pb.redirectErrorStream(true).start();
            p.getOutputStream().close();
            return new WatchedProcess(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read() {
        try (Reader r = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
            char[] buf = new char[4096];
            int n;
            while ((n = r.read(buf)) != -1) {
                synchronized (seen) {
                    seen.append(buf, 0, n);
                    seen.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process was killed
        }
        synchronized (seen) {
            ended = true;
            seen.notifyAll();
        }
    }

    /** Waits until the output contains {@code marker}; false when the output ends or the time runs out first. */
    public boolean awaitOutput(String marker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (seen) {
            while (seen.indexOf(marker) < 0) {
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(seen, left);
            }
            return true;
        }
    }

    /** Everything printed so far. */
    public String output() {
        return seen.toString();
    }

    public Process process() {
        return process;
    }

    /** Waits for the process to exit and its output to be read; returns the exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + ": " + output());
        }
        reader.join(10_000);
        return process.exitValue();
    }

    /** SIGKILL and wait for it (this process is our child: the JDK reaps it); returns what it printed. */
    public String kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        reader.join(10_000);
        return output();
    }
}
