package dev.orgctl.bootstrap;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * TEST-ONLY. The end-to-end tests SIGKILL a bootstrap inside each stage to prove that a re-run
 * resumes; the prerequisites, state, nats and topology stages finish in milliseconds, too fast to
 * hit from outside. With {@value #VARIABLE}=STAGE the runner stops inside that stage, after its
 * apply has done its work and before its result is recorded (the hardest moment to die: the work
 * exists, the record does not), prints {@link #marker} and sleeps. Operators never set it; unset,
 * it does nothing.
 */
public final class TestPause {
    public static final String VARIABLE = "ORGCTL_TEST_PAUSE_IN_STAGE";
    private static final Duration SLEEP = Duration.ofMinutes(2);

    private final Optional<StageName> stage;

    private TestPause(Optional<StageName> stage) {
        this.stage = stage;
    }

    public static TestPause none() {
        return new TestPause(Optional.empty());
    }

    /** Reads {@value #VARIABLE}; an unknown stage name is a usage error, not silently ignored. */
    public static TestPause fromEnvironment(Map<String, String> env) {
        String value = env.get(VARIABLE);
        if (value == null || value.isBlank()) {
            return none();
        }
        return new TestPause(Optional.of(StageName.parse(value).orElseThrow(() -> new BootstrapException(
                VARIABLE + ": '" + value + "' is not a stage; stages: " + StageName.allIds()))));
    }

    /** What the runner prints when it pauses in {@code stage}; the stage is named because log lines may interleave. */
    public static String marker(StageName stage) {
        return "(test pause in " + stage.id() + ")";
    }

    /** Sleeps when {@code current} is the stage to pause in; the test kills the process meanwhile. */
    void inside(StageName current, PrintWriter out) {
        if (stage.isEmpty() || stage.get() != current) {
            return;
        }
        out.print(marker(current) + " ");
        out.flush();
        try {
            Thread.sleep(SLEEP.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
