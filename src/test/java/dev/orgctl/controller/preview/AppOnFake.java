package dev.orgctl.controller.preview;

import dev.orgctl.config.GitHubSettings;
import dev.orgctl.hosts.github.GitHubClient;
import dev.orgctl.hosts.github.GitHubClients;
import dev.orgctl.hosts.github.RateListener;
import dev.orgctl.hosts.github.WriteBudget;
import dev.orgctl.testing.github.AppKeys;
import dev.orgctl.testing.github.GitHubFake;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Map;
import java.util.Optional;

/** orgctl's GitHub App (id {@value #APP_ID}) installed on the fake's org {@code acme}, and a client signed by it. */
final class AppOnFake {
    static final long APP_ID = 91;

    private AppOnFake() {
    }

    /** Registers and installs the App with {@code permissions}; its key goes to {@code dir}. */
    static GitHubSettings install(GitHubFake fake, Path dir, Map<String, String> permissions) {
        KeyPair key = AppKeys.generate();
        fake.registerApp(APP_ID, "orgctl", key.getPublic());
        fake.installApp(APP_ID, "acme", permissions);
        return new GitHubSettings(Optional.of("acme"), URI.create(fake.url()), Optional.empty(), Optional.of(APP_ID),
                Optional.of(AppKeys.writePkcs1(key, dir.resolve("app.pem"))), Optional.empty());
    }

    static GitHubClient client(GitHubSettings settings) {
        return GitHubClients.create(settings, WriteBudget.UNLIMITED, RateListener.NONE);
    }

    static GitHubClient client(GitHubFake fake, Path dir, Map<String, String> permissions) {
        return client(install(fake, dir, permissions));
    }
}
