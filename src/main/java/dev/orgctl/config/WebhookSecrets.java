package dev.orgctl.config;

import java.util.List;

/**
 * The webhook secrets, newest first: the first signs, all verify, so a secret can be rotated
 * without refusing deliveries signed with the old one.
 */
public record WebhookSecrets(List<Secret> secrets) {
    public WebhookSecrets {
        secrets = List.copyOf(secrets);
    }

    public boolean none() {
        return secrets.isEmpty();
    }

    public Secret signing() {
        if (secrets.isEmpty()) {
            throw new ConfigException("no webhook secret: set " + Setting.GITHUB_WEBHOOK_SECRET.displayName());
        }
        return secrets.get(0);
    }

    @Override
    public String toString() {
        return "WebhookSecrets[" + secrets.size() + " secret(s)]";
    }
}
