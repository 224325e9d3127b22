package dev.orgctl.testing.github;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.orgctl.testing.github.conformance.RestCall;
import dev.orgctl.testing.github.conformance.RestReferee;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake's HTTP layer: the route table, and the one path every request takes from the wire to
 * a {@link Reply} — the referee's check, who is calling ({@link FakeAuth}), rate limits and their
 * headers, ETags and 304s, the per-repository counts, and GitHub's error shape for a failure.
 * Separate from {@link GitHubFake} so the surfaces (REST, GraphQL, checks, CI) only register
 * handlers and never see how an answer is sent.
 */
final class FakeHttp {
    /** A route: method, path template with {name} (one segment) or {name+} (the rest). */
    record Route(String method, Pattern pattern, List<String> names, Handler handler, boolean appJwt) {
    }

    @FunctionalInterface
    interface Handler {
        Reply handle(Call call) throws Exception;
    }

    private final GitHubFake fake;
    private final FakeAuth auth;
    private final FakeLimits limits;
    private final FakeGraphQL graphql;
    private final RestReferee referee;
    private final List<Route> routes = new ArrayList<>();
    private final AtomicLong orgLevelReads = new AtomicLong();
    private final AtomicLong orgLevelWrites = new AtomicLong();
    private final AtomicLong orgLevelNotModified = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    FakeHttp(GitHubFake fake, FakeAuth auth, FakeLimits limits, FakeGraphQL graphql, RestReferee referee) {
        this.fake = fake;
        this.auth = auth;
        this.limits = limits;
        this.graphql = graphql;
        this.referee = referee;
    }

    RepoStats orgLevelStats() {
        return new RepoStats(orgLevelReads.get(), orgLevelWrites.get(), orgLevelNotModified.get());
    }

    void resetOrgLevelStats() {
        orgLevelReads.set(0);
        orgLevelWrites.set(0);
        orgLevelNotModified.set(0);
    }

    long requests() {
        return requests.get();
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

    void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String method = ex.getRequestMethod();
            String rawPath = ex.getRequestURI().getRawPath();
            Map<String, String> query = GitHubFake.parseQuery(ex.getRequestURI().getRawQuery());
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("X-GitHub-Request-Id", GitHubFake.random(8).toUpperCase(Locale.ROOT));
            RestReferee.Verdict verdict = referee.request(new RestCall(method, rawPath,
                    ex.getRequestURI().getRawQuery(), lowerCase(ex.getRequestHeaders()), body));
            Reply reply;
            if (verdict instanceof RestReferee.Refused refused) {
                reply = Reply.json(refused.status(), Map.of("message", refused.message(), "documentation_url",
                        GitHubFake.DOCS));
            } else {
                reply = answer(ex, method, rawPath, query, body, headers);
            }
            headers.putAll(reply.headers());
            byte[] out = reply.body() == null ? new byte[0] : GitHubFake.JSON.writeValueAsBytes(reply.body());
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
            err.put("documentation_url", GitHubFake.DOCS);
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

    private static Map<String, List<String>> lowerCase(Headers headers) {
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
        Call call = new Call(fake, ex, method, path, query, body);
        for (int i = 0; i < route.names().size(); i++) {
            call.params.put(route.names().get(i), URLDecoder.decode(matcher.group(i + 1), StandardCharsets.UTF_8));
        }
        String authorization = ex.getRequestHeaders().getFirst("Authorization");
        if (route.appJwt()) {
            call.principal = auth.app(authorization);
            return route.handler().handle(call);
        }
        call.principal = auth.principal(authorization);
        if (call.principal.kind() == Principal.Kind.APP) {
            throw new HttpError(401, "A JSON web token cannot be used to access this endpoint; use an installation token");
        }
        if (call.principal.kind() == Principal.Kind.USER) {
            headers.put("X-OAuth-Scopes", String.join(", ", call.principal.scopes()));
        }
        return limited(ex, call, route, body, headers);
    }

    /**
     * The authenticated call through GitHub's limits: a scripted secondary limit, the primary
     * limit (a conditional GET still answered), the content-creation ceiling; then the handler,
     * its ETag and the counts.
     */
    private Reply limited(HttpExchange ex, Call call, Route route, byte[] body, Map<String, String> headers)
            throws Exception {
        String method = call.method;
        String path = call.path;
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
                    "documentation_url", GitHubFake.DOCS
                            + "/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"));
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
                    GitHubFake.DOCS + "/using-the-rest-api/rate-limits-for-the-rest-api"));
        }
        if (call.write && !limits.admitWrite(call.principal.account())) {
            rateHeaders(headers, call.principal, resource);
            return Reply.json(403, Map.of("message", "You have exceeded a secondary rate limit and have been "
                    + "temporarily blocked from content creation. Please retry your request again later.",
                    "documentation_url", GitHubFake.DOCS
                            + "/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"));
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
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(GitHubFake.JSON.writeValueAsBytes(body));
            return "W/\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
