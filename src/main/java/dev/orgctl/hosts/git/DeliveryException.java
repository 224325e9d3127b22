package dev.orgctl.hosts.git;

/** A delivery was not acknowledged: the watcher keeps its ref state and emits it again later. */
public class DeliveryException extends Exception {
    public DeliveryException(String message) {
        super(message);
    }

    public DeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
