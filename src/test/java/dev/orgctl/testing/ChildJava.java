package dev.orgctl.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM on the test class path. Most children live for a second (one
 * CLI call) or wait on I/O, so they start with the client compiler only and the serial collector:
 * on 2 loaded cores that halves the launch, which the end-to-end tests pay dozens of times.
 * Tests that measure the child's CPU or memory behaviour build their own command line.
 */
public final class ChildJava {
    /** The JVM options every quick child gets, before the caller's own. */
    public static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xshare:auto");

    private ChildJava() {
    }

    /** {@code java FAST_START jvmOptions -cp <test class path> mainClass}; the caller appends arguments. */
    public static List<String> command(List<String> jvmOptions, String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(FAST_START);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        return cmd;
    }
}
