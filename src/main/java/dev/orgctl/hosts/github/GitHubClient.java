package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GitHub's REST and GraphQL APIs over {@code java.net.http}, with the whole rate discipline in one
 * place: it waits for exhausted primary limits instead of failing, backs off from secondary limits
 * as GitHub documents, takes a token of the shared content-creation budget before every write,
 * revalidates conditional reads with ETags (a 304 is free), and turns every other failure into
 * one {@link GitHubApiException} whose message names what to fix. It is thread-safe and meant to be
 * shared by all of a process's workers.
 */
public final class GitHubClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GitHubClient.class);
    /** The REST API version orgctl is written against. */
    public static final String API_VERSION = "2022-11-28";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param apiUrl         {@code https://api.github.com}, or {@code https://HOST/api/v3} for GHES
     * @param etagCapacity   how many URLs' last answers are remembered for conditional requests
     */
    public record Settings(URI apiUrl, Duration connectTimeout, Duration requestTimeout, RatePolicy policy,
                           int etagCapacity, String userAgent) {
        public Settings {
            Objects.requireNonNull(apiUrl, "apiUrl");
        }

        public static Settings defaults(URI apiUrl) {
            return new Settings(apiUrl, Duration.ofSeconds(10), Duration.ofSeconds(60), RatePolicy.github(), 20_000,
                    "orgctl/0.1.0");
        }

        public Settings withPolicy(RatePolicy p) {
            return new Settings(apiUrl, connectTimeout, requestTimeout, p, etagCapacity, userAgent);
        }
    }

    /** What this client has sent, for progress lines, benchmarks and tests. */
    public record Counters(long requests, long notModified, long writes, long rateLimitPauses, long secondaryRetries) {
    }

    private final Settings settings;
    private final String base;
    private final Credentials credentials;
    private final WriteBudget budget;
    private final RateListener listener;
    private final Clock clock;
    private final HttpClient http;
    private final PrimaryLimits primary;
    private final EtagCache etags;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong notModified = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong secondaryRetries = new AtomicLong();

    public GitHubClient(Settings settings, Credentials credentials, WriteBudget budget, RateListener listener,
                        Clock clock) {
        this.settings = settings;
        String b = settings.apiUrl().toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.credentials = credentials;
        this.budget = budget;
        this.listener = listener;
        this.clock = clock;
        this.primary = new PrimaryLimits(clock);
        this.etags = new EtagCache(settings.etagCapacity());
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                // Plain http (tests, a GHES behind a proxy) stays HTTP/1.1: no h2c upgrade dance.
                .version("http".equalsIgnoreCase(settings.apiUrl().getScheme()) ? HttpClient.Version.HTTP_1_1
                        : HttpClient.Version.HTTP_2)
                .build();
    }

    public Credentials credentials() {
        return credentials;
    }

    public Settings settings() {
        return settings;
    }

    public Counters counters() {
        return new Counters(requests.get(), notModified.get(), writes.get(), pauses.get(), secondaryRetries.get());
    }

    /** The GraphQL endpoint: {@code <api>/graphql} on github.com, {@code https://HOST/api/graphql} on GHES. */
    public String graphqlUrl() {
        if (base.endsWith("/api/v3")) {
            return base.substring(0, base.length() - "/api/v3".length()) + "/api/graphql";
        }
        return base + "/graphql";
    }

    public GitHubResponse get(String path) {
        return send(GitHubRequest.get(path));
    }

    /** A GET revalidated with the last ETag of the same URL: unchanged answers cost no rate limit. */
    public GitHubResponse getConditional(String path) {
        return send(GitHubRequest.conditionalGet(path));
    }

    /** A GET where 404 means "absent" rather than an error. */
    public Optional<GitHubResponse> getIfExists(String path, boolean conditional) {
        try {
            return Optional.of(send(conditional ? GitHubRequest.conditionalGet(path) : GitHubRequest.get(path)));
        } catch (GitHubApiException e) {
            if (e.kind() == GitHubApiException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Every item of a paginated list, following {@code Link: rel="next"} to the end. {@code field}
     * names the array when GitHub wraps it in an object (for example {@code repositories}); empty
     * for plain arrays. Pages are conditional requests, so re-listing an unchanged org is free.
     */
    public List<JsonNode> getAll(String path, Optional<String> field) {
        List<JsonNode> items = new ArrayList<>();
        Optional<String> next = Optional.of(path);
        while (next.isPresent()) {
            GitHubResponse page = getConditional(next.get());
            JsonNode array = field.map(f -> page.json().path(f)).orElse(page.json());
            array.forEach(items::add);
            next = page.nextPage();
        }
        return items;
    }

    public GitHubResponse post(String path, Object body) {
        return send(GitHubRequest.write("POST", path, toJson(body)));
    }

    public GitHubResponse patch(String path, Object body) {
        return send(GitHubRequest.write("PATCH", path, toJson(body)));
    }

    public GitHubResponse delete(String path) {
        return send(GitHubRequest.write("DELETE", path, null));
    }

    /** A GraphQL answer: {@code data} (possibly partial) and GitHub's {@code errors}. */
    public record GraphQLResult(JsonNode data, List<JsonNode> errors) {
        public boolean ok() {
            return errors.isEmpty();
        }

        public boolean hasErrorType(String type) {
            return errors.stream().anyMatch(e -> type.equals(e.path("type").asText()));
        }
    }

    /**
     * Runs a GraphQL document. Mutations are writes (they take a content-creation token); queries
     * are reads. Rate-limit errors are waited out like REST ones; other errors are returned for
     * the caller to interpret (a {@code STALE_DATA} error is a moved head, not a failure).
     */
    public GraphQLResult graphql(String query, Map<String, Object> variables, boolean mutation) {
        ObjectNode body = JSON.createObjectNode();
        body.put("query", query);
        body.set("variables", JSON.valueToTree(variables));
        GitHubResponse r = send(new GitHubRequest("POST", graphqlUrl(), body.toString(),
                mutation ? GitHubRequest.Kind.WRITE : GitHubRequest.Kind.READ, false, GitHubRequest.Auth.TOKEN));
        JsonNode json = r.json();
        List<JsonNode> errors = new ArrayList<>();
        json.path("errors").forEach(errors::add);
        return new GraphQLResult(json.path("data"), errors);
    }

    /** {@link #graphql} that throws on any error. */
    public JsonNode graphqlData(String operation, String query, Map<String, Object> variables, boolean mutation) {
        GraphQLResult r = graphql(query, variables, mutation);
        if (!r.ok()) {
            throw ApiErrors.graphql(operation, r.errors(), credentials.describe());
        }
        return r.data();
    }

    /** Sends one call with every retry and wait the rate discipline asks for. */
    public GitHubResponse send(GitHubRequest req) {
        String url = req.path().startsWith("http://") || req.path().startsWith("https://") ? req.path()
                : base + req.path();
        String resource = url.equals(graphqlUrl()) ? "graphql" : "core";
        RatePolicy policy = settings.policy();
        int primaryPauses = 0;
        int secondary = 0;
        int serverRetries = 0;
        boolean renewed = false;
        while (true) {
            Optional<Instant> exhausted = primary.exhaustedUntil(resource);
            if (exhausted.isPresent()) {
                if (primaryPauses++ >= policy.maxPrimaryPauses()) {
                    throw rateLimited(req, "the primary rate limit stayed exhausted");
                }
                pause("primary rate limit (" + resource + ") exhausted", exhausted.get().plus(policy.resetMargin()));
            }
            if (req.kind() == GitHubRequest.Kind.WRITE) {
                try {
                    budget.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw interrupted(req);
                }
            }
            String auth = req.auth() == GitHubRequest.Auth.APP_JWT ? "Bearer " + appCredentials(req).jwt()
                    : credentials.authorization(this);
            Optional<EtagCache.Entry> cached = req.conditional() ? etags.get(url) : Optional.empty();
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                    .timeout(settings.requestTimeout())
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", API_VERSION)
                    .header("User-Agent", settings.userAgent())
                    .header("Authorization", auth);
            cached.ifPresent(c -> b.header("If-None-Match", c.etag()));
            if (req.body() != null) {
                b.header("Content-Type", "application/json");
                b.method(req.method(), HttpRequest.BodyPublishers.ofString(req.body(), StandardCharsets.UTF_8));
            } else {
                b.method(req.method(), "GET".equals(req.method()) || "DELETE".equals(req.method())
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(""));
            }
            HttpResponse<byte[]> resp;
            try {
                requests.incrementAndGet();
                if (req.kind() == GitHubRequest.Kind.WRITE) {
                    writes.incrementAndGet();
                }
                resp = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                if (retryable(req) && serverRetries < policy.maxServerRetries()) {
                    sleep(req, policy.serverErrorBackoff(serverRetries++));
                    continue;
                }
                throw new GitHubApiException(GitHubApiException.Kind.TRANSPORT, 0, req.describe(),
                        "cannot reach GitHub at " + settings.apiUrl() + " for " + req.describe() + ": "
                                + describe(e), Optional.empty(), List.of(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(req);
            }
            int status = resp.statusCode();
            HttpHeaders headers = resp.headers();
            if (req.auth() == GitHubRequest.Auth.TOKEN) {
                primary.observe(resource, headers);
            }
            if (status == 304 && cached.isPresent()) {
                notModified.incrementAndGet();
                return new GitHubResponse(200, cached.get().headers(), cached.get().body(), true);
            }
            Optional<Duration> rateWait = Optional.empty();
            String rateReason = null;
            if (status == 403 || status == 429 || (status == 200 && resource.equals("graphql"))) {
                RateRefusal refusal = classify(status, headers, resp.body());
                if (refusal == RateRefusal.PRIMARY) {
                    if (primaryPauses++ >= policy.maxPrimaryPauses()) {
                        throw rateLimited(req, "the primary rate limit stayed exhausted");
                    }
                    Instant reset = primary.exhaustedUntil(resource).orElse(clock.instant().plusSeconds(1));
                    pause("primary rate limit (" + resource + ") exhausted", reset.plus(policy.resetMargin()));
                    continue;
                }
                if (refusal == RateRefusal.SECONDARY) {
                    if (secondary >= policy.maxSecondaryRetries()) {
                        throw rateLimited(req, "GitHub's secondary rate limit refused " + (secondary + 1) + " attempts");
                    }
                    rateWait = Optional.of(secondaryWait(headers, secondary, policy));
                    rateReason = "secondary rate limit";
                    secondary++;
                    secondaryRetries.incrementAndGet();
                }
            }
            if (rateWait.isPresent()) {
                pause(rateReason, clock.instant().plus(rateWait.get()));
                continue;
            }
            if (status >= 200 && status < 300) {
                if (req.conditional()) {
                    headers.firstValue("ETag").ifPresentOrElse(
                            etag -> etags.put(url, new EtagCache.Entry(etag, headers, resp.body())),
                            () -> etags.remove(url));
                }
                return new GitHubResponse(status, headers, resp.body(), false);
            }
            if (status == 401 && req.auth() == GitHubRequest.Auth.TOKEN && credentials.renewable() && !renewed) {
                // An installation token revoked early: fetch a new one, once.
                credentials.invalidate(auth);
                renewed = true;
                continue;
            }
            if (status >= 500 && retryable(req) && serverRetries < policy.maxServerRetries()) {
                sleep(req, policy.serverErrorBackoff(serverRetries++));
                continue;
            }
            throw ApiErrors.translate(req, status, headers, resp.body(), credentials.describe());
        }
    }

    enum RateRefusal { NONE, PRIMARY, SECONDARY }

    /**
     * GitHub answers both limits with 403 or 429 (GraphQL: 200 with a RATE_LIMITED error), so the
     * status alone is not enough: a 403 without rate-limit signs is a permission error.
     */
    static RateRefusal classify(int status, HttpHeaders h, byte[] body) {
        boolean retryAfter = h.firstValue("retry-after").isPresent();
        boolean remainingZero = h.firstValue("x-ratelimit-remaining").map(v -> v.trim().equals("0")).orElse(false);
        if (status == 200) {
            // GraphQL: only the errors array speaks; file contents in data must never be mistaken for it.
            boolean limited = false;
            boolean secondaryText = false;
            try {
                for (JsonNode e : JSON.readTree(body).path("errors")) {
                    String type = e.path("type").asText("");
                    String msg = e.path("message").asText("").toLowerCase(Locale.ROOT);
                    boolean sec = msg.contains("secondary rate limit") || msg.contains("abuse");
                    secondaryText |= sec;
                    limited |= type.equals("RATE_LIMITED") || msg.contains("rate limit exceeded") || sec;
                }
            } catch (IOException | RuntimeException e) {
                return RateRefusal.NONE;
            }
            if (!limited) {
                return RateRefusal.NONE;
            }
            return remainingZero && !retryAfter && !secondaryText ? RateRefusal.PRIMARY : RateRefusal.SECONDARY;
        }
        String text = new String(body, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        boolean secondaryText = text.contains("secondary rate limit") || text.contains("abuse");
        if (retryAfter || secondaryText) {
            return RateRefusal.SECONDARY;
        }
        if (remainingZero) {
            return RateRefusal.PRIMARY;
        }
        return status == 429 ? RateRefusal.SECONDARY : RateRefusal.NONE;
    }

    /** GitHub's order: retry-after, else the reset when nothing remains, else at least a minute, doubling. */
    private Duration secondaryWait(HttpHeaders h, int attempt, RatePolicy policy) {
        Optional<String> ra = h.firstValue("retry-after");
        if (ra.isPresent()) {
            try {
                return Duration.ofSeconds(Math.max(0, Long.parseLong(ra.get().trim())));
            } catch (NumberFormatException e) {
                // an HTTP-date form: fall through to the backoff
            }
        }
        boolean remainingZero = h.firstValue("x-ratelimit-remaining").map(v -> v.trim().equals("0")).orElse(false);
        Optional<String> reset = h.firstValue("x-ratelimit-reset");
        if (remainingZero && reset.isPresent()) {
            try {
                Instant until = Instant.ofEpochSecond(Long.parseLong(reset.get().trim())).plus(policy.resetMargin());
                Duration d = Duration.between(clock.instant(), until);
                if (!d.isNegative()) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        return policy.secondaryBackoff(attempt);
    }

    private void pause(String reason, Instant until) {
        Duration d = Duration.between(clock.instant(), until);
        if (d.isNegative() || d.isZero()) {
            return;
        }
        pauses.incrementAndGet();
        listener.paused(reason, until);
        log.atInfo().addKeyValue("reason", reason).addKeyValue("until", until).addKeyValue("wait_ms", d.toMillis())
                .log("github rate limit: pausing");
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitHubApiException(GitHubApiException.Kind.TRANSPORT, 0, "", "interrupted while waiting for "
                    + reason, Optional.empty(), List.of(), e);
        }
    }

    private void sleep(GitHubRequest req, Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(req);
        }
    }

    /** The first message in the cause chain, or what the exception is (a refused connection has none). */
    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        return e.getClass().getSimpleName();
    }

    private static boolean retryable(GitHubRequest req) {
        return req.kind() == GitHubRequest.Kind.READ;
    }

    private AppCredentials appCredentials(GitHubRequest req) {
        if (credentials instanceof AppCredentials app) {
            return app;
        }
        throw new IllegalStateException(req.describe() + " needs GitHub App credentials");
    }

    private GitHubApiException rateLimited(GitHubRequest req, String why) {
        return new GitHubApiException(GitHubApiException.Kind.RATE_LIMITED, 0, req.describe(),
                "GitHub kept refusing " + req.describe() + ": " + why + "; orgctl gave up on this call",
                Optional.empty(), List.of(), null);
    }

    private static GitHubApiException interrupted(GitHubRequest req) {
        return new GitHubApiException(GitHubApiException.Kind.TRANSPORT, 0, req.describe(),
                "interrupted during " + req.describe(), Optional.empty(), List.of(), null);
    }

    private static String toJson(Object body) {
        if (body == null) {
            return null;
        }
        if (body instanceof String s) {
            return s;
        }
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write the request body as JSON", e);
        }
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close() before JDK 21; its threads end with the process.
    }
}
