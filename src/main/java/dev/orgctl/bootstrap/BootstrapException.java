package dev.orgctl.bootstrap;

/** A bootstrap problem with a message that says what to do. */
public final class BootstrapException extends RuntimeException {
    public BootstrapException(String message) {
        super(message);
    }

    public BootstrapException(String message, Throwable cause) {
        super(message, cause);
    }
}
