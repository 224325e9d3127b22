package dev.orgctl.config;

/**
 * A configuration problem a person can fix: the message is one line naming the key and what is
 * allowed. It never contains a secret value.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
