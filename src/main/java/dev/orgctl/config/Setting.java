package dev.orgctl.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every runtime setting orgctl reads, with its three names: the environment variable, the key in
 * {@code orgctl.yaml} (a dotted path) and the command-line flag. The order of precedence is
 * flag &gt; environment &gt; file &gt; default, resolved by {@link ConfigResolver}.
 */
public enum Setting {
    NATS_URL("NATS_URL", "nats.url", "--nats-url", false, null,
            "NATS server URL(s), comma-separated; unset: orgctl starts its embedded server"),
    NATS_CREDS_FILE("NATS_CREDS_FILE", "nats.creds_file", "--nats-creds-file", false, null,
            "NATS credentials file (JWT + NKey seed, as Synadia Cloud hands out)"),
    NATS_NKEY_FILE("NATS_NKEY_FILE", "nats.nkey_file", "--nats-nkey-file", false, null,
            "file holding an NKey seed"),
    NATS_TOKEN("NATS_TOKEN", "nats.token", "--nats-token", true, null, "NATS authentication token"),
    NATS_USER("NATS_USER", "nats.user", "--nats-user", false, null, "NATS user name"),
    NATS_PASSWORD("NATS_PASSWORD", "nats.password", "--nats-password", true, null, "NATS password"),
    NATS_TLS_CA_FILE("NATS_TLS_CA_FILE", "nats.tls.ca_file", "--nats-tls-ca-file", false, null,
            "PEM file of the CA that signed the NATS server's certificate"),
    NATS_TLS_CERT_FILE("NATS_TLS_CERT_FILE", "nats.tls.cert_file", "--nats-tls-cert-file", false, null,
            "PEM client certificate for mutual TLS"),
    NATS_TLS_KEY_FILE("NATS_TLS_KEY_FILE", "nats.tls.key_file", "--nats-tls-key-file", false, null,
            "PEM private key of the client certificate"),
    NATS_JETSTREAM_DOMAIN("NATS_JETSTREAM_DOMAIN", "nats.jetstream_domain", "--nats-jetstream-domain", false, null,
            "JetStream domain (leaf nodes, Synadia Cloud)"),
    NATS_SERVER_BIN("NATS_SERVER_BIN", "nats.server_bin", "--nats-server-bin", false, null,
            "nats-server binary for the embedded server (default: found on PATH)"),
    NATS_REPLICAS("ORGCTL_NATS_REPLICAS", "nats.replicas", "--nats-replicas", false, "1",
            "replicas of every stream and bucket: 1 for a single server, 3 for a cluster"),
    DATA_DIR("ORGCTL_DATA_DIR", "data_dir", "--data-dir", false, "./.orgctl", "local state directory"),
    HTTP_ADDR("ORGCTL_HTTP_ADDR", "http_addr", "--http-addr", false, "127.0.0.1:8080",
            "gateway address host:port"),
    BACKEND("ORGCTL_BACKEND", "backend", "--backend", false, "git", "repository host: github or git"),
    GIT_ROOT("ORGCTL_GIT_ROOT", "git_root", "--git-root", false, null,
            "root of the bare repositories of the git backend (<root>/<org>/<repo>.git)"),
    GITHUB_ORG("GITHUB_ORG", "github.org", "--org", false, null, "the organization"),
    GITHUB_API_URL("GITHUB_API_URL", "github.api_url", "--github-api-url", false, "https://api.github.com",
            "GitHub API base URL (GitHub Enterprise Server and tests set it)"),
    GITHUB_TOKEN("GITHUB_TOKEN", "github.token", "--github-token", true, null, "GitHub token"),
    GITHUB_APP_ID("GITHUB_APP_ID", "github.app_id", "--github-app-id", false, null, "GitHub App id"),
    GITHUB_APP_PRIVATE_KEY_FILE("GITHUB_APP_PRIVATE_KEY_FILE", "github.app_private_key_file",
            "--github-app-private-key-file", false, null, "GitHub App private key (PEM)"),
    GITHUB_APP_INSTALLATION_ID("GITHUB_APP_INSTALLATION_ID", "github.app_installation_id",
            "--github-app-installation-id", false, null, "GitHub App installation id (default: discovered)"),
    GITHUB_WEBHOOK_SECRET("GITHUB_WEBHOOK_SECRET", "github.webhook_secret", "--webhook-secret", true, null,
            "webhook secret(s), comma-separated for rotation: the first signs, all verify"),
    GITHUB_WRITE_BUDGET("ORGCTL_GITHUB_WRITE_BUDGET", "github.write_budget", "--github-write-budget", false,
            GitHubWriteBudget.GITHUB_COM,
            "content-creating GitHub requests allowed per window, shared by all replicas: N/WINDOW,... "
                    + "(github.com's by default) or off (GitHub Enterprise Server without a ceiling)"),
    DEDUP_WINDOW("ORGCTL_DEDUP_WINDOW", "gateway.dedup_window", "--dedup-window", false, "7d",
            "how long a delivery id is remembered to refuse redeliveries"),
    // Gateway HTTP capacity (issue 12)
    HTTP_BODY_BUDGET("ORGCTL_HTTP_BODY_BUDGET", "gateway.body_budget", "--http-body-budget", false, null,
            "request body bytes all clients together may hold in memory, e.g. 256MiB (default: a quarter of the heap)"),
    HTTP_MAX_CONNECTIONS("ORGCTL_HTTP_MAX_CONNECTIONS", "gateway.max_connections", "--http-max-connections", false,
            "10000", "open HTTP connections to the gateway, all clients together"),
    HTTP_MAX_CONNECTIONS_PER_ADDRESS("ORGCTL_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "gateway.max_connections_per_address",
            "--http-max-connections-per-address", false, "1000", "open HTTP connections from one client address"),
    // The controller's retry policy (issue 14): attempts of an event or a job, and the backoff between them
    RETRY_MAX_ATTEMPTS("ORGCTL_RETRY_MAX_ATTEMPTS", "controller.retry.max_attempts", "--retry-max-attempts", false, "5",
            "attempts of a delivery (or failed runs of a job) before it goes to ORGCTL_DLQ"),
    RETRY_INITIAL("ORGCTL_RETRY_INITIAL", "controller.retry.initial", "--retry-initial", false, "2s",
            "wait after the first failed attempt; it doubles with each further one"),
    RETRY_MAX("ORGCTL_RETRY_MAX", "controller.retry.max", "--retry-max", false, "1m",
            "longest wait between two attempts"),
    RETRY_JITTER("ORGCTL_RETRY_JITTER", "controller.retry.jitter", "--retry-jitter", false, "0",
            "fraction (0 to 1) by which a wait is shortened at random, so replicas that fail together do not retry together"),
    LOG_FORMAT("ORGCTL_LOG_FORMAT", "log_format", "--log-format", false, "text", "log format: text or json");

    private final String env;
    private final String yamlKey;
    private final String flag;
    private final boolean secret;
    private final String defaultValue;
    private final String description;

    Setting(String env, String yamlKey, String flag, boolean secret, String defaultValue, String description) {
        this.env = env;
        this.yamlKey = yamlKey;
        this.flag = flag;
        this.secret = secret;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String env() {
        return env;
    }

    public String yamlKey() {
        return yamlKey;
    }

    public String flag() {
        return flag;
    }

    public boolean secret() {
        return secret;
    }

    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public String description() {
        return description;
    }

    public static Optional<Setting> byYamlKey(String key) {
        return Arrays.stream(values()).filter(s -> s.yamlKey.equals(key)).findFirst();
    }

    /** How a person would name this setting in an error: all three spellings. */
    public String displayName() {
        return env + " (" + flag + ", " + yamlKey + " in orgctl.yaml)";
    }
}
