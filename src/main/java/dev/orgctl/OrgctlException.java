package dev.orgctl;

/**
 * The root of every failure orgctl raises on purpose, in the manner of JGit's single exception
 * tree: a caller that needs to decide what happens next (retry a job, pick an exit code) asks the
 * failure instead of testing its type against a list.
 */
public abstract class OrgctlException extends RuntimeException {
    protected OrgctlException(String message) {
        super(message);
    }

    protected OrgctlException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * For failures whose message is the whole story (a bad setting, a template error a person
     * fixes): no stack trace is taken, because none is ever shown and some are raised per file.
     */
    protected OrgctlException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, false, writableStackTrace);
    }

    /**
     * Whether the same work may succeed if done again later without a person acting: a host or
     * NATS that is away, a lock held by someone else. False for bad input, a broken configuration
     * or state that needs repair.
     */
    public abstract boolean retryable();
}
