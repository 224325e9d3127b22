package dev.orgctl.config;

import dev.orgctl.OrgctlException;
/**
 * A configuration problem a person can fix: the message is one line naming the key and what is
 * allowed. It never contains a secret value.
 */
public final class ConfigException extends OrgctlException {
    public ConfigException(String message) {
        super(message, null, false);
    }

    /** A person must change the configuration: running again unchanged fails the same way. */
    @Override
    public boolean retryable() {
        return false;
    }
}
