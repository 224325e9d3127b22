package dev.orgctl.bootstrap;

/**
 * A bootstrap problem with a message that says what to do. Not final: {@link StageFailedException}
 * adds what the run had done when a stage failed.
 */
public class BootstrapException extends RuntimeException {
    public BootstrapException(String message) {
        super(message);
    }

    public BootstrapException(String message, Throwable cause) {
        super(message, cause);
    }
}
