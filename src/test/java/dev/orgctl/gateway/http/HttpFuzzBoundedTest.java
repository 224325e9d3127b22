package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Each Jazzer target of {@link HttpFuzzTest} really fuzzed, for a bounded time, as part of
 * {@code ./test}: Jazzer fuzzes one target per JVM, so each runs in a child JVM with
 * {@code JAZZER_FUZZ=1}. Longer runs: see the README.
 */
class HttpFuzzBoundedTest {
    static final String DURATION = "8s";

    @ParameterizedTest
    @ValueSource(strings = {"requestPath", "payloadParsing"})
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void fuzzesForABoundedTime(String target) throws Exception {
        Path log = Files.createTempFile("orgctl-fuzz-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"), Run.class.getName(), target))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("JAZZER_FUZZ", "1");
            pb.environment().put("JAZZER_MAX_DURATION", DURATION);
            Process p = pb.start();
            assertThat(p.waitFor(4, TimeUnit.MINUTES)).as("the fuzz run ended").isTrue();
            String out = tail(log);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("Done ");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String tail(Path log) throws IOException {
        String all = Files.readString(log, StandardCharsets.UTF_8);
        return all.substring(Math.max(0, all.length() - 4000));
    }

    /** Runs one fuzz test method through the JUnit platform; exits 1 on a finding. */
    public static final class Run {
        public static void main(String[] args) {
            SummaryGeneratingListener summary = new SummaryGeneratingListener();
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectMethod(HttpFuzzTest.class.getName() + "#" + args[0]
                            + "(com.code_intelligence.jazzer.api.FuzzedDataProvider)")).build(), summary);
            summary.getSummary().printTo(new java.io.PrintWriter(System.out, true, StandardCharsets.UTF_8));
            summary.getSummary().printFailuresTo(new java.io.PrintWriter(System.out, true, StandardCharsets.UTF_8), 30);
            boolean ok = summary.getSummary().getTotalFailureCount() == 0
                    && summary.getSummary().getTestsSucceededCount() > 0;
            System.exit(ok ? 0 : 1);
        }
    }
}
