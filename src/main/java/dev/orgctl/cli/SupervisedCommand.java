package dev.orgctl.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * COMMAND of {@code orgctl lock exec}, run so that it cannot outlive its lock holder.
 *
 * <p>A small supervisor ({@code setsid sh}) leads a new session in which COMMAND runs. Its stdin is
 * a pipe whose only writer is orgctl: "go" starts COMMAND (sent right after orgctl checked the lock
 * once more), and end-of-file, which the kernel delivers the moment orgctl exits or is killed
 * (even with SIGKILL, even while orgctl is a zombie nobody reaped), makes it send SIGTERM to the
 * whole session and SIGKILL after the grace period. Stopping COMMAND from orgctl is the same
 * path: close the pipe. COMMAND reads orgctl's own stdin (reopened through /proc) and writes to
 * orgctl's stdout and stderr.
 */
final class SupervisedCommand implements AutoCloseable {
    /** Exit code of the supervisor when orgctl closed the pipe before saying "go". */
    static final int NOT_STARTED = 125;

    private static final String SCRIPT = String.join("\n",
            "in=$1; grace=$2; shift 2",
            "IFS= read -r go || exit " + NOT_STARTED,
            "[ \"$go\" = go ] || exit " + NOT_STARTED,
            // orgctl's stdin for COMMAND; one that cannot be reopened (a socket) becomes /dev/null.
            "( exec 4<\"$in\" ) 2>/dev/null || in=/dev/null",
            "\"$@\" <\"$in\" &",
            "cmd=$!",
            "exec 3<&0",
            // The watcher: orgctl's end of the pipe closed (it ended or died): stop the whole session.
            "( trap '' TERM; cat <&3 >/dev/null; kill -TERM 0 2>/dev/null; sleep \"$grace\"; kill -KILL 0 2>/dev/null ) &",
            "trap '' TERM",
            "wait \"$cmd\"",
            "exit $?");

    private final Process supervisor;
    private final OutputStream pipe;

    private SupervisedCommand(Process supervisor) {
        this.supervisor = supervisor;
        this.pipe = supervisor.getOutputStream();
    }

    /**
     * Starts the supervisor; COMMAND starts only at {@link #go()}.
     *
     * @throws IOException when the supervisor cannot be started
     */
    static SupervisedCommand start(List<String> command, Map<String, String> env, Duration grace) throws IOException {
        List<String> argv = new ArrayList<>(List.of("setsid", "sh", "-c", SCRIPT, "orgctl-supervisor",
                "/proc/" + ProcessHandle.current().pid() + "/fd/0", seconds(grace)));
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        return new SupervisedCommand(pb.start());
    }

    /** Whether {@code program} can be started: an executable path, or found on PATH. */
    static boolean runnable(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program)) && !Files.isDirectory(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** The supervisor's pid: also the id of COMMAND's session and process group. */
    long pid() {
        return supervisor.pid();
    }

    /** Starts COMMAND. */
    void go() throws IOException {
        pipe.write("go\n".getBytes(StandardCharsets.US_ASCII));
        pipe.flush();
    }

    int waitFor() throws InterruptedException {
        return supervisor.waitFor();
    }

    boolean waitFor(Duration timeout) throws InterruptedException {
        return supervisor.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isAlive() {
        return supervisor.isAlive();
    }

    /** SIGTERM to COMMAND's whole session now, SIGKILL after the grace period (by the supervisor). */
    void stop() {
        try {
            pipe.close();
        } catch (IOException e) {
            // already closed: the supervisor is stopping the session
        }
    }

    /**
     * Once the supervisor has exited: SIGKILL whatever is left in COMMAND's session (its
     * background children, or COMMAND itself if the supervisor was killed), so nothing of it runs
     * after the lock is released.
     */
    @Override
    public void close() {
        stop();
        try {
            Process kill = new ProcessBuilder("sh", "-c", "kill -KILL -- -\"$1\" 2>/dev/null; exit 0", "sh",
                    Long.toString(supervisor.pid())).redirectErrorStream(true).start();
            kill.getInputStream().readAllBytes();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // nothing to kill or no shell: the supervisor's watcher does the same after its grace period
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%d.%03d", d.toSeconds(), d.toMillisPart());
    }
}
