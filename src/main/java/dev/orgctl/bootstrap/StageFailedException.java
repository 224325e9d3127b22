package dev.orgctl.bootstrap;

import java.util.List;

/**
 * A stage failed. Besides the one-line message (stage, error, what to do), it carries what the run
 * had done up to and including the failed stage, and the stages it never reached, so
 * {@code orgctl bootstrap --output json} can still print the whole picture for a script.
 */
public final class StageFailedException extends BootstrapException {
    private final transient BootstrapRunner.Report report;
    private final transient List<StageName> notRun;

    public StageFailedException(String message, Throwable cause, BootstrapRunner.Report report, List<StageName> notRun) {
        super(message, cause);
        this.report = report;
        this.notRun = List.copyOf(notRun);
    }

    /** Every stage's result in this run; the last one is the failed stage, with its error. */
    public BootstrapRunner.Report report() {
        return report;
    }

    /** The selected stages after the failed one, not attempted. */
    public List<StageName> notRun() {
        return notRun;
    }
}
