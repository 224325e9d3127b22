package dev.orgctl.coordination;

/** JetStream refused a coordination request for a reason other than a lost compare-and-set. */
public final class CoordinationException extends RuntimeException {
    public CoordinationException(String message, Throwable cause) {
        super(message, cause);
    }
}
