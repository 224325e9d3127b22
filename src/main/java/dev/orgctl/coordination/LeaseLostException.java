package dev.orgctl.coordination;

/**
 * The caller no longer holds a lock it believed it held: the lease ran out without a renewal, or
 * the lock was released by force, or another holder took it. Work under the lock must stop before
 * its next external write.
 */
public final class LeaseLostException extends RuntimeException {
    private final String lockName;

    public LeaseLostException(String lockName, String message) {
        super("lost the lock " + lockName + ": " + message);
        this.lockName = lockName;
    }

    public String lockName() {
        return lockName;
    }
}
