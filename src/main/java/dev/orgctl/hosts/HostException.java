package dev.orgctl.hosts;

import dev.orgctl.OrgctlException;
/** A repository host could not be read or written (I/O, corrupt repository, API failure). */
public class HostException extends OrgctlException {
    public HostException(String message) {
        super(message);
    }

    public HostException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * True: the host could not be read or written (I/O, a host that is away), which the controller
     * has always retried with backoff. Subclasses that know better (a GitHub 4xx) say false.
     */
    @Override
    public boolean retryable() {
        return true;
    }
}
