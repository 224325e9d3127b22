package dev.orgctl.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the orgctl CLI as a separate JVM, with its own environment, the way a user runs it: what
 * it prints, on which stream, and its exit code.
 */
public final class OrgctlProcess {
    private static final String MAIN = "dev.orgctl.cli.Main";

    private OrgctlProcess() {
    }

    public record Result(int exitCode, String out, String err) {
    }

    public static ProcessBuilder builder(Path workDir, Map<String, String> env, String... args) {
        return builder(ChildJava.command(List.of(), MAIN), workDir, env, args);
    }

    private static ProcessBuilder builder(List<String> cmd, Path workDir, Map<String, String> env, String... args) {
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        // A clean environment: nothing of the developer's NATS_URL or tokens leaks into a test.
        pb.environment().keySet().removeIf(k -> k.startsWith("NATS_") || k.startsWith("ORGCTL_") || k.startsWith("GITHUB_"));
        pb.environment().putAll(env);
        return pb;
    }

    public static Result run(Path workDir, Map<String, String> env, String... args) {
        return runToEnd(builder(workDir, env, args), args);
    }

    /**
     * Runs orgctl on the JVM's own defaults (JIT, collector), as a user's {@code java} does: for
     * tests that bound the child's memory or need its full speed, where {@link ChildJava}'s quick
     * start would change what is measured.
     */
    public static Result runAsShipped(Path workDir, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MAIN));
        return runToEnd(builder(cmd, workDir, env, args), args);
    }

    private static Result runToEnd(ProcessBuilder pb, String... args) {
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            var out = p.getInputStream();
            var err = p.getErrorStream();
            var errText = new java.util.concurrent.CompletableFuture<String>();
            Thread t = new Thread(() -> {
                try {
                    errText.complete(new String(err.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    errText.complete("");
                }
            });
            t.start();
            String outText = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("orgctl " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), outText, errText.get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
