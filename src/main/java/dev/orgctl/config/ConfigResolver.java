package dev.orgctl.config;

import dev.orgctl.hosts.CommitIdentity;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves every {@link Setting} as flag &gt; environment &gt; config file &gt; default, and
 * validates the result. The first invalid value stops it with a {@link ConfigException} whose
 * message names the setting and what is allowed, and never repeats a secret value.
 */
public final class ConfigResolver {
    /** Environment variable naming the config file, when no {@code --config} flag is given. */
    public static final String CONFIG_ENV = "ORGCTL_CONFIG";
    private static final Set<String> NATS_SCHEMES = Set.of("nats", "tls", "ws", "wss");

    private final Map<Setting, String> values;
    /** Where a value read from the file stands ({@code FILE:LINE}); absent for flags, environment, defaults. */
    private final Map<Setting, String> fromFileAt;

    /** The orgctl.yaml read, if any: the Terraform state policy is read from it too. */
    private final Optional<Path> file;

    /** The settings a flag, the environment or the file gave (not a default). */
    private final Set<Setting> given;

    private ConfigResolver(Map<Setting, String> values, Map<Setting, String> fromFileAt, Optional<Path> file,
                           Set<Setting> given) {
        this.values = values;
        this.given = given;
        this.fromFileAt = fromFileAt;
        this.file = file;
    }

    /**
     * @param flags      values given on the command line
     * @param env        the process environment
     * @param configFile an explicit config file ({@code --config}); when empty, {@code ORGCTL_CONFIG}
     *                   or an {@code orgctl.yaml} in the working directory is read if present
     */
    public static OrgctlConfig resolve(Map<Setting, String> flags, Map<String, String> env, Optional<Path> configFile) {
        Optional<Path> file = configFile.or(() -> Optional.ofNullable(env.get(CONFIG_ENV)).filter(s -> !s.isBlank()).map(Path::of));
        Optional<ConfigFile.Values> read = file.or(() -> Optional.of(Path.of("orgctl.yaml")).filter(Files::isRegularFile))
                .map(ConfigFile::readValues);
        Map<Setting, String> fromFile = read.map(ConfigFile.Values::values).orElse(Map.of());
        Map<Setting, String> merged = new EnumMap<>(Setting.class);
        Map<Setting, String> fromFileAt = new EnumMap<>(Setting.class);
        Set<Setting> given = java.util.EnumSet.noneOf(Setting.class);
        for (Setting s : Setting.values()) {
            String v = flags.get(s);
            if (blank(v)) {
                v = env.get(s.env());
            }
            if (blank(v)) {
                v = fromFile.get(s);
                if (!blank(v)) {
                    fromFileAt.put(s, read.get().where(s));
                }
            }
            if (!blank(v)) {
                given.add(s);
            }
            if (blank(v)) {
                v = s.defaultValue().orElse(null);
            }
            if (!blank(v)) {
                merged.put(s, v.trim());
            }
        }
        return new ConfigResolver(merged, fromFileAt, read.map(ConfigFile.Values::file), given).build();
    }

    private OrgctlConfig build() {
        NatsSettings nats = new NatsSettings(
                natsUrls(),
                readableFile(Setting.NATS_CREDS_FILE),
                readableFile(Setting.NATS_NKEY_FILE),
                secret(Setting.NATS_TOKEN),
                text(Setting.NATS_USER),
                secret(Setting.NATS_PASSWORD),
                readableFile(Setting.NATS_TLS_CA_FILE),
                readableFile(Setting.NATS_TLS_CERT_FILE),
                readableFile(Setting.NATS_TLS_KEY_FILE),
                text(Setting.NATS_JETSTREAM_DOMAIN),
                executable(Setting.NATS_SERVER_BIN),
                intInRange(Setting.NATS_REPLICAS, 1, 5),
                given.contains(Setting.NATS_REPLICAS),
                positiveDuration(Setting.NATS_WAIT));
        checkNatsAuth(nats);
        GitHubSettings github = new GitHubSettings(
                text(Setting.GITHUB_ORG).map(o -> checkOrg(o)),
                apiUrl(),
                secret(Setting.GITHUB_TOKEN),
                longValue(Setting.GITHUB_APP_ID),
                readableFile(Setting.GITHUB_APP_PRIVATE_KEY_FILE),
                longValue(Setting.GITHUB_APP_INSTALLATION_ID),
                parse(Setting.GITHUB_WRITE_BUDGET, GitHubWriteBudget::parse));
        if (github.appId().isPresent() != github.appPrivateKeyFile().isPresent()) {
            throw new ConfigException("a GitHub App needs both " + Setting.GITHUB_APP_ID.env() + " and "
                    + Setting.GITHUB_APP_PRIVATE_KEY_FILE.env() + "; only one is set");
        }
        return new OrgctlConfig(
                nats,
                Path.of(values.get(Setting.DATA_DIR)).toAbsolutePath().normalize(),
                parse(Setting.HTTP_ADDR, HostPort::parse),
                oneOf(Setting.BACKEND, Backend.class),
                text(Setting.GIT_ROOT).map(Path::of),
                github,
                webhookSecrets(),
                positiveDuration(Setting.DEDUP_WINDOW),
                oneOf(Setting.LOG_FORMAT, LogFormat.class),
                httpCapacity(),
                yesNo(Setting.APPLY_TOPOLOGY),
                gatewayTuning(),
                controllerTuning(),
                commitAuthor(),
                retry(),
                new GitCiSettings(yesNo(Setting.GIT_CI), positiveDuration(Setting.GIT_CI_TIMEOUT),
                        intInRange(Setting.GIT_CI_PARALLEL, 1, 64)),
                tfstateAuth(), tfstateTuning());
    }

    private TfstateAuthSettings tfstateAuth() {
        String raw = values.get(Setting.TFSTATE_OIDC_ISSUER);
        URI issuer;
        try {
            issuer = new URI(raw);
        } catch (URISyntaxException e) {
            throw invalid(Setting.TFSTATE_OIDC_ISSUER, raw, TfstateAuthSettings.ISSUER_RULE);
        }
        if (!TfstateAuthSettings.acceptableIssuer(issuer)) {
            throw invalid(Setting.TFSTATE_OIDC_ISSUER, raw, TfstateAuthSettings.ISSUER_RULE);
        }
        String audience = values.get(Setting.TFSTATE_OIDC_AUDIENCE);
        if (!audience.matches("\\S{1,256}")) {
            throw invalid(Setting.TFSTATE_OIDC_AUDIENCE, audience, "expected one word (no spaces), such as orgctl");
        }
        return new TfstateAuthSettings(issuer, audience, file.map(p -> p.toAbsolutePath().normalize()));
    }

    private TfstateTuning tfstateTuning() {
        long maxBytes = parse(Setting.TFSTATE_MAX_BYTES, Sizes::parse);
        if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 64) {
            throw invalid(Setting.TFSTATE_MAX_BYTES, values.get(Setting.TFSTATE_MAX_BYTES),
                    "expected a size from 1 byte to 2GiB");
        }
        return new TfstateTuning(intInRange(Setting.TFSTATE_VERSIONS, 1, 10_000), maxBytes,
                intInRange(Setting.TFSTATE_MAX_INFLIGHT, 1, 1024), positiveDuration(Setting.TFSTATE_MAX_HOLD),
                readableFile(Setting.TFSTATE_KEY_FILE));
    }

    private GatewayTuning gatewayTuning() {
        long maxBody = parse(Setting.MAX_BODY, Sizes::parse);
        if (maxBody < 1 || maxBody > Integer.MAX_VALUE - 16) {
            throw invalid(Setting.MAX_BODY, values.get(Setting.MAX_BODY), "expected a size from 1 byte to 2GiB");
        }
        return new GatewayTuning(yesNo(Setting.INSECURE_NO_SIGNATURE), maxBody, positiveDuration(Setting.NATS_TIMEOUT),
                intInRange(Setting.HTTP_THREADS, 1, 1024), positiveDuration(Setting.SHUTDOWN_GRACE));
    }

    private ControllerTuning controllerTuning() {
        Duration every = durationOrZero(Setting.RECONCILE_EVERY);
        String breaker = values.get(Setting.BREAKER);
        String[] b = breaker.split("/", 2);
        int commits;
        Duration window;
        try {
            commits = Integer.parseInt(b[0].trim());
            window = Durations.parse(b.length > 1 ? b[1] : "10m");
        } catch (IllegalArgumentException e) {
            throw invalid(Setting.BREAKER, breaker, "expected N/DURATION (for example 5/10m)");
        }
        if (commits < 1 || window.isZero() || window.isNegative()) {
            throw invalid(Setting.BREAKER, breaker, "expected at least 1 commit per window longer than zero");
        }
        Duration settle = durationOrZero(Setting.SETTLE);
        Duration maxSettle = positiveDuration(Setting.MAX_SETTLE);
        if (maxSettle.compareTo(settle) < 0) {
            throw invalid(Setting.MAX_SETTLE, values.get(Setting.MAX_SETTLE), "expected at least "
                    + Setting.SETTLE.env() + " (" + Durations.format(settle) + ")");
        }
        return new ControllerTuning(intInRange(Setting.WORKERS, 1, 1024),
                every.isZero() ? Optional.empty() : Optional.of(every),
                intInRange(Setting.MAX_DEPTH, 0, 1000), commits, window,
                intInRange(Setting.MAX_LOCK_FAILURES, 1, 1000), durationOrZero(Setting.WATCH_INTERVAL),
                positiveDuration(Setting.REPO_LOCK_WAIT), settle, maxSettle, yesNo(Setting.PREVIEW_COMMENT),
                positiveDuration(Setting.ROLLOUT_TICK), positiveDuration(Setting.ROLLOUT_POLL));
    }

    private CommitIdentity commitAuthor() {
        return parse(Setting.COMMIT_AUTHOR, CommitIdentity::parse);
    }

    private boolean yesNo(Setting s) {
        String v = values.get(s);
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw invalid(s, v, "expected true or false");
        };
    }

    /** A duration, where {@code 0} means zero (off). */
    private Duration durationOrZero(Setting s) {
        if ("0".equals(values.get(s))) {
            return Duration.ZERO;
        }
        return parse(s, Durations::parse);
    }

    private RetrySettings retry() {
        Duration initial = positiveDuration(Setting.RETRY_INITIAL);
        Duration max = positiveDuration(Setting.RETRY_MAX);
        if (max.compareTo(initial) < 0) {
            throw invalid(Setting.RETRY_MAX, values.get(Setting.RETRY_MAX),
                    "expected at least " + Setting.RETRY_INITIAL.env() + " (" + Durations.format(initial) + ")");
        }
        String jitterText = values.get(Setting.RETRY_JITTER);
        double jitter;
        try {
            jitter = Double.parseDouble(jitterText);
        } catch (NumberFormatException e) {
            jitter = Double.NaN;
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw invalid(Setting.RETRY_JITTER, jitterText, "expected a fraction from 0 to 1");
        }
        return new RetrySettings(intInRange(Setting.RETRY_MAX_ATTEMPTS, 1, 1000), initial, max, jitter);
    }

    private HttpCapacity httpCapacity() {
        Optional<Long> budget = text(Setting.HTTP_BODY_BUDGET).map(v -> {
            long n = parse(Setting.HTTP_BODY_BUDGET, Sizes::parse);
            if (n < 1024) {
                throw invalid(Setting.HTTP_BODY_BUDGET, v, "expected a size of at least 1KiB");
            }
            return n;
        });
        return new HttpCapacity(budget, intInRange(Setting.HTTP_MAX_CONNECTIONS, 1, 1_000_000),
                intInRange(Setting.HTTP_MAX_CONNECTIONS_PER_ADDRESS, 1, 1_000_000));
    }

    private List<String> natsUrls() {
        Optional<String> raw = text(Setting.NATS_URL);
        if (raw.isEmpty()) {
            return List.of();
        }
        List<String> urls = new ArrayList<>();
        for (String part : raw.get().split(",")) {
            String url = part.trim();
            if (url.isEmpty()) {
                continue;
            }
            if (!url.contains("://")) {
                url = "nats://" + url;
            }
            try {
                URI uri = new URI(url);
                if (!NATS_SCHEMES.contains(uri.getScheme()) || uri.getHost() == null) {
                    throw new URISyntaxException(url, "bad scheme or host");
                }
            } catch (URISyntaxException e) {
                throw invalid(Setting.NATS_URL, NatsSettings.redact(url),
                        "expected nats://host:port, tls://host:port, ws:// or wss://, comma-separated for several servers");
            }
            urls.add(url);
        }
        return urls;
    }

    private static void checkNatsAuth(NatsSettings n) {
        int kinds = (n.credsFile().isPresent() ? 1 : 0) + (n.nkeyFile().isPresent() ? 1 : 0)
                + (n.token().isPresent() ? 1 : 0) + (n.user().isPresent() ? 1 : 0);
        if (kinds > 1) {
            throw new ConfigException("NATS authentication is ambiguous: set only one of NATS_CREDS_FILE, "
                    + "NATS_NKEY_FILE, NATS_TOKEN or NATS_USER/NATS_PASSWORD");
        }
        if (n.user().isPresent() != n.password().isPresent()) {
            throw new ConfigException("NATS_USER and NATS_PASSWORD go together; only one is set");
        }
        if (n.tlsCertFile().isPresent() != n.tlsKeyFile().isPresent()) {
            throw new ConfigException("NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together; only one is set");
        }
    }

    private String checkOrg(String org) {
        // GitHub logins: alphanumerics and single hyphens, at most 39 characters.
        if (!org.matches("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")) {
            throw invalid(Setting.GITHUB_ORG, org, "an organization login is letters, digits and hyphens, at most 39 characters");
        }
        return org;
    }

    private URI apiUrl() {
        String raw = values.get(Setting.GITHUB_API_URL);
        try {
            URI uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(raw, "not http(s)");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw invalid(Setting.GITHUB_API_URL, raw, "expected an http(s) URL such as https://api.github.com");
        }
    }

    private WebhookSecrets webhookSecrets() {
        Optional<String> raw = text(Setting.GITHUB_WEBHOOK_SECRET);
        if (raw.isEmpty()) {
            return new WebhookSecrets(List.of());
        }
        List<Secret> secrets = Arrays.stream(raw.get().split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(Secret::of).toList();
        return new WebhookSecrets(secrets);
    }

    private Optional<String> text(Setting s) {
        return Optional.ofNullable(values.get(s));
    }

    private Optional<Secret> secret(Setting s) {
        return text(s).map(Secret::of);
    }

    private Optional<Path> readableFile(Setting s) {
        return text(s).map(v -> {
            Path p = Path.of(v);
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw invalid(s, v, "expected a readable file; it does not exist or cannot be read");
            }
            return p;
        });
    }

    private Optional<Path> executable(Setting s) {
        return text(s).map(v -> {
            Path p = Path.of(v);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw invalid(s, v, "expected an executable nats-server binary; install one with: apt-get install nats-server");
            }
            return p;
        });
    }

    private int intInRange(Setting s, int min, int max) {
        String v = values.get(s);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(s, v, "expected a whole number from " + min + " to " + max);
    }

    private Optional<Long> longValue(Setting s) {
        return text(s).map(v -> {
            try {
                long n = Long.parseLong(v);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw invalid(s, v, "expected a positive number");
        });
    }

    private Duration positiveDuration(Setting s) {
        String v = values.get(s);
        Duration d = parse(s, Durations::parse);
        if (d.isZero() || d.isNegative()) {
            throw invalid(s, v, "expected a duration greater than zero");
        }
        return d;
    }

    private <E extends Enum<E>> E oneOf(Setting s, Class<E> type) {
        String v = values.get(s);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : " or ").append(c.name().toLowerCase(Locale.ROOT));
            }
            throw invalid(s, v, "expected " + allowed);
        }
    }

    private <T> T parse(Setting s, java.util.function.Function<String, T> parser) {
        String v = values.get(s);
        try {
            return parser.apply(v);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigException(named(s) + ": " + (s.secret() ? "invalid value" : e.getMessage()));
        }
    }

    private ConfigException invalid(Setting s, String value, String allowed) {
        String shown = s.secret() ? "" : " '" + value + "'";
        return new ConfigException(named(s) + ":" + shown + " is not valid; " + allowed);
    }

    /** The setting's three names, after the file and line its value came from when it came from the file. */
    private String named(Setting s) {
        String at = fromFileAt.get(s);
        return (at == null ? "" : at + ": ") + s.displayName();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
