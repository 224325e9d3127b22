package dev.orgctl.tfstate;

import dev.orgctl.OrgctlException;

/**
 * A failure of the Terraform state backend. {@code retryable} when JetStream was away or a
 * compare-and-set was lost too often; not when the request or the stored data is wrong.
 */
public class TfstateException extends OrgctlException {
    private final boolean retryable;

    public TfstateException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public TfstateException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    @Override
    public boolean retryable() {
        return retryable;
    }
}
