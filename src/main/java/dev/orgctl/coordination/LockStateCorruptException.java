package dev.orgctl.coordination;

import dev.orgctl.OrgctlException;

/**
 * A lock bucket answered inconsistently: a create-if-absent succeeded, but a read of the key right
 * after it did not show that write (nothing, another holder, or another revision). The server's
 * per-key state of the bucket cannot be trusted (seen on nats-server 2.9.10 after unclean
 * shutdowns), so no lock was taken: believing it would let two holders in.
 */
public final class LockStateCorruptException extends OrgctlException {
    private final String bucket;
    private final String lockName;

    public LockStateCorruptException(String bucket, String lockName, String observed) {
        super("lock bucket " + bucket + " is inconsistent: a create of " + lockName + " succeeded but " + observed
                + "; no lock was taken. The bucket's per-key state on the server is corrupt (seen after unclean "
                + "nats-server shutdowns): stop everything that uses it, delete its stream (nats stream rm KV_" + bucket
                + "), run 'orgctl topology apply' to create it again, and upgrade nats-server "
                + "(docs/coordination.md, 'A lock bucket the server corrupted')");
        this.bucket = bucket;
        this.lockName = lockName;
    }

    public String bucket() {
        return bucket;
    }

    public String lockName() {
        return lockName;
    }

    /** False: the bucket needs repair by a person (see the message); retrying could let two holders in. */
    @Override
    public boolean retryable() {
        return false;
    }
}
