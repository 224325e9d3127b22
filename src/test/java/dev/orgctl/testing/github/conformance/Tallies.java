package dev.orgctl.testing.github.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many calls of each operation the fakes of one test JVM checked, written to
 * {@code target/github-conformance/rest-<pid>.tsv} (operationId, method and path, count) each time
 * a fake closes, so the file is complete once the JVM's last test ends. JVM-wide like the
 * description: the count is per test run, not per fake.
 */
public final class Tallies {
    static final Path DIR = Path.of("target", "github-conformance");
    private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    private Tallies() {
    }

    static void count(OperationIndex.Op op) {
        COUNTS.computeIfAbsent(op.operationId() + "\t" + op.describe(), k -> new LongAdder()).increment();
    }

    /** A snapshot: "operationId\tMETHOD /template" to count. */
    public static Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        COUNTS.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    static synchronized void write() {
        StringBuilder sb = new StringBuilder("# checked against " + RestDescription.describe()
                + ", X-GitHub-Api-Version " + RestDescription.API_VERSION + "\n");
        sb.append("operationId\toperation\tcalls\n");
        snapshot().forEach((k, v) -> sb.append(k).append('\t').append(v).append('\n'));
        try {
            Files.createDirectories(DIR);
            Path file = DIR.resolve("rest-" + ProcessHandle.current().pid() + ".tsv");
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the conformance tally under " + DIR.toAbsolutePath(), e);
        }
    }
}
