package dev.orgctl.bootstrap;

import java.util.Map;
import java.util.Optional;

/**
 * One bootstrap stage: a precondition, an idempotent apply that adopts work already done, and a
 * verification that can be re-run at any time.
 */
public interface Stage {
    StageName name();

    /** What apply would do now, for {@code --plan}. Changes nothing. */
    String plan(BootstrapContext ctx);

    /** Throws {@link BootstrapException} with what to do when the stage cannot run. */
    void precondition(BootstrapContext ctx);

    /** Does the stage's work, or adopts it when it is already done. */
    Outcome apply(BootstrapContext ctx);

    /** Empty when the stage's result holds now; otherwise what is wrong. */
    Optional<String> verify(BootstrapContext ctx);

    /** What apply did: its details are recorded with the stage's result. */
    record Outcome(boolean adopted, String summary, Map<String, String> details) {
        public Outcome {
            details = Map.copyOf(details);
        }

        public static Outcome done(String summary, Map<String, String> details) {
            return new Outcome(false, summary, details);
        }

        public static Outcome adopted(String summary, Map<String, String> details) {
            return new Outcome(true, summary, details);
        }
    }
}
