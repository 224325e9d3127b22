package dev.orgctl.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.orgctl.nats.SubjectCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * {@code POST /webhooks/github}. The checks run in order of cost, so that cheap refusals cost
 * little: method, declared size, GitHub's headers, content type; then the body is read (never
 * more than the cap), the signature verified, the JSON parsed. Only then is anything sent to NATS.
 * Every refusal is one JSON line {@code {"error": "..."}} and a count in
 * {@code orgctl_gateway_refusals_total{reason}}.
 */
final class WebhookHandler implements HttpHandler {
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

    private final GatewaySettings settings;
    private final Signatures signatures;
    private final Ingestor ingestor;
    private final GatewayMetrics metrics;
    private final BooleanSupplier draining;
    private final LongSupplier natsMaxPayload;
    private final String retryAfterSeconds;

    WebhookHandler(GatewaySettings settings, Ingestor ingestor, GatewayMetrics metrics, BooleanSupplier draining,
                   LongSupplier natsMaxPayload) {
        this.settings = settings;
        this.signatures = new Signatures(settings.secrets());
        this.ingestor = ingestor;
        this.metrics = metrics;
        this.draining = draining;
        this.natsMaxPayload = natsMaxPayload;
        this.retryAfterSeconds = Long.toString(Math.max(1, settings.retryAfter().toSeconds()));
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        metrics.inFlight().incrementAndGet();
        int status = 500;
        try {
            status = serve(ex);
        } catch (IOException e) {
            // The client went away (mid-body, or before the answer): the exchange is closed below.
            log.atDebug().addKeyValue("error", String.valueOf(e.getMessage())).log("webhook request aborted");
        } catch (RuntimeException e) {
            // A bug. Nothing is answered 2xx on this path; GitHub shows a failure and can redeliver.
            log.atError().setCause(e).log("webhook request failed");
            try {
                status = send(ex, 500, Map.of("error", "internal error"));
            } catch (IOException | RuntimeException again) {
                // headers already sent or client gone: closing is all that is left
            }
        } finally {
            ex.close();
            metrics.inFlight().decrementAndGet();
            metrics.request(status, System.nanoTime() - start);
        }
    }

    private int serve(HttpExchange ex) throws IOException {
        Headers h = ex.getRequestHeaders();
        long declared = contentLength(h);
        if (draining.getAsBoolean()) {
            return refuse(ex, Refusal.SHUTTING_DOWN, "the gateway is shutting down; retry later", h, declared);
        }
        if (!PATH.equals(ex.getRequestURI().getPath())) {
            return refuse(ex, Refusal.NOT_FOUND, "no such endpoint; deliveries go to POST " + PATH, h, declared);
        }
        if (!"POST".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "POST");
            return refuse(ex, Refusal.METHOD_NOT_ALLOWED, "method " + safe(ex.getRequestMethod()) + " not allowed; use POST",
                    h, declared);
        }
        if (declared > settings.maxBodyBytes()) {
            return refuse(ex, Refusal.BODY_TOO_LARGE, "body of " + declared + " bytes exceeds the limit of "
                    + settings.maxBodyBytes() + " bytes", h, declared);
        }
        String event = h.getFirst(EVENT);
        String delivery = h.getFirst(DELIVERY);
        if (event == null || event.isEmpty()) {
            return refuse(ex, Refusal.MISSING_HEADER, "missing " + EVENT + " header", h, declared);
        }
        if (delivery == null || delivery.isEmpty()) {
            return refuse(ex, Refusal.MISSING_HEADER, "missing " + DELIVERY + " header", h, declared);
        }
        if (!EVENT_NAME.matcher(event).matches()) {
            return refuse(ex, Refusal.INVALID_HEADER, EVENT + " is not an event name", h, declared);
        }
        if (!DELIVERY_ID.matcher(delivery).matches()) {
            return refuse(ex, Refusal.INVALID_HEADER, DELIVERY + " is not a delivery id (letters, digits, '-' and "
                    + "'_', at most 128)", h, declared);
        }
        Optional<Payloads.ContentType> type = Payloads.ContentType.of(h.getFirst("Content-Type"));
        if (type.isEmpty()) {
            return refuse(ex, Refusal.UNSUPPORTED_CONTENT_TYPE, "content type must be application/json or "
                    + "application/x-www-form-urlencoded", h, declared);
        }
        byte[] body = readBody(ex.getRequestBody(), declared, settings.maxBodyBytes());
        if (body == null) {
            return refuse(ex, Refusal.BODY_TOO_LARGE, "body exceeds the limit of " + settings.maxBodyBytes()
                    + " bytes", h, 1);
        }
        if (!settings.insecureNoSignature()) {
            Signatures.Verdict v = signatures.verify(body, h.getFirst(Signatures.HEADER_256),
                    h.getFirst(Signatures.HEADER_SHA1));
            switch (v) {
                case VALID -> {
                    // go on
                }
                case MISSING -> {
                    return refuse(ex, Refusal.SIGNATURE_MISSING, "missing " + Signatures.HEADER_256 + " header", h, 0);
                }
                case LEGACY_ONLY -> {
                    return refuse(ex, Refusal.SIGNATURE_SHA1_ONLY, "only the legacy SHA-1 " + Signatures.HEADER_SHA1
                            + " was sent; " + Signatures.HEADER_256 + " is required", h, 0);
                }
                default -> {
                    return refuse(ex, Refusal.SIGNATURE_INVALID, Signatures.HEADER_256
                            + " does not match the body for any configured secret", h, 0);
                }
            }
        }
        Payloads.Document doc;
        SubjectCodec.Address address;
        try {
            doc = Payloads.document(type.get(), body);
            address = Payloads.address(event, doc);
        } catch (Payloads.InvalidPayload e) {
            return refuse(ex, Refusal.INVALID_PAYLOAD, e.getMessage(), h, 0);
        }
        long maxPayload = natsMaxPayload.getAsLong();
        if (maxPayload > 0 && doc.json().length + HEADER_ALLOWANCE > maxPayload) {
            log.atError().addKeyValue("delivery", delivery).addKeyValue("event", event)
                    .addKeyValue("bytes", doc.json().length).addKeyValue("nats_max_payload", maxPayload)
                    .log("delivery larger than the NATS server's max_payload; raise max_payload on the server");
            return refuse(ex, Refusal.EXCEEDS_NATS_MAX_PAYLOAD, "delivery of " + doc.json().length
                    + " bytes exceeds the event bus's message limit", h, 0);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(EVENT, event);
        headers.put(DELIVERY, delivery);
        for (String name : PASSED_THROUGH) {
            String v = h.getFirst(name);
            if (v != null && HEADER_VALUE.matcher(v).matches()) {
                headers.put(name, v);
            }
        }
        Delivery d = new Delivery(delivery, event, SubjectCodec.subject(address), headers, doc.json());
        Outcome outcome = ingestor.ingest(d);
        metrics.delivered(event, outcome);
        return answer(ex, d, outcome);
    }

    private int answer(HttpExchange ex, Delivery d, Outcome outcome) throws IOException {
        if (outcome instanceof Outcome.Published p) {
            log.atInfo().addKeyValue("delivery", d.id()).addKeyValue("event", d.event())
                    .addKeyValue("subject", d.subject()).addKeyValue("stream_seq", p.streamSeq()).log("delivery published");
            // The id matched DELIVERY_ID (nothing to escape): no serializer needed on the hot path.
            return sendJson(ex, 202, "{\"delivery\":\"" + d.id() + "\",\"stream_seq\":" + p.streamSeq() + "}\n");
        }
        if (outcome instanceof Outcome.Duplicate dup) {
            log.atInfo().addKeyValue("delivery", d.id()).addKeyValue("event", d.event())
                    .addKeyValue("stream_seq", dup.streamSeq()).addKeyValue("recognized_by", dup.source().label())
                    .log("duplicate delivery; nothing published");
            return sendJson(ex, 200, "{\"delivery\":\"" + d.id() + "\",\"duplicate\":true,\"stream_seq\":"
                    + dup.streamSeq() + "}\n");
        }
        Outcome.Unavailable u = (Outcome.Unavailable) outcome;
        log.atWarn().addKeyValue("delivery", d.id()).addKeyValue("event", d.event()).addKeyValue("error", u.reason())
                .log("delivery not taken: JetStream unavailable; answered 503");
        ex.getResponseHeaders().set("Retry-After", retryAfterSeconds);
        return send(ex, 503, Map.of("error", "JetStream did not confirm the delivery; redeliver it later "
                + "(a redelivery is de-duplicated)"));
    }

    private int refuse(HttpExchange ex, Refusal r, String message, Headers h, long unreadBody) throws IOException {
        metrics.refused(r);
        LoggingEventBuilder b = (r == Refusal.NOT_FOUND || r == Refusal.METHOD_NOT_ALLOWED ? log.atDebug()
                : r.status() == 401 ? log.atWarn() : log.atInfo());
        String delivery = h.getFirst(DELIVERY);
        String event = h.getFirst(EVENT);
        b.addKeyValue("delivery", delivery != null && DELIVERY_ID.matcher(delivery).matches() ? delivery : "-")
                .addKeyValue("event", event != null && EVENT_NAME.matcher(event).matches() ? event : "-")
                .addKeyValue("status", r.status()).addKeyValue("reason", r.reason())
                .addKeyValue("remote", ex.getRemoteAddress() == null ? "-" : ex.getRemoteAddress().getAddress().getHostAddress())
                .log("webhook request refused: " + message);
        if (r == Refusal.SHUTTING_DOWN) {
            ex.getResponseHeaders().set("Retry-After", retryAfterSeconds);
        }
        if (unreadBody != 0) {
            // Do not read (or drain) a body we refuse: close the connection after the answer.
            ex.getResponseHeaders().set("Connection", "close");
        }
        return send(ex, r.status(), Map.of("error", message));
    }

    static int send(HttpExchange ex, int status, Object body) throws IOException {
        return sendBytes(ex, status, Payloads.line(body));
    }

    private static int sendJson(HttpExchange ex, int status, String line) throws IOException {
        return sendBytes(ex, status, line.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static int sendBytes(HttpExchange ex, int status, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    /** The declared {@code Content-Length}, -1 when absent (chunked), {@code Long.MAX_VALUE} when unreadable. */
    private static long contentLength(Headers h) {
        String v = h.getFirst("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 ? Long.MAX_VALUE : n;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Reads at most {@code max} bytes; null when the body is longer (the rest is left unread). */
    static byte[] readBody(InputStream in, long declared, long max) throws IOException {
        if (declared >= 0) {
            byte[] b = in.readNBytes((int) declared);
            if (b.length != declared) {
                throw new IOException("body ended after " + b.length + " of " + declared + " bytes");
            }
            return b;
        }
        byte[] buf = new byte[8192];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (buf.length > max) {
                    return null;
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, max + 1));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                return n > max ? null : Arrays.copyOf(buf, n);
            }
            n += r;
            if (n > max) {
                return null;
            }
        }
    }

    private static String safe(String s) {
        return s != null && s.matches("[A-Z]{1,16}") ? s : "?";
    }
}
