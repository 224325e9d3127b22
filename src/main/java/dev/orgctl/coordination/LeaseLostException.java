package dev.orgctl.coordination;

import dev.orgctl.OrgctlException;

/**
 * The caller no longer holds a lock it believed it held: the lease ran out without a renewal, or
 * the lock was released by force, or another holder took it. Work under the lock must stop before
 * its next external write.
 */
public final class LeaseLostException extends OrgctlException {
    private final String lockName;

    public LeaseLostException(String lockName, String message) {
        super("lost the lock " + lockName + ": " + message);
        this.lockName = lockName;
    }

    public String lockName() {
        return lockName;
    }

    /** True: the work stopped before its next write, and done again from the start (take the lock, plan again) it may succeed; the controller bounds how often (max lock failures). */
    @Override
    public boolean retryable() {
        return true;
    }
}
