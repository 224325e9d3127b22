package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.orgctl.testing.github.conformance.RestCall;
import dev.orgctl.testing.github.conformance.RestDescription;
import dev.orgctl.testing.github.conformance.RestReferee;
import dev.orgctl.testing.github.conformance.Violation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A stateful GitHub for tests: an HTTP server on 127.0.0.1 that answers the REST endpoints orgctl
 * uses and GraphQL documents through GitHub's published schema ({@link FakeGraphQL}: a document the
 * schema refuses fails the test at {@link #close()}), from real state: organizations, repositories with metadata, git
 * objects and refs in JGit in-memory repositories (refs move with compare-and-set), pull requests,
 * org webhooks with their delivery log and redelivery, personal tokens with scopes, GitHub Apps
 * with installations whose tokens are issued against a verified JWT, rate limits (primary,
 * content-creation ceiling, secondary answers on demand) with GitHub's headers, ETags, and CI per
 * repository with auto-merge ({@link FakeCi}). Every
 * push (API or {@link FakeRepo#push}), ping and new repository is delivered, signed, to the hooks.
 * It counts reads and writes per repository.
 *
 * <p>Status codes, headers and shapes follow GitHub's REST and GraphQL reference; where GitHub's
 * behaviour is undocumented the fake picks the documented-looking answer and says so in a comment.
 *
 * <p>This class is the test API and the wiring; the parts live beside it: {@link FakeHttp} (routes,
 * limits, ETags, GitHub's error shape), {@link FakeAuth} (tokens, Apps, JWTs), {@link FakeWrites}
 * (ref moves, the workflow-file rule, the webhooks writes send), and one class per surface
 * ({@link FakeRest}, {@link FakeGraphQL}, {@link FakeChecks}, {@link FakeCi}, {@link FakeWebhooks}).
 */
public final class GitHubFake implements AutoCloseable {
    static {
        // Without it every keep-alive request of the JDK server waits about 40 ms (stack notes).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DOCS = "https://docs.github.com/rest";
    private static final SecureRandom RANDOM = new SecureRandom();

    final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    final Map<String, FakeOrg> orgs = new ConcurrentHashMap<>();
    final AtomicLong ids = new AtomicLong(1000);
    final FakeAuth auth;
    final FakeWrites writes;
    final FakeLimits limits;
    final FakeWebhooks webhooks;
    final FakePullEvents pullEvents;
    final FakeCi ci;
    private final FakeChecks checks;
    private final FakeRest rest;
    private final FakeGraphQL graphql;
    private final RestReferee referee = new RestReferee(RestDescription.shared());
    final FakeHttp http;

    private GitHubFake(Clock clock) throws IOException {
        this.clock = clock;
        this.auth = new FakeAuth(this);
        this.writes = new FakeWrites(this);
        this.limits = new FakeLimits(clock);
        this.webhooks = new FakeWebhooks(this);
        this.pullEvents = new FakePullEvents(this);
        this.checks = new FakeChecks(this);
        this.ci = new FakeCi(this);
        this.rest = new FakeRest(this);
        this.graphql = new FakeGraphQL(this);
        this.http = new FakeHttp(this, auth, limits, graphql, referee);
        rest.register();
        checks.register();
        ci.register();
        new FakeIssueComments(this).register();
        new FakePullSettings(this).register();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        this.executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "github-fake");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", http::handle);
        server.start();
    }

    public static GitHubFake start() {
        try {
            return new GitHubFake(Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API base URL, what {@code GITHUB_API_URL} is set to. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public FakeLimits limits() {
        return limits;
    }

    /** Check runs, as the Checks API keeps them. */
    public FakeChecks checks() {
        return checks;
    }

    /** Continuous integration per repository: check suites, workflow runs, commit statuses. */
    public FakeCi ci() {
        return ci;
    }

    /**
     * The environment an orgctl process needs to use this fake as its GitHub:
     * {@code ORGCTL_BACKEND=github}, {@code GITHUB_API_URL}, {@code GITHUB_ORG}, {@code GITHUB_TOKEN}.
     */
    public Map<String, String> environment(String org, String token) {
        return Map.of("ORGCTL_BACKEND", "github", "GITHUB_API_URL", url(), "GITHUB_ORG", org, "GITHUB_TOKEN", token);
    }

    // ---------------------------------------------------------------- test API: state

    public FakeOrg createOrg(String login) {
        FakeOrg org = new FakeOrg(this, ids.incrementAndGet(), login);
        if (orgs.putIfAbsent(login.toLowerCase(Locale.ROOT), org) != null) {
            throw new IllegalArgumentException("org exists: " + login);
        }
        return org;
    }

    public Optional<FakeOrg> org(String login) {
        return Optional.ofNullable(orgs.get(login.toLowerCase(Locale.ROOT)));
    }

    public FakeOrg requireOrg(String login) {
        return org(login).orElseThrow(() -> new IllegalArgumentException("no org " + login));
    }

    Optional<FakeRepo> repo(String owner, String name) {
        return org(owner).flatMap(o -> o.repo(name));
    }

    // ---------------------------------------------------------------- test API: who may call (FakeAuth)

    /** A personal access token (classic) of {@code login} with these scopes. */
    public String createToken(String login, String... scopes) {
        return auth.createToken(login, scopes);
    }

    public void revokeToken(String token) {
        auth.revokeToken(token);
    }

    /** Registers a GitHub App by id and public key (the private key stays with the test). */
    public void registerApp(long appId, String slug, PublicKey key) {
        auth.registerApp(appId, slug, key);
    }

    /** Installs an App on an org with permissions such as {@code contents=write}; returns the installation id. */
    public long installApp(long appId, String org, Map<String, String> permissions) {
        return auth.installApp(appId, org, permissions);
    }

    /** How long installation tokens live (GitHub: one hour). Tests shorten it to see renewal. */
    public void setInstallationTokenTtl(Duration ttl) {
        auth.setInstallationTokenTtl(ttl);
    }

    public int installationTokensIssued() {
        return auth.installationTokensIssued();
    }

    /** Requests that authenticated with an App JWT. */
    public int jwtRequests() {
        return auth.jwtRequests();
    }

    /** Revokes every installation token now (as if GitHub had), so the next call gets 401. */
    public void revokeInstallationTokens() {
        auth.revokeInstallationTokens();
    }

    // ---------------------------------------------------------------- test API: GraphQL

    /**
     * Runs {@code action} right before the next GraphQL mutation is executed (once): a test's way
     * to make "someone pushed between orgctl's read and its write" happen deterministically.
     */
    public void beforeNextMutation(Runnable action) {
        beforeMutation.set(action);
    }

    final AtomicReference<Runnable> beforeMutation = new AtomicReference<>();

    /**
     * Runs {@code action} with the caller's login right before every GraphQL mutation, until
     * replaced ({@code null} clears it). A test that must catch a client mid-write kills it here:
     * the request has been received, as on GitHub, and is executed once the action returns, even
     * though its client is gone.
     */
    public void beforeEachMutation(Consumer<String> action) {
        beforeEveryMutation.set(action);
    }

    final AtomicReference<Consumer<String>> beforeEveryMutation = new AtomicReference<>();

    /** A GraphQL request as the fake received it: what a conformance test checks. */
    public record GraphQLRequest(String operationName, String query, Map<String, Object> variables) {
    }

    /** Every GraphQL request received, oldest first, valid or not. */
    public List<GraphQLRequest> graphqlRequests() {
        return graphql.requests();
    }

    /**
     * The GraphQL violations recorded so far (documents GitHub's schema refuses, answers of the
     * fake it cannot carry), and forgets them: a test that provokes one on purpose takes it here,
     * or {@link #close()} fails.
     */
    public List<String> takeGraphQLViolations() {
        return graphql.takeViolations();
    }

    // ---------------------------------------------------------------- test API: deliveries and counts

    /** Every delivery attempt, oldest first. */
    public List<FakeDelivery> deliveries() {
        return webhooks.deliveries();
    }

    /** Waits until every queued webhook delivery has been attempted. */
    public void awaitDeliveries(Duration timeout) {
        webhooks.await(timeout);
    }

    /** Calls answered for org-level endpoints (listing, hooks, installation...). */
    public RepoStats orgLevelStats() {
        return http.orgLevelStats();
    }

    /** The sum over every repository plus the org level. */
    public RepoStats totalStats() {
        RepoStats s = orgLevelStats();
        for (FakeOrg o : orgs.values()) {
            for (FakeRepo r : o.repos.values()) {
                s = s.plus(r.stats());
            }
        }
        return s;
    }

    public void resetStats() {
        http.resetOrgLevelStats();
        orgs.values().forEach(o -> o.repos.values().forEach(FakeRepo::resetStats));
    }

    public long requests() {
        return http.requests();
    }

    // ---------------------------------------------------------------- helpers the parts share

    /** The query by name; a repeated name keeps its last value. */
    static Map<String, String> parseQuery(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        RestCall.parseQuery(raw).forEach((k, v) -> q.put(k, v.get(v.size() - 1)));
        return q;
    }

    static String random(int n) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- conformance and close

    /**
     * What the referee found: every request and answer is checked against GitHub's REST description
     * (see {@link RestReferee}). {@link #close()} fails when anything is left here.
     */
    public RestReferee conformance() {
        return referee;
    }

    /**
     * Stops the server; then fails with every {@link Violation} the REST referee recorded (a
     * request GitHub's REST description does not allow, an answer of the fake it does not) and
     * every GraphQL violation no test took, so a test cannot pass while talking to GitHub in a way
     * GitHub would refuse, even when the code that sent it swallowed the error. Close the fake last.
     */
    @Override
    public void close() {
        server.stop(0);
        List<String> ciFailures = ci.close();
        webhooks.close();
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        referee.writeTally();
        List<String> problems = new ArrayList<>();
        List<Violation> found = referee.violations();
        if (!found.isEmpty()) {
            StringBuilder sb = new StringBuilder(found.size() + " call(s) do not conform to GitHub's REST description "
                    + RestDescription.describe() + ":");
            found.forEach(v -> sb.append("\n  ").append(v));
            problems.add(sb.toString());
        }
        if (!ciFailures.isEmpty()) {
            problems.add("the fake's CI failed: " + String.join("\n", ciFailures));
        }
        List<String> violations = graphql.takeViolations();
        if (!violations.isEmpty()) {
            problems.add(violations.size() + " GraphQL violation(s) against GitHub's schema ("
                    + GitHubSchema.version() + "):\n" + String.join("\n", violations));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }
}
