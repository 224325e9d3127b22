package dev.orgctl.hosts;

/** A repository host could not be read or written (I/O, corrupt repository, API failure). */
public class HostException extends RuntimeException {
    public HostException(String message) {
        super(message);
    }

    public HostException(String message, Throwable cause) {
        super(message, cause);
    }
}
