package dev.orgctl.bootstrap;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * TEST-ONLY. The end-to-end tests SIGKILL a bootstrap inside each stage to prove that a re-run
 * resumes; the prerequisites, state, nats and topology stages finish in milliseconds, too fast to
 * hit from outside. With {@value #VARIABLE}=STAGE that stage is wrapped so that it stops after its
 * apply has done its work and before the runner records its result (the hardest moment to die: the
 * work exists, the record does not), prints {@link #marker} and sleeps. Operators never set it;
 * unset, the stages are returned as they are.
 *
 * <p>Isolated as a stage decorator: the runner and the stages know nothing of it, and the one
 * place that reads the variable is the bootstrap command that builds the stage list.
 */
public final class TestPause {
    public static final String VARIABLE = "ORGCTL_TEST_PAUSE_IN_STAGE";
    private static final Duration SLEEP = Duration.ofMinutes(2);

    private final Optional<StageName> stage;

    private TestPause(Optional<StageName> stage) {
        this.stage = stage;
    }

    /** Reads {@value #VARIABLE}; an unknown stage name is a usage error, not silently ignored. */
    public static TestPause fromEnvironment(Map<String, String> env) {
        String value = env.get(VARIABLE);
        if (value == null || value.isBlank()) {
            return new TestPause(Optional.empty());
        }
        return new TestPause(Optional.of(StageName.parse(value).orElseThrow(() -> new BootstrapException(
                VARIABLE + ": '" + value + "' is not a stage; stages: " + StageName.allIds()))));
    }

    /** What a paused stage prints; the stage is named because log lines may interleave. */
    public static String marker(StageName stage) {
        return "(test pause in " + stage.id() + ")";
    }

    /** {@code stages} with the one to pause in wrapped; the same list when no pause is asked for. */
    public List<Stage> around(List<Stage> stages) {
        if (stage.isEmpty()) {
            return stages;
        }
        return stages.stream().map(s -> s.name() == stage.get() ? (Stage) new Paused(s) : s).toList();
    }

    /** Delegates everything; after apply it prints the marker and sleeps while the test kills the process. */
    private record Paused(Stage delegate) implements Stage {
        @Override
        public StageName name() {
            return delegate.name();
        }

        @Override
        public String plan(BootstrapContext ctx) {
            return delegate.plan(ctx);
        }

        @Override
        public void precondition(BootstrapContext ctx) {
            delegate.precondition(ctx);
        }

        @Override
        public Outcome apply(BootstrapContext ctx) {
            Outcome outcome = delegate.apply(ctx);
            PrintWriter out = ctx.out();
            out.print(marker(delegate.name()) + " ");
            out.flush();
            try {
                Thread.sleep(SLEEP.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return outcome;
        }

        @Override
        public Optional<String> verify(BootstrapContext ctx) {
            return delegate.verify(ctx);
        }
    }
}
