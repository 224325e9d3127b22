package dev.orgctl.coordination;

import dev.orgctl.testing.ChildJava;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A separate JVM running a main class of the test classpath, with its stdout readable line by line. */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();

    private ChildJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (all) {
                        all.add(line);
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "child-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static ChildJvm start(Class<?> main, String... args) {
        return start(main, List.of(), args);
    }

    static ChildJvm start(Class<?> main, List<String> jvmArgs, String... args) {
        return start(main, jvmArgs, false, args);
    }

    /** With {@code mergeStderr}, the child's stderr is read as part of its output. */
    static ChildJvm start(Class<?> main, List<String> jvmArgs, boolean mergeStderr, String... args) {
        List<String> options = new ArrayList<>(List.of("-Xmx128m"));
        options.addAll(jvmArgs);
        List<String> cmd = ChildJava.command(options, main.getName());
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (mergeStderr) {
                pb.redirectErrorStream(true);
            } else {
                pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            }
            return new ChildJvm(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next stdout line starting with {@code prefix}, waiting at most {@code timeout}. */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("child " + process.pid() + " printed no line starting with '" + prefix
                        + "' within " + timeout + " (alive: " + process.isAlive() + "; output: " + output() + ")");
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    void send(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    List<String> output() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    Process process() {
        return process;
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child " + process.pid() + " did not exit within " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
