package dev.orgctl.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

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
    NATS_WAIT("ORGCTL_NATS_WAIT", "nats.wait", "--nats-wait", false, "30s",
            "how long a command or service waits for JetStream to answer (a cluster electing its leader) before "
                    + "it fails"),
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
    LOG_FORMAT("ORGCTL_LOG_FORMAT", "log_format", "--log-format", false, "text", "log format: text or json"),
    // The services' own settings (issue 14): flags of up and gateway only, but env and file keys as everywhere
    APPLY_TOPOLOGY("ORGCTL_APPLY_TOPOLOGY", "apply_topology", "--apply-topology", false, "false",
            "also update existing streams, buckets and consumers that differ from the declaration "
                    + "(false: create what is missing, report the rest)", Scope.SERVICES),
    INSECURE_NO_SIGNATURE("ORGCTL_INSECURE_NO_SIGNATURE", "gateway.insecure_no_signature", "--insecure-no-signature",
            false, "false", "accept deliveries without verifying their signature; only for local experiments when no "
                    + "webhook secret is configured (a warning is logged at start)", Scope.SERVICES),
    MAX_BODY("ORGCTL_MAX_BODY", "gateway.max_body", "--max-body", false, "25MiB",
            "largest delivery accepted, e.g. 25MiB, 512KiB (GitHub's cap); larger ones get 413 without being read",
            Scope.SERVICES),
    NATS_TIMEOUT("ORGCTL_NATS_TIMEOUT", "gateway.nats_timeout", "--nats-timeout", false, "2s",
            "how long one JetStream call of a delivery may take before it is answered 503 (GitHub waits 10s for "
                    + "the whole answer)", Scope.SERVICES),
    HTTP_THREADS("ORGCTL_HTTP_THREADS", "gateway.http_threads", "--http-threads", false, "32",
            "threads for the gateway's blocking work: bodies over 256 KiB, repeats, readiness, metrics; a delivery "
                    + "waiting for JetStream holds none", Scope.SERVICES),
    SHUTDOWN_GRACE("ORGCTL_SHUTDOWN_GRACE", "gateway.shutdown_grace", "--shutdown-grace", false, "15s",
            "on stop, how long in-flight requests may take to finish", Scope.SERVICES),
    WORKERS("ORGCTL_WORKERS", "controller.workers", "--workers", false, "2",
            "regeneration jobs this process works on at once", Scope.CONTROLLER),
    RECONCILE_EVERY("ORGCTL_RECONCILE_EVERY", "controller.reconcile_every", "--reconcile-every", false, "1h",
            "periodic full reconcile, the safety net for missed events; 0 turns it off", Scope.CONTROLLER),
    MAX_DEPTH("ORGCTL_MAX_DEPTH", "controller.max_depth", "--max-depth", false, "3",
            "reactions to orgctl's own commits before a job is stopped", Scope.CONTROLLER),
    BREAKER("ORGCTL_BREAKER", "controller.breaker", "--breaker", false, "5/10m",
            "circuit breaker: at most N regeneration commits per repository per DURATION", Scope.CONTROLLER),
    MAX_LOCK_FAILURES("ORGCTL_MAX_LOCK_FAILURES", "controller.max_lock_failures", "--max-lock-failures", false, "3",
            "times a job may lose its repository lock (or find the lock bucket inconsistent) before its workflow "
                    + "is FAILED and the job goes to the DLQ", Scope.CONTROLLER),
    WATCH_INTERVAL("ORGCTL_WATCH_INTERVAL", "controller.watch_interval", "--watch-interval", false, "500ms",
            "git backend: how often the ref watcher looks for pushes", Scope.CONTROLLER),
    // The git backend's simulated CI (issue 17): a repository's executable .orgctl/ci, run on each new head
    GIT_CI("ORGCTL_GIT_CI", "controller.git_ci", "--git-ci", false, "true",
            "git backend: run a repository's executable .orgctl/ci on each new head of its default branch and "
                    + "deliver the result as a check_suite; off: no simulated CI", Scope.CONTROLLER),
    GIT_CI_TIMEOUT("ORGCTL_GIT_CI_TIMEOUT", "controller.git_ci_timeout", "--git-ci-timeout", false, "60s",
            "git backend: how long one CI run may take before it is killed (conclusion timed_out)", Scope.CONTROLLER),
    GIT_CI_PARALLEL("ORGCTL_GIT_CI_PARALLEL", "controller.git_ci_parallel", "--git-ci-parallel", false, "2",
            "git backend: CI runs at once (more wait in a queue)", Scope.CONTROLLER),
    REPO_LOCK_WAIT("ORGCTL_REPO_LOCK_WAIT", "controller.repo_lock_wait", "--repo-lock-wait", false, "10s",
            "how long a worker waits for a repository's lock before handing the job back", Scope.CONTROLLER),
    SETTLE("ORGCTL_SETTLE", "controller.settle", "--settle", false, "2s",
            "a template change waits this long after its newest push before it runs, so a burst of pushes is one "
                    + "run; 0 runs at once", Scope.CONTROLLER),
    MAX_SETTLE("ORGCTL_MAX_SETTLE", "controller.max_settle", "--max-settle", false, "20s",
            "but a template change never waits longer than this after it was queued", Scope.CONTROLLER),
    PREVIEW_COMMENT("ORGCTL_PREVIEW_COMMENT", "controller.preview_comment", "--preview-comment", false, "false",
            "github backend: also post a template pull request's preview as one comment on it, updated in place "
                    + "(the orgctl / impact check run is always there)", Scope.CONTROLLER),
    ROLLOUT_TICK("ORGCTL_ROLLOUT_TICK", "controller.rollout.tick", "--rollout-tick", false, "1s",
            "how often the rollout driver looks at the rollouts that are rolling or gating", Scope.CONTROLLER),
    ROLLOUT_POLL("ORGCTL_ROLLOUT_POLL", "controller.rollout.poll", "--rollout-poll", false, "30s",
            "how often a rollout's gate asks the host for the CI results of a commit it received none for "
                    + "(and once more at the deadline)", Scope.CONTROLLER),
    // The controller's retry policy (issue 14): attempts of an event or a job, and the backoff between them
    RETRY_MAX_ATTEMPTS("ORGCTL_RETRY_MAX_ATTEMPTS", "controller.retry.max_attempts", "--retry-max-attempts", false, "5",
            "attempts of a delivery (or failed runs of a job) before it goes to ORGCTL_DLQ", Scope.CONTROLLER),
    RETRY_INITIAL("ORGCTL_RETRY_INITIAL", "controller.retry.initial", "--retry-initial", false, "2s",
            "wait after the first failed attempt; it doubles with each further one", Scope.CONTROLLER),
    RETRY_MAX("ORGCTL_RETRY_MAX", "controller.retry.max", "--retry-max", false, "1m",
            "longest wait between two attempts", Scope.CONTROLLER),
    RETRY_JITTER("ORGCTL_RETRY_JITTER", "controller.retry.jitter", "--retry-jitter", false, "0",
            "fraction (0 to 1) by which a wait is shortened at random, so replicas that fail together do not retry together", Scope.CONTROLLER),
        COMMIT_AUTHOR("ORGCTL_COMMIT_AUTHOR", "commit_author", "--author", false, "orgctl <orgctl@localhost>",
            "author and committer of orgctl's commits: 'NAME <EMAIL>'", Scope.COMMITS),
    // Terraform state authentication (issue 18): who issues the GitHub Actions OIDC tokens the backend accepts
    TFSTATE_OIDC_ISSUER("ORGCTL_TFSTATE_OIDC_ISSUER", "tfstate.oidc.issuer", "--tfstate-oidc-issuer", false,
            "https://token.actions.githubusercontent.com",
            "issuer of the GitHub Actions OIDC tokens accepted by the Terraform state backend (GitHub Enterprise "
                    + "Server: https://HOST/_services/token); its keys come from ISSUER/.well-known/openid-configuration",
            Scope.SERVICES),
    TFSTATE_OIDC_AUDIENCE("ORGCTL_TFSTATE_OIDC_AUDIENCE", "tfstate.oidc.audience", "--tfstate-oidc-audience", false,
            "orgctl", "audience (aud) an OIDC token must name to be accepted by the Terraform state backend",
            Scope.SERVICES),
    // The Terraform state backend (issue 18): served by up, read by the tfstate commands
    TFSTATE_VERSIONS("ORGCTL_TFSTATE_VERSIONS", "tfstate.versions", "--tfstate-versions", false, "50",
            "versions kept per Terraform state, the current one included", Scope.STATE_BACKEND),
    TFSTATE_MAX_BYTES("ORGCTL_TFSTATE_MAX_BYTES", "tfstate.max_bytes", "--tfstate-max-bytes", false, "64MiB",
            "largest Terraform state accepted, e.g. 64MiB; larger ones get 413", Scope.STATE_BACKEND),
    TFSTATE_MAX_INFLIGHT("ORGCTL_TFSTATE_MAX_INFLIGHT", "tfstate.max_inflight", "--tfstate-max-inflight", false, "4",
            "Terraform states held in memory at once (reads and writes); beyond it 503 with Retry-After",
            Scope.STATE_BACKEND),
    TFSTATE_MAX_HOLD("ORGCTL_TFSTATE_MAX_HOLD", "tfstate.max_hold", "--tfstate-max-hold", false, "2h",
            "a Terraform state lock held longer counts as released (logged and counted)", Scope.STATE_BACKEND),
    TFSTATE_KEY_FILE("ORGCTL_TFSTATE_KEY_FILE", "tfstate.key_file", "--tfstate-key-file", false, null,
            "file of AES-256 keys encrypting Terraform states at rest, one 'id:base64' a line: the first encrypts, "
                    + "all decrypt (unset: states are stored as sent)", Scope.STATE_BACKEND);

    /**
     * Which commands get the setting's flag. The environment variable and the file key are read,
     * and validated, by every command, as every setting is; only the flag is left off commands
     * that would ignore it.
     */
    @SuppressWarnings("ImmutableEnumChecker") // every Scope holds a Set.of(...), which cannot be changed
    public enum Scope {
        EVERY_COMMAND(Set.of()),
        /** The long-running gateway: {@code up} and {@code gateway}. */
        SERVICES(Set.of("up", "gateway")),
        CONTROLLER(Set.of("up")),
        /** Whatever commits: the controller of {@code up}, and {@code regen apply}. */
        COMMITS(Set.of("up", "regen apply")),
        /** The Terraform state backend: {@code up} serves it, the {@code tfstate} commands read and write it. */
        STATE_BACKEND(Set.of("up", "tfstate list", "tfstate show", "tfstate history", "tfstate get",
                "tfstate rollback", "tfstate unlock"));

        private final Set<String> commands;

        Scope(Set<String> commands) {
            this.commands = commands;
        }

        /** @param command the command's name below {@code orgctl}, e.g. {@code regen apply} */
        public boolean covers(String command) {
            return this == EVERY_COMMAND || commands.contains(command);
        }
    }

    private final String env;
    private final String yamlKey;
    private final String flag;
    private final boolean secret;
    private final String defaultValue;
    private final String description;
    private final Scope scope;

    Setting(String env, String yamlKey, String flag, boolean secret, String defaultValue, String description) {
        this(env, yamlKey, flag, secret, defaultValue, description, Scope.EVERY_COMMAND);
    }

    Setting(String env, String yamlKey, String flag, boolean secret, String defaultValue, String description,
            Scope scope) {
        this.scope = scope;
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

    public Scope scope() {
        return scope;
    }

    /** A yes/no setting: its flag alone means true ({@code --apply-topology}), or takes true or false. */
    public boolean isSwitch() {
        return "false".equals(defaultValue) || "true".equals(defaultValue);
    }

    public static Optional<Setting> byYamlKey(String key) {
        return Arrays.stream(values()).filter(s -> s.yamlKey.equals(key)).findFirst();
    }

    /** How a person would name this setting in an error: all three spellings. */
    public String displayName() {
        return env + " (" + flag + ", " + yamlKey + " in orgctl.yaml)";
    }
}
