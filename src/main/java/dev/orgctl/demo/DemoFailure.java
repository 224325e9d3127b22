package dev.orgctl.demo;

import dev.orgctl.OrgctlException;

/** The demo could not show what it set out to show; the message says what went wrong. */
public final class DemoFailure extends OrgctlException {
    public DemoFailure(String message) {
        super(message);
    }

    /** False: the demo showed something other than what it set out to show; running it again shows the same. */
    @Override
    public boolean retryable() {
        return false;
    }
}
