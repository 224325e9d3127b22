package dev.orgctl.gateway;

import dev.orgctl.gateway.http.Handler;
import dev.orgctl.gateway.http.HttpHeaders;
import dev.orgctl.gateway.http.RateLimitedLog;
import dev.orgctl.gateway.http.RequestHead;
import dev.orgctl.gateway.http.Response;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.webhook.Signatures;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * {@code POST /webhooks/github}. The checks run in order of cost, so that cheap refusals cost
 * little: method, declared size, GitHub's headers, content type; then the body is read (never
 * more than the cap, by the HTTP server), the signature verified, the JSON parsed. Only then is
 * anything sent to NATS, and the answer waits for JetStream without holding a thread.
 * Every refusal is one JSON line {@code {"error": "..."}} and a count in
 * {@code orgctl_gateway_refusals_total{reason}}.
 */
final class WebhookHandler implements Handler {
    private static final Logger log = LoggerFactory.getLogger(WebhookHandler.class);
    static final String PATH = "/webhooks/github";
    static final String EVENT = "X-GitHub-Event";
    static final String DELIVERY = "X-GitHub-Delivery";
    static final String HOOK_ID = "X-GitHub-Hook-ID";
    /** Carried on the message when GitHub sends them: which hook and what it is installed on. */
    static final String[] PASSED_THROUGH = {HOOK_ID, "X-GitHub-Hook-Installation-Target-Type",
        "X-GitHub-Hook-Installation-Target-ID"};
    /** GitHub sends a UUID; this also keeps the id a valid KV key and message id, and safe to log. */
    static final Pattern DELIVERY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x21-\\x7E]{1,128}");
    /** Room for the message headers beside the JSON in one NATS message. */
    private static final int HEADER_ALLOWANCE = 1024;
    /** One operator error, repeated by every large delivery: logged once a minute. */
    private static final RateLimitedLog MAX_PAYLOAD_ERRORS = new RateLimitedLog(1, TimeUnit.MINUTES);

    /**
     * Bodies up to this size are verified and parsed on the event loop (tens of microseconds);
     * larger ones on the worker pool, so that a 25 MiB delivery does not stall other connections.
     */
    static final int INLINE_BODY_LIMIT = 256 * 1024;

    private final GatewaySettings settings;
    private final Signatures signatures;
    private final Ingestor ingestor;
    private final GatewayMetrics metrics;
    private final BooleanSupplier draining;
    private final LongSupplier natsMaxPayload;
    private final Executor workers;
    private final String retryAfterSeconds;
    /** Refusals are logged at most ten a second per reason: a client must not be able to flood the log. */
    private final Map<Refusal, RateLimitedLog> refusalLogs = new EnumMap<>(Refusal.class);

    WebhookHandler(GatewaySettings settings, Ingestor ingestor, GatewayMetrics metrics, BooleanSupplier draining,
                   LongSupplier natsMaxPayload, Executor workers) {
        this.settings = settings;
        this.signatures = new Signatures(settings.secrets());
        this.ingestor = ingestor;
        this.metrics = metrics;
        this.draining = draining;
        this.natsMaxPayload = natsMaxPayload;
        this.workers = workers;
        this.retryAfterSeconds = Long.toString(Math.max(1, settings.retryAfter().toSeconds()));
        for (Refusal r : Refusal.values()) {
            refusalLogs.put(r, new RateLimitedLog(100, TimeUnit.MILLISECONDS));
        }
    }

    /** The checks that need no body, in order of cost; null lets the body be read. */
    @Override
    public Response onHead(RequestHead h) {
        Response early = checkHead(h);
        if (early != null) {
            metrics.request(early.status(), 0);
        }
        return early;
    }

    private Response checkHead(RequestHead h) {
        if (draining.getAsBoolean()) {
            return refuse(Refusal.SHUTTING_DOWN, "the gateway is shutting down; retry later", h);
        }
        if (!PATH.equals(h.path())) {
            return refuse(Refusal.NOT_FOUND, "no such endpoint; deliveries go to POST " + PATH, h);
        }
        if (!"POST".equals(h.method())) {
            return refuse(Refusal.METHOD_NOT_ALLOWED, "method " + safe(h.method()) + " not allowed; use POST", h)
                    .with("Allow", "POST");
        }
        if (h.contentLength() > settings.maxBodyBytes()) {
            return tooLarge(h);
        }
        String event = h.headers().first(EVENT);
        String delivery = h.headers().first(DELIVERY);
        if (event == null || event.isEmpty()) {
            return refuse(Refusal.MISSING_HEADER, "missing " + EVENT + " header", h);
        }
        if (delivery == null || delivery.isEmpty()) {
            return refuse(Refusal.MISSING_HEADER, "missing " + DELIVERY + " header", h);
        }
        if (!EVENT_NAME.matcher(event).matches()) {
            return refuse(Refusal.INVALID_HEADER, EVENT + " is not an event name", h);
        }
        if (!DELIVERY_ID.matcher(delivery).matches()) {
            return refuse(Refusal.INVALID_HEADER, DELIVERY + " is not a delivery id (letters, digits, '-' and "
                    + "'_', at most 128)", h);
        }
        Optional<Payloads.ContentType> type = Payloads.ContentType.of(h.headers().first("Content-Type"));
        if (type.isEmpty()) {
            return refuse(Refusal.UNSUPPORTED_CONTENT_TYPE, "content type must be application/json or "
                    + "application/x-www-form-urlencoded", h);
        }
        // An unsigned delivery is refused before its body is read (and before any 100 Continue).
        if (!settings.insecureNoSignature() && h.headers().first(Signatures.HEADER_256) == null) {
            return h.headers().first(Signatures.HEADER_SHA1) != null ? sha1Only(h) : signatureMissing(h);
        }
        long maxPayload = natsMaxPayload.getAsLong();
        if (type.get() == Payloads.ContentType.JSON && maxPayload > 0
                && h.contentLength() + HEADER_ALLOWANCE > maxPayload) {
            return exceedsMaxPayload(h, h.contentLength(), maxPayload);
        }
        // In flight from here: a graceful stop waits for this request, body still to come included.
        metrics.inFlight().incrementAndGet();
        return null;
    }

    @Override
    public void onAbort(RequestHead h) {
        metrics.inFlight().decrementAndGet();
    }

    @Override
    public Response onBodyTooLarge(RequestHead h) {
        Response r = tooLarge(h);
        metrics.request(r.status(), 0);
        return r;
    }

    private Response tooLarge(RequestHead h) {
        String size = h.contentLength() >= 0 ? "body of " + h.contentLength() + " bytes" : "body";
        return refuse(Refusal.BODY_TOO_LARGE, size + " exceeds the limit of " + settings.maxBodyBytes() + " bytes", h);
    }

    @Override
    public void onRequest(RequestHead h, byte[] body, Handler.Exchange exchange) {
        long start = System.nanoTime();
        Handler.Exchange counted = new Handler.Exchange() {
            private boolean done;

            @Override
            public synchronized void respond(Response r, Runnable written) {
                if (done) {
                    return;
                }
                done = true;
                metrics.request(r.status(), System.nanoTime() - start);
                // In flight until the answer has left: a graceful stop must not close its connection first.
                exchange.respond(r, () -> {
                    metrics.inFlight().decrementAndGet();
                    written.run();
                });
            }
        };
        if (body.length <= INLINE_BODY_LIMIT) {
            serve(h, body, counted);
            return;
        }
        try {
            workers.execute(() -> serve(h, body, counted));
        } catch (RejectedExecutionException e) {
            counted.respond(refuse(Refusal.SHUTTING_DOWN, "the gateway is shutting down; retry later", h));
        }
    }

    private void serve(RequestHead h, byte[] body, Handler.Exchange exchange) {
        try {
            Response early = verifyAndIngest(h, body, exchange);
            if (early != null) {
                exchange.respond(early);
            }
        } catch (RuntimeException e) {
            // A bug. Nothing is answered 2xx on this path; GitHub shows a failure and can redeliver.
            log.atError().setCause(e).log("webhook request failed");
            exchange.respond(Response.json(500, Payloads.line(Map.of("error", "internal error"))));
        }
    }

    /** The checks that need the body; then the delivery goes to JetStream and is answered when it is stored. */
    // The whenComplete callback answers the exchange on both paths; nothing waits on the future.
    @SuppressWarnings("FutureReturnValueIgnored")
    private Response verifyAndIngest(RequestHead h, byte[] body, Handler.Exchange exchange) {
        // No draining check here: the head came before the stop, and the stop waits for this request.
        HttpHeaders headers = h.headers();
        if (!settings.insecureNoSignature()) {
            Signatures.Verdict v = signatures.verify(body, headers.first(Signatures.HEADER_256),
                    headers.first(Signatures.HEADER_SHA1));
            switch (v) {
                case VALID -> {
                    // go on
                }
                case MISSING -> {
                    return signatureMissing(h);
                }
                case LEGACY_ONLY -> {
                    return sha1Only(h);
                }
                default -> {
                    return refuse(Refusal.SIGNATURE_INVALID, Signatures.HEADER_256
                            + " does not match the body for any configured secret", h);
                }
            }
        }
        String event = headers.first(EVENT);
        String delivery = headers.first(DELIVERY);
        Payloads.Document doc;
        SubjectCodec.Address address;
        try {
            doc = Payloads.document(Payloads.ContentType.of(headers.first("Content-Type")).orElseThrow(), body);
            address = Payloads.address(event, doc);
        } catch (Payloads.InvalidPayload e) {
            return refuse(Refusal.INVALID_PAYLOAD, e.getMessage(), h);
        }
        long maxPayload = natsMaxPayload.getAsLong();
        if (maxPayload > 0 && doc.json().length + HEADER_ALLOWANCE > maxPayload) {
            return exceedsMaxPayload(h, doc.json().length, maxPayload);
        }
        Map<String, String> passed = new LinkedHashMap<>();
        passed.put(EVENT, event);
        passed.put(DELIVERY, delivery);
        for (String name : PASSED_THROUGH) {
            String v = headers.first(name);
            if (v != null && HEADER_VALUE.matcher(v).matches()) {
                passed.put(name, v);
            }
        }
        VerifiedDelivery d = new VerifiedDelivery(delivery, event, SubjectCodec.subject(address), passed, doc.json());
        ingestor.ingestAsync(d).whenComplete((outcome, err) -> {
            if (err != null) { // ingestAsync never fails; a bug if it does
                log.atError().setCause(err).addKeyValue("delivery", d.id()).log("webhook request failed");
                exchange.respond(Response.json(500, Payloads.line(Map.of("error", "internal error"))));
                return;
            }
            // A throw here would vanish into the ignored future and leave the request unanswered (and in
            // flight until the stop's grace ends): answer 500, as serve does for a bug.
            try {
                metrics.delivered(event, outcome);
                exchange.respond(answer(d, outcome));
            } catch (RuntimeException e) {
                log.atError().setCause(e).addKeyValue("delivery", d.id()).log("webhook request failed");
                exchange.respond(Response.json(500, Payloads.line(Map.of("error", "internal error"))));
            }
        });
        return null;
    }

    private Response answer(VerifiedDelivery d, Outcome outcome) {
        if (outcome instanceof Outcome.Published p) {
            log.atInfo().addKeyValue("delivery", d.id()).addKeyValue("event", d.event())
                    .addKeyValue("subject", d.subject()).addKeyValue("stream_seq", p.streamSeq()).log("delivery published");
            // The id matched DELIVERY_ID (nothing to escape): no serializer needed on the hot path.
            return Response.json(202, "{\"delivery\":\"" + d.id() + "\",\"stream_seq\":" + p.streamSeq() + "}\n");
        }
        if (outcome instanceof Outcome.Duplicate dup) {
            log.atInfo().addKeyValue("delivery", d.id()).addKeyValue("event", d.event())
                    .addKeyValue("stream_seq", dup.streamSeq()).addKeyValue("recognized_by", dup.source().label())
                    .log("duplicate delivery; nothing published");
            return Response.json(200, "{\"delivery\":\"" + d.id() + "\",\"duplicate\":true,\"stream_seq\":"
                    + dup.streamSeq() + "}\n");
        }
        Outcome.Unavailable u = (Outcome.Unavailable) outcome;
        log.atWarn().addKeyValue("delivery", d.id()).addKeyValue("event", d.event()).addKeyValue("error", u.reason())
                .log("delivery not taken: JetStream unavailable; answered 503");
        return Response.json(503, Payloads.line(Map.of("error", "JetStream did not confirm the delivery; redeliver it "
                + "later (a redelivery is de-duplicated)"))).with("Retry-After", retryAfterSeconds);
    }

    private Response signatureMissing(RequestHead h) {
        return refuse(Refusal.SIGNATURE_MISSING, "missing " + Signatures.HEADER_256 + " header", h);
    }

    private Response sha1Only(RequestHead h) {
        return refuse(Refusal.SIGNATURE_SHA1_ONLY, "only the legacy SHA-1 " + Signatures.HEADER_SHA1
                + " was sent; " + Signatures.HEADER_256 + " is required", h);
    }

    private Response exceedsMaxPayload(RequestHead h, long bytes, long maxPayload) {
        MAX_PAYLOAD_ERRORS.log(left -> log.atError().addKeyValue("delivery", safeDelivery(h))
                .addKeyValue("bytes", bytes).addKeyValue("nats_max_payload", maxPayload).addKeyValue("left_out", left)
                .log("delivery larger than the NATS server's max_payload; raise max_payload on the server"));
        return refuse(Refusal.EXCEEDS_NATS_MAX_PAYLOAD, "delivery of " + bytes
                + " bytes exceeds the event bus's message limit", h);
    }

    private static String safeDelivery(RequestHead h) {
        String delivery = h.headers().first(DELIVERY);
        return delivery != null && DELIVERY_ID.matcher(delivery).matches() ? delivery : "-";
    }

    /** A refusal: counted, logged with the delivery id when it is a valid one, answered as one JSON line. */
    private Response refuse(Refusal r, String message, RequestHead h) {
        metrics.refused(r);
        refusalLogs.get(r).log(left -> {
            LoggingEventBuilder b = (r == Refusal.NOT_FOUND || r == Refusal.METHOD_NOT_ALLOWED ? log.atDebug()
                    : r.status() == 401 ? log.atWarn() : log.atInfo());
            String event = h.headers().first(EVENT);
            b = b.addKeyValue("delivery", safeDelivery(h))
                    .addKeyValue("event", event != null && EVENT_NAME.matcher(event).matches() ? event : "-")
                    .addKeyValue("status", r.status()).addKeyValue("reason", r.reason())
                    .addKeyValue("remote", h.remoteHost());
            if (left > 0) {
                b = b.addKeyValue("left_out", left);
            }
            b.log("webhook request refused: " + message);
        });
        Response resp = Response.json(r.status(), Payloads.line(Map.of("error", message)));
        if (r == Refusal.SHUTTING_DOWN) {
            resp = resp.with("Retry-After", retryAfterSeconds);
        }
        return resp;
    }

    private static String safe(String s) {
        return s != null && s.matches("[A-Z]{1,16}") ? s : "?";
    }
}
