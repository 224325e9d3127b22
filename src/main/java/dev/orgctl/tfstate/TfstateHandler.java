package dev.orgctl.tfstate;

import dev.orgctl.gateway.http.Handler;
import dev.orgctl.gateway.http.RequestHead;
import dev.orgctl.gateway.http.Response;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.tfstate.auth.Access;
import dev.orgctl.tfstate.auth.AuthOutcome;
import dev.orgctl.tfstate.auth.Caller;
import dev.orgctl.tfstate.auth.StateAuth;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terraform's {@code http} state backend under {@code /tfstate/<name>}, as Terraform 1.x speaks it
 * (docs/terraform-state.md): GET the state (404 when there is none), POST a new version (with
 * {@code ?ID=<lock id>} while Terraform holds the lock), DELETE it, LOCK and UNLOCK with a LockInfo
 * body. A LOCK on a held state is answered 423 with the holder's LockInfo, which Terraform prints;
 * a POST or DELETE whose ID is not the holder's, 409 with the same. Every request is authenticated
 * (401 with a Basic challenge; 503 with {@code Retry-After} when the credentials cannot be checked
 * now) and authorized for the state (403) by the {@link StateAuth}.
 *
 * <p>This class is the HTTP edge: admission, authentication, authorization and errors mapped to
 * answers; what each method does to the state and its lock is {@link StateMethods}. Heads are
 * checked on the event loop (method, name, size, the in-flight bound); everything
 * that touches JetStream or the credentials runs on the gateway's worker pool.
 */
public final class TfstateHandler implements Handler {
    public static final String PREFIX = "/tfstate/";
    static final String CHALLENGE = "Basic realm=\"orgctl tfstate\"";
    private static final Logger log = LoggerFactory.getLogger(TfstateHandler.class);
    private static final Set<String> METHODS = Set.of("GET", "POST", "DELETE", "LOCK", "UNLOCK");
    private static final String ALLOW = "GET, POST, DELETE, LOCK, UNLOCK";
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final StateMethods methods;
    private final StateAuth auth;
    private final TfstateSettings settings;
    private final TfstateMetrics metrics;
    private final Executor workers;
    private final Semaphore bodies;

    public TfstateHandler(StateStore store, StateLocks locks, StateAuth auth, TfstateSettings settings,
                          TfstateMetrics metrics, Executor workers, Clock clock) {
        this.methods = new StateMethods(store, locks, metrics, clock);
        this.auth = auth;
        this.settings = settings;
        this.metrics = metrics;
        this.workers = workers;
        this.bodies = new Semaphore(settings.maxInflight());
    }

    /** Whether a path is this handler's. */
    public static boolean serves(String path) {
        return path.startsWith(PREFIX);
    }

    @Override
    public Response onHead(RequestHead head) {
        String method = head.method();
        if (!METHODS.contains(method)) {
            return answer("other", "bad_request", JsonAnswer.error(405, "method not allowed on a state; use " + ALLOW)
                    .with("Allow", ALLOW));
        }
        String problem = StateName.problem(head.path().substring(PREFIX.length()));
        if (problem != null) {
            return answer(method, "bad_request", JsonAnswer.error(400, problem));
        }
        long limit = "POST".equals(method) ? settings.maxBytes() : TfstateSettings.MAX_LOCK_INFO_BYTES;
        if (head.contentLength() > limit) {
            return answer(method, "too_large", tooLarge(method, limit));
        }
        if (holdsState(method) && !bodies.tryAcquire()) {
            return answer(method, "busy", JsonAnswer.error(503, "too many states in flight (tfstate.max_inflight "
                    + settings.maxInflight() + "); retry later")
                    .with("Retry-After", Long.toString(RETRY_AFTER.toSeconds())));
        }
        return null;
    }

    /** GET and POST hold a whole state in memory: they take a permit of {@code tfstate.max_inflight}. */
    private static boolean holdsState(String method) {
        return "GET".equals(method) || "POST".equals(method);
    }

    @Override
    public Response onBodyTooLarge(RequestHead head) {
        // The server aborts the request after this answer (onAbort releases its permit).
        long limit = "POST".equals(head.method()) ? settings.maxBytes() : TfstateSettings.MAX_LOCK_INFO_BYTES;
        return answer(head.method(), "too_large", tooLarge(head.method(), limit));
    }

    @Override
    public void onAbort(RequestHead head) {
        release(head);
    }

    @Override
    public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
        if (body.length > ("POST".equals(head.method()) ? settings.maxBytes() : TfstateSettings.MAX_LOCK_INFO_BYTES)) {
            // A chunked body the server read under a larger limit (the webhooks' or ours for states).
            exchange.respond(onBodyTooLarge(head).closing(), () -> release(head));
            return;
        }
        try {
            workers.execute(() -> {
                Response r;
                try {
                    r = serve(head, body);
                } catch (RuntimeException e) {
                    log.atError().setCause(e).addKeyValue("path", head.path()).log("state request failed");
                    r = answer(head.method(), "error", JsonAnswer.error(500, "internal error"));
                }
                exchange.respond(r, () -> release(head));
            });
        } catch (RejectedExecutionException e) {
            release(head);
            exchange.respond(answer(head.method(), "unavailable", JsonAnswer.error(503, "the gateway is shutting down")));
        }
    }

    private void release(RequestHead head) {
        if (holdsState(head.method())) {
            bodies.release();
        }
    }

    /** One request, on a worker thread. */
    Response serve(RequestHead head, byte[] body) {
        String method = head.method();
        StateName name = new StateName(head.path().substring(PREFIX.length()));
        try {
            AuthOutcome outcome = auth.authenticate(Optional.ofNullable(head.headers().first("Authorization")));
            if (!(outcome instanceof AuthOutcome.Authenticated authenticated)) {
                return notAuthenticated(head, name, outcome);
            }
            Caller caller = authenticated.caller();
            Access access = "GET".equals(method) ? Access.READ : Access.WRITE;
            if (!auth.allows(caller, name.value(), access)) {
                log.atInfo().addKeyValue("state", name.value()).addKeyValue("method", method)
                        .addKeyValue("caller", caller.subject()).log("state request forbidden");
                return answer(method, "forbidden", JsonAnswer.error(403, caller.subject() + " may not "
                        + access.name().toLowerCase(java.util.Locale.ROOT) + " state " + name));
            }
            return switch (method) {
                case "GET" -> methods.get(name);
                case "POST" -> methods.post(name, head, body, caller);
                case "DELETE" -> methods.delete(name, head, caller);
                case "LOCK" -> methods.lock(name, body, caller);
                default -> methods.unlock(name, body, caller);
            };
        } catch (StateLocks.BadLockInfo | StateJson.BadState | StateName.InvalidStateNameException e) {
            return answer(method, "bad_request", JsonAnswer.error(400, e.getMessage()));
        } catch (LockRule.LockConflict e) {
            return answer(method, "conflict", e.answer());
        } catch (NatsUnavailableException e) {
            // StateAuth's lookups of orgctl tokens (authenticate, and allows again for a revocation)
            log.atWarn().addKeyValue("state", name.value()).addKeyValue("method", method).log(e.getMessage());
            return unavailable(method, e.getMessage());
        } catch (TfstateException e) {
            log.atWarn().addKeyValue("state", name.value()).addKeyValue("method", method).log(e.getMessage());
            return e.retryable() ? unavailable(method, e.getMessage())
                    : answer(method, "error", JsonAnswer.error(500, e.getMessage()));
        }
    }

    /** JetStream is away: the client tries again after {@link #RETRY_AFTER}. */
    private Response unavailable(String method, String message) {
        return answer(method, "unavailable", JsonAnswer.error(503, message).with("Retry-After",
                Long.toString(RETRY_AFTER.toSeconds())));
    }

    /** 401 with the challenge, or 503 when the credentials could not be checked now. */
    private Response notAuthenticated(RequestHead head, StateName name, AuthOutcome outcome) {
        String method = head.method();
        if (outcome instanceof AuthOutcome.Unavailable u) {
            log.atWarn().addKeyValue("state", name.value()).addKeyValue("method", method)
                    .addKeyValue("remote", head.remoteHost()).addKeyValue("cause", u.cause())
                    .log("state request not authenticated, the client is asked to retry: " + u.reason());
            return answer(method, "issuer_unavailable", JsonAnswer.error(503, u.reason())
                    .with("Retry-After", Long.toString(seconds(u.retryAfter()))));
        }
        String reason = ((AuthOutcome.Unauthenticated) outcome).reason();
        log.atInfo().addKeyValue("state", name.value()).addKeyValue("method", method)
                .addKeyValue("remote", head.remoteHost()).log("state request unauthenticated: " + reason);
        return answer(method, "unauthenticated", JsonAnswer.error(401, reason)).with("WWW-Authenticate", CHALLENGE);
    }

    private Response answer(String method, String outcome, Response r) {
        metrics.request(method, outcome, 1);
        return r;
    }

    /** Retry-After is whole seconds: rounded up, so the client never comes back early. */
    private static long seconds(Duration d) {
        return Math.max(1, d.plusMillis(999).toSeconds());
    }

    private Response tooLarge(String method, long limit) {
        return JsonAnswer.error(413, ("POST".equals(method) ? "a state" : "a LockInfo") + " may have at most " + limit
                + " bytes" + ("POST".equals(method) ? " (tfstate.max_bytes)" : ""));
    }
}
