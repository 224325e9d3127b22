package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.orgctl.testing.github.conformance.RestCall;
import dev.orgctl.testing.github.conformance.RestDescription;
import dev.orgctl.testing.github.conformance.RestReferee;
import dev.orgctl.testing.github.conformance.Violation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.PersonIdent;

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
 */
public final class GitHubFake implements AutoCloseable {
    static {
        // Without it every keep-alive request of the JDK server waits about 40 ms (stack notes).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DOCS = "https://docs.github.com/rest";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Who is calling: a personal token's user, an App installation, or the App itself (JWT). */
    record Principal(Kind kind, String login, long userId, String account, Set<String> scopes,
                     Map<String, String> permissions, long installationId, long appId) {
        enum Kind { USER, INSTALLATION, APP }

        String name() {
            return kind == Kind.USER ? Character.toUpperCase(login.charAt(0)) + login.substring(1) : login;
        }

        String email() {
            return kind == Kind.USER ? login + "@example.com" : userId + "+" + login + "@users.noreply.github.com";
        }
    }

    record App(long id, String slug, PublicKey key) {
    }

    record Installation(long id, long appId, FakeOrg org, Map<String, String> permissions) {
    }

    private record IssuedToken(Principal principal, Instant expiresAt) {
    }

    final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    final Map<String, FakeOrg> orgs = new ConcurrentHashMap<>();
    final AtomicLong ids = new AtomicLong(1000);
    private final Map<String, IssuedToken> tokens = new ConcurrentHashMap<>();
    final Map<Long, App> apps = new ConcurrentHashMap<>();
    final Map<Long, Installation> installations = new ConcurrentHashMap<>();
    private final AtomicInteger installationTokensIssued = new AtomicInteger();
    private final AtomicInteger jwtRequests = new AtomicInteger();
    private volatile Duration installationTokenTtl = Duration.ofHours(1);
    final FakeLimits limits;
    final FakeWebhooks webhooks;
    final FakePullEvents pullEvents;
    final FakeCi ci;
    private final FakeChecks checks;
    private final FakeRest rest;
    private final FakeGraphQL graphql;
    private final RestReferee referee = new RestReferee(RestDescription.shared());
    private final List<Route> routes = new ArrayList<>();
    private final AtomicLong orgLevelReads = new AtomicLong();
    private final AtomicLong orgLevelWrites = new AtomicLong();
    private final AtomicLong orgLevelNotModified = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    private GitHubFake(Clock clock) throws IOException {
        this.clock = clock;
        this.limits = new FakeLimits(clock);
        this.webhooks = new FakeWebhooks(this);
        this.pullEvents = new FakePullEvents(this);
        this.checks = new FakeChecks(this);
        this.ci = new FakeCi(this);
        this.rest = new FakeRest(this);
        this.graphql = new FakeGraphQL(this);
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
        server.createContext("/", this::handle);
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

    /** A personal access token (classic) of {@code login} with these scopes. */
    public String createToken(String login, String... scopes) {
        String token = "ghp_" + random(36);
        Set<String> s = new LinkedHashSet<>(List.of(scopes));
        tokens.put(token, new IssuedToken(new Principal(Principal.Kind.USER, login, Math.abs((long) login.hashCode()) + 1L,
                "user:" + login, s, Map.of(), 0, 0), Instant.MAX));
        return token;
    }

    public void revokeToken(String token) {
        tokens.remove(token);
    }

    /** Registers a GitHub App by id and public key (the private key stays with the test). */
    public void registerApp(long appId, String slug, PublicKey key) {
        apps.put(appId, new App(appId, slug, key));
    }

    /** Installs an App on an org with permissions such as {@code contents=write}; returns the installation id. */
    public long installApp(long appId, String org, Map<String, String> permissions) {
        long id = ids.incrementAndGet();
        installations.put(id, new Installation(id, appId, requireOrg(org), Map.copyOf(permissions)));
        return id;
    }

    /** How long installation tokens live (GitHub: one hour). Tests shorten it to see renewal. */
    public void setInstallationTokenTtl(Duration ttl) {
        installationTokenTtl = ttl;
    }

    public int installationTokensIssued() {
        return installationTokensIssued.get();
    }

    /** Requests that authenticated with an App JWT. */
    public int jwtRequests() {
        return jwtRequests.get();
    }

    /** Revokes every installation token now (as if GitHub had), so the next call gets 401. */
    public void revokeInstallationTokens() {
        tokens.values().removeIf(t -> t.principal().kind() == Principal.Kind.INSTALLATION);
    }

    /**
     * Runs {@code action} right before the next GraphQL mutation is executed (once): a test's way
     * to make "someone pushed between orgctl's read and its write" happen deterministically.
     */
    public void beforeNextMutation(Runnable action) {
        beforeMutation.set(action);
    }

    final java.util.concurrent.atomic.AtomicReference<Runnable> beforeMutation = new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Runs {@code action} with the caller's login right before every GraphQL mutation, until
     * replaced ({@code null} clears it). A test that must catch a client mid-write kills it here:
     * the request has been received, as on GitHub, and is executed once the action returns, even
     * though its client is gone.
     */
    public void beforeEachMutation(java.util.function.Consumer<String> action) {
        beforeEveryMutation.set(action);
    }

    final java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<String>> beforeEveryMutation =
            new java.util.concurrent.atomic.AtomicReference<>();

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
        return new RepoStats(orgLevelReads.get(), orgLevelWrites.get(), orgLevelNotModified.get());
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
        orgLevelReads.set(0);
        orgLevelWrites.set(0);
        orgLevelNotModified.set(0);
        orgs.values().forEach(o -> o.repos.values().forEach(FakeRepo::resetStats));
    }

    public long requests() {
        return requests.get();
    }

    // ---------------------------------------------------------------- shared semantics

    FakeRepo createRepo(FakeOrg org, RepoSpec spec, Person creator) {
        FakeRepo repo = new FakeRepo(org, ids.incrementAndGet(), spec, clock.instant());
        if (org.repos.putIfAbsent(spec.name().toLowerCase(Locale.ROOT), repo) != null) {
            throw new IllegalArgumentException("repository exists: " + org.login + "/" + spec.name());
        }
        if (!spec.files().isEmpty()) {
            Map<String, FakeGit.Blob> files = new LinkedHashMap<>();
            spec.files().forEach((p, c) -> files.put(p, new FakeGit.Blob(c.getBytes(StandardCharsets.UTF_8), false)));
            PersonIdent id = new PersonIdent(creator.name(), creator.email());
            String c = repo.git.commit(Optional.empty(), files, List.of(), id, id, "Initial commit");
            repo.git.compareAndSet("refs/heads/" + spec.defaultBranch(), Optional.empty(), c);
        }
        webhooks.repositoryCreated(repo, FakeWebhooks.Actor.of(creator));
        return repo;
    }

    String pushAs(FakeRepo repo, String branch, Person who, String message, Map<String, String> files,
                  List<String> deletions) {
        Map<String, FakeGit.Blob> puts = new LinkedHashMap<>();
        files.forEach((p, c) -> puts.put(p, new FakeGit.Blob(c.getBytes(StandardCharsets.UTF_8), false)));
        return pushBlobs(repo, branch, who, message, puts, deletions);
    }

    String pushBlobs(FakeRepo repo, String branch, Person who, String message, Map<String, FakeGit.Blob> puts,
                     List<String> deletions) {
        String ref = "refs/heads/" + branch;
        while (true) {
            Optional<String> before = repo.git.ref(ref);
            PersonIdent id = new PersonIdent(who.name(), who.email());
            String commit = repo.git.commit(before, puts, deletions, id, id, message);
            if (repo.git.compareAndSet(ref, before, commit)) {
                repo.pushedAt = clock.instant();
                webhooks.push(repo, ref, before, Optional.of(commit), FakeWebhooks.Actor.of(who));
                return commit;
            }
        }
    }

    FakeHook createHook(FakeOrg org, String url, String contentType, String secret, String insecureSsl,
                        List<String> events, boolean active) {
        FakeHook hook = new FakeHook(ids.incrementAndGet(), org, url, contentType, secret, insecureSsl, events, active,
                clock.instant());
        org.hooks.add(hook);
        // GitHub sends a ping to every new webhook.
        webhooks.ping(hook, FakeWebhooks.Actor.of(Person.of("admin")));
        return hook;
    }

    /**
     * Moves a ref with compare-and-set after checking the workflow permission on what changes
     * (GitHub checks it when a ref update would change files under {@code .github/workflows/}).
     * Sends the push webhook. Returns false when the ref was not at {@code expected}.
     */
    boolean updateRef(FakeRepo repo, String ref, Optional<String> expected, String newId, Principal who) {
        if (newId != null) {
            checkWorkflows(repo, expected, newId, who);
        }
        if (!repo.git.compareAndSet(ref, expected, newId)) {
            return false;
        }
        repo.pushedAt = clock.instant();
        webhooks.push(repo, ref, expected, Optional.ofNullable(newId), FakeWebhooks.Actor.of(who));
        return true;
    }

    /** Thrown when a principal may not change workflow files. */
    static final class WorkflowRefused extends RuntimeException {
        final String path;
        final boolean app;

        WorkflowRefused(String path, boolean app) {
            super(app ? "refusing to allow a GitHub App to create or update workflow `" + path
                    + "` without `workflows` permission"
                    : "refusing to allow a Personal Access Token to create or update workflow `" + path
                    + "` without `workflow` scope", null, false, false);
            this.path = path;
            this.app = app;
        }
    }

    void checkWorkflows(FakeRepo repo, Optional<String> before, String after, Principal who) {
        boolean allowed = who.kind() == Principal.Kind.USER ? who.scopes().contains("workflow")
                : "write".equals(who.permissions().get("workflows"));
        if (allowed) {
            return;
        }
        Map<String, FakeGit.Entry> now = repo.git.filesUnder(after, ".github/workflows");
        Map<String, FakeGit.Entry> old = before.map(b -> repo.git.filesUnder(b, ".github/workflows")).orElse(Map.of());
        for (Map.Entry<String, FakeGit.Entry> e : now.entrySet()) {
            FakeGit.Entry o = old.get(e.getKey());
            if (o == null || !o.oid().equals(e.getValue().oid()) || o.mode() != e.getValue().mode()) {
                throw new WorkflowRefused(e.getKey(), who.kind() != Principal.Kind.USER);
            }
        }
        for (String p : old.keySet()) {
            if (!now.containsKey(p)) {
                throw new WorkflowRefused(p, who.kind() != Principal.Kind.USER);
            }
        }
    }

    /** The git identity orgctl's API commits get: the user, or the App's bot. */
    PersonIdent identity(Principal p) {
        return new PersonIdent(p.name(), p.email());
    }

    Optional<FakeRepo> repo(String owner, String name) {
        return org(owner).flatMap(o -> o.repo(name));
    }

    // ---------------------------------------------------------------- HTTP

    /** A route: method, path template with {name} (one segment) or {name+} (the rest). */
    record Route(String method, Pattern pattern, List<String> names, Handler handler, boolean appJwt) {
    }

    @FunctionalInterface
    interface Handler {
        Reply handle(Call call) throws Exception;
    }

    /** An answer: status, JSON body (or null), extra headers. */
    record Reply(int status, Object body, Map<String, String> headers) {
        static Reply json(int status, Object body) {
            return new Reply(status, body, Map.of());
        }

        static Reply empty(int status) {
            return new Reply(status, null, Map.of());
        }
    }

    /** An error answer in GitHub's shape. */
    static final class HttpError extends RuntimeException {
        final int status;
        final List<Object> errors;
        final Map<String, String> headers;

        HttpError(int status, String message) {
            this(status, message, List.of(), Map.of());
        }

        HttpError(int status, String message, List<Object> errors, Map<String, String> headers) {
            super(message, null, false, false);
            this.status = status;
            this.errors = errors;
            this.headers = headers;
        }

        static HttpError notFound() {
            return new HttpError(404, "Not Found");
        }

        static HttpError validation(String resource, String code, String message) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("resource", resource);
            e.put("code", code);
            if (message != null) {
                e.put("message", message);
            }
            return new HttpError(422, "Validation Failed", List.of(e), Map.of());
        }
    }

    /** One request being answered. */
    final class Call {
        final String method;
        final String path;
        final Map<String, String> query;
        final byte[] body;
        final Map<String, String> params = new LinkedHashMap<>();
        final HttpExchange exchange;
        Principal principal;
        FakeRepo repo;
        FakeOrg org;
        boolean write;
        String acceptedScopes;

        Call(HttpExchange ex, String method, String path, Map<String, String> query, byte[] body) {
            this.exchange = ex;
            this.method = method;
            this.path = path;
            this.query = query;
            this.body = body;
        }

        JsonNode json() {
            try {
                return body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                throw new HttpError(400, "Problems parsing JSON");
            }
        }

        String param(String name) {
            return params.get(name);
        }

        FakeOrg requireOrg() {
            FakeOrg o = org(param("org")).orElseThrow(HttpError::notFound);
            this.org = o;
            return o;
        }

        FakeRepo requireRepo() {
            FakeRepo r = repo(param("owner"), param("repo")).orElseThrow(HttpError::notFound);
            this.repo = r;
            visible(r);
            return r;
        }

        /** Installation tokens see only their org's repositories. */
        void visible(FakeRepo r) {
            if (principal != null && principal.kind() == Principal.Kind.INSTALLATION
                    && installations.get(principal.installationId()).org() != r.org) {
                throw HttpError.notFound();
            }
        }

        /**
         * Requires a classic-token scope (any of {@code scopes}) or an App permission. Answers as
         * GitHub does: 403 naming the accepted scopes in {@code X-Accepted-OAuth-Scopes}, or the
         * permission in {@code X-Accepted-GitHub-Permissions}.
         */
        void require(List<String> scopes, String permission, String level) {
            acceptedScopes = String.join(", ", scopes);
            if (principal.kind() == Principal.Kind.USER) {
                Set<String> has = new LinkedHashSet<>(principal.scopes());
                if (has.contains("repo")) {
                    has.add("public_repo");
                }
                if (scopes.stream().noneMatch(has::contains)) {
                    throw new HttpError(403, "Resource not accessible by personal access token", List.of(),
                            Map.of("X-Accepted-OAuth-Scopes", acceptedScopes));
                }
            } else if (principal.kind() == Principal.Kind.INSTALLATION) {
                String has = principal.permissions().getOrDefault(permission, "none");
                boolean ok = has.equals("write") || has.equals("admin") || (level.equals("read") && has.equals("read"));
                if (!ok) {
                    throw new HttpError(403, "Resource not accessible by integration", List.of(),
                            Map.of("X-Accepted-GitHub-Permissions", permission + "=" + level));
                }
            }
        }
    }

    void route(String method, String template, Handler h) {
        route(method, template, h, false);
    }

    void route(String method, String template, Handler h, boolean appJwt) {
        List<String> names = new ArrayList<>();
        StringBuilder re = new StringBuilder("^");
        Matcher m = Pattern.compile("\\{([a-z_]+)(\\+?)}").matcher(template);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(template.substring(last, m.start())));
            re.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+)");
            names.add(m.group(1));
            last = m.end();
        }
        re.append(Pattern.quote(template.substring(last))).append("$");
        routes.add(new Route(method, Pattern.compile(re.toString()), names, h, appJwt));
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String method = ex.getRequestMethod();
            String rawPath = ex.getRequestURI().getRawPath();
            Map<String, String> query = parseQuery(ex.getRequestURI().getRawQuery());
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("X-GitHub-Request-Id", random(8).toUpperCase(Locale.ROOT));
            RestReferee.Verdict verdict = referee.request(new RestCall(method, rawPath,
                    ex.getRequestURI().getRawQuery(), lowerCase(ex.getRequestHeaders()), body));
            Reply reply;
            if (verdict instanceof RestReferee.Refused refused) {
                reply = Reply.json(refused.status(), Map.of("message", refused.message(), "documentation_url", DOCS));
            } else {
                reply = answer(ex, method, rawPath, query, body, headers);
            }
            headers.putAll(reply.headers());
            byte[] out = reply.body() == null ? new byte[0] : JSON.writeValueAsBytes(reply.body());
            headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            if (reply.body() != null) {
                ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            }
            if (verdict instanceof RestReferee.Checked checked) {
                referee.response(checked, reply.status(), ex.getResponseHeaders().getFirst("Content-Type"), out);
            }
            if (reply.status() == 204 || reply.status() == 304) {
                ex.sendResponseHeaders(reply.status(), -1);
            } else {
                ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
                if (out.length > 0) {
                    try (OutputStream os = ex.getResponseBody()) {
                        os.write(out);
                    }
                }
            }
        }
    }

    /** The fake's own answer: the route's reply, or GitHub's error shape for a failure. */
    private Reply answer(HttpExchange ex, String method, String rawPath, Map<String, String> query, byte[] body,
                         Map<String, String> headers) {
        try {
            return dispatch(ex, method, rawPath, query, body, headers);
        } catch (HttpError e) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("message", e.getMessage());
            if (!e.errors.isEmpty()) {
                err.put("errors", e.errors);
            }
            err.put("documentation_url", DOCS);
            if (e.status != 422) {
                // GitHub's description gives "status" to basic-error only; its validation-error
                // (every 422) has message, documentation_url and errors.
                err.put("status", Integer.toString(e.status));
            }
            headers.putAll(e.headers);
            return Reply.json(e.status, err);
        } catch (Exception e) {
            return Reply.json(500, Map.of("message", "fake failure: " + e));
        }
    }

    private static Map<String, List<String>> lowerCase(com.sun.net.httpserver.Headers headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        headers.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        return out;
    }

    private Reply dispatch(HttpExchange ex, String method, String rawPath, Map<String, String> query, byte[] body,
                           Map<String, String> headers) throws Exception {
        String path = rawPath.startsWith("/api/v3/") ? rawPath.substring("/api/v3".length()) : rawPath;
        if (path.equals("/api/graphql")) {
            path = "/graphql";
        }
        Route route = null;
        Matcher matcher = null;
        boolean pathKnown = false;
        for (Route r : routes) {
            Matcher m = r.pattern().matcher(path);
            if (m.matches()) {
                pathKnown = true;
                if (r.method().equals(method)) {
                    route = r;
                    matcher = m;
                    break;
                }
            }
        }
        if (route == null) {
            throw pathKnown ? new HttpError(404, "Not Found") : HttpError.notFound();
        }
        Call call = new Call(ex, method, path, query, body);
        for (int i = 0; i < route.names().size(); i++) {
            call.params.put(route.names().get(i), URLDecoder.decode(matcher.group(i + 1), StandardCharsets.UTF_8));
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (route.appJwt()) {
            call.principal = verifyJwt(auth);
            jwtRequests.incrementAndGet();
            return route.handler().handle(call);
        }
        call.principal = principal(auth);
        if (call.principal.kind() == Principal.Kind.APP) {
            throw new HttpError(401, "A JSON web token cannot be used to access this endpoint; use an installation token");
        }
        if (call.principal.kind() == Principal.Kind.USER) {
            headers.put("X-OAuth-Scopes", String.join(", ", call.principal.scopes()));
        }
        boolean graphqlCall = path.equals("/graphql");
        String resource = graphqlCall ? "graphql" : "core";
        String callName = method + " " + path;
        FakeGraphQL.Prepared gq = null;
        if (graphqlCall) {
            gq = graphql.prepare(body);
            call.write = gq.mutation();
            callName = "POST /graphql " + gq.displayName();
        } else {
            call.write = !method.equals("GET") && !method.equals("HEAD");
        }
        Optional<FakeLimits.Secondary> scripted = limits.scriptedFor(callName);
        if (scripted.isPresent()) {
            FakeLimits.Secondary s = scripted.get();
            rateHeaders(headers, call.principal, resource);
            s.retryAfter().ifPresent(d -> headers.put("Retry-After", Long.toString(Math.max(0, d.toSeconds()))));
            return Reply.json(s.status(), Map.of("message", "You have exceeded a secondary rate limit. Please wait a few "
                    + "minutes before you try again. If you reach out to GitHub Support for help, please include the "
                    + "request ID " + headers.get("X-GitHub-Request-Id") + ".",
                    "documentation_url", DOCS + "/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"));
        }
        String inm = ex.getRequestHeaders().getFirst("If-None-Match");
        FakeLimits.State st = limits.state(call.principal.account(), resource);
        if (st.remaining() <= 0 && !(method.equals("GET") && inm != null)) {
            limits.take(call.principal.account(), resource); // counts the refusal
            rateHeaders(headers, call.principal, resource);
            String msg = "API rate limit exceeded for " + describeAccount(call.principal) + ".";
            if (graphqlCall) {
                return Reply.json(200, Map.of("errors", List.of(Map.of("type", "RATE_LIMITED", "message", msg))));
            }
            return Reply.json(403, Map.of("message", msg, "documentation_url",
                    DOCS + "/using-the-rest-api/rate-limits-for-the-rest-api"));
        }
        if (call.write && !limits.admitWrite(call.principal.account())) {
            rateHeaders(headers, call.principal, resource);
            return Reply.json(403, Map.of("message", "You have exceeded a secondary rate limit and have been "
                    + "temporarily blocked from content creation. Please retry your request again later.",
                    "documentation_url", DOCS + "/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"));
        }
        Reply reply;
        try {
            reply = graphqlCall ? graphql.execute(call, gq) : route.handler().handle(call);
        } catch (HttpError e) {
            if (call.acceptedScopes != null) {
                headers.put("X-Accepted-OAuth-Scopes", call.acceptedScopes);
            }
            limits.take(call.principal.account(), resource);
            count(call, false);
            rateHeaders(headers, call.principal, resource);
            throw e;
        }
        if (call.acceptedScopes != null) {
            headers.put("X-Accepted-OAuth-Scopes", call.acceptedScopes);
        }
        if (method.equals("GET") && reply.status() == 200 && reply.body() != null) {
            String etag = etag(reply.body());
            headers.put("ETag", etag);
            if (etag.equals(inm)) {
                // GitHub: a 304 to a conditional request does not count against the primary limit.
                count(call, true);
                rateHeaders(headers, call.principal, resource);
                return Reply.empty(304);
            }
        }
        if (!limits.take(call.principal.account(), resource)) {
            rateHeaders(headers, call.principal, resource);
            return Reply.json(403, Map.of("message", "API rate limit exceeded for " + describeAccount(call.principal) + "."));
        }
        count(call, false);
        rateHeaders(headers, call.principal, resource);
        return reply;
    }

    private void count(Call call, boolean notModified) {
        if (call.repo != null) {
            (notModified ? call.repo.notModified : call.write ? call.repo.writes : call.repo.reads).incrementAndGet();
        } else {
            (notModified ? orgLevelNotModified : call.write ? orgLevelWrites : orgLevelReads).incrementAndGet();
        }
    }

    private void rateHeaders(Map<String, String> headers, Principal p, String resource) {
        FakeLimits.State s = limits.state(p.account(), resource);
        headers.put("X-RateLimit-Limit", Integer.toString(s.limit()));
        headers.put("X-RateLimit-Remaining", Integer.toString(s.remaining()));
        headers.put("X-RateLimit-Used", Integer.toString(s.used()));
        headers.put("X-RateLimit-Reset", Long.toString(s.reset()));
        headers.put("X-RateLimit-Resource", resource);
    }

    private static String describeAccount(Principal p) {
        return p.kind() == Principal.Kind.INSTALLATION ? "installation ID " + p.installationId() : "user ID " + p.userId();
    }

    private static String etag(Object body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(body));
            return "W/\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Principal principal(String auth) {
        String token = bearer(auth);
        if (token == null) {
            throw new HttpError(401, "Requires authentication");
        }
        if (token.startsWith("eyJ") && token.chars().filter(c -> c == '.').count() == 2) {
            return verifyJwt(auth);
        }
        IssuedToken t = tokens.get(token);
        if (t == null || !clock.instant().isBefore(t.expiresAt())) {
            throw new HttpError(401, "Bad credentials");
        }
        return t.principal();
    }

    private static String bearer(String auth) {
        if (auth == null) {
            return null;
        }
        if (auth.startsWith("Bearer ")) {
            return auth.substring(7).trim();
        }
        if (auth.startsWith("token ")) {
            return auth.substring(6).trim();
        }
        return null;
    }

    /**
     * Verifies a GitHub App JWT: RS256 signature with the App's registered public key, {@code iss}
     * a known App, {@code exp} in the future and no more than 10 minutes ahead, {@code iat} not in
     * the future (a minute of drift tolerated).
     */
    Principal verifyJwt(String auth) {
        String jwt = bearer(auth);
        if (jwt == null) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        JsonNode header;
        JsonNode payload;
        try {
            header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (Exception e) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        if (!"RS256".equals(header.path("alg").asText())) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        long appId = payload.path("iss").asLong(0);
        App app = apps.get(appId);
        if (app == null) {
            throw new HttpError(401, "Integration not found");
        }
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(app.key());
            rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rsa.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                throw new HttpError(401, "A JSON web token could not be decoded");
            }
        } catch (HttpError e) {
            throw e;
        } catch (Exception e) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        long now = clock.instant().getEpochSecond();
        if (!payload.path("exp").isNumber() || !payload.path("iat").isNumber()) {
            throw new HttpError(401, "'Expiration time' claim ('exp') must be a numeric value representing the "
                    + "future time at which the assertion expires");
        }
        long exp = payload.path("exp").asLong();
        long iat = payload.path("iat").asLong();
        if (exp <= now) {
            throw new HttpError(401, "'Expiration time' claim ('exp') must be a numeric value representing the "
                    + "future time at which the assertion expires");
        }
        if (exp > now + 600) {
            throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
        }
        if (iat > now + 60) {
            throw new HttpError(401, "'Issued at' claim ('iat') must be an Integer representing the time that the "
                    + "assertion was issued");
        }
        return new Principal(Principal.Kind.APP, app.slug(), appId, "app:" + appId, Set.of(), Map.of(), 0, appId);
    }

    /** Issues an installation token (after the JWT was verified). */
    Map<String, Object> issueInstallationToken(Installation inst) {
        App app = apps.get(inst.appId());
        String token = "ghs_" + random(36);
        Instant exp = clock.instant().plus(installationTokenTtl);
        tokens.put(token, new IssuedToken(new Principal(Principal.Kind.INSTALLATION, app.slug() + "[bot]",
                inst.appId() + 41_000_000L, "installation:" + inst.id(), Set.of(), inst.permissions(), inst.id(),
                inst.appId()), exp));
        installationTokensIssued.incrementAndGet();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("expires_at", exp.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        out.put("permissions", inst.permissions());
        out.put("repository_selection", "all");
        return out;
    }

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
