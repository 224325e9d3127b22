package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.gateway.Payloads;
import dev.orgctl.gateway.Signatures;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The whole request path of the gateway's HTTP server, bytes in and answers out, on Netty's
 * embedded channel: the real decoder, checks, body budget and connection logic, under a handler
 * that verifies the signature and parses the payload as the webhook handler does (without NATS).
 * Shared by the Jazzer fuzz tests and the jqwik properties.
 */
final class FuzzTarget {
    static final String SECRET = "fuzz-secret";
    static final Signatures SIGNATURES = new Signatures(new WebhookSecrets(List.of(Secret.of(SECRET))));
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 [1-5]\\d\\d [^\\r\\n]*");

    private FuzzTarget() {
    }

    /** What a connection answered to some input, and the handler's accounting. */
    record Run(String output, int admitted, int finished, long reservedAfterClose) {
        /** The status codes, in order. */
        List<Integer> statuses() {
            List<Integer> out = new ArrayList<>();
            int i = 0;
            while ((i = output.indexOf("HTTP/1.1 ", i)) >= 0) {
                out.add(Integer.parseInt(output.substring(i + 9, i + 12)));
                i += 12;
            }
            return out;
        }
    }

    /** Feeds {@code pieces} to one connection, one write each, then closes it. */
    static Run run(List<byte[]> pieces) {
        BodyBudget budget = new BodyBudget(64 * 1024);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Handler handler = new VerifyingHandler(admitted, finished);
        HttpLimits limits = new HttpLimits(4096, 16 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(60), 10);
        EmbeddedChannel ch = new EmbeddedChannel();
        ConnectionHandler.install(ch.pipeline(), limits, budget, handler, () -> true);
        ch.pipeline().fireChannelActive();
        StringBuilder out = new StringBuilder();
        for (byte[] p : pieces) {
            if (!ch.isOpen()) {
                break;
            }
            ch.writeInbound(Unpooled.wrappedBuffer(p));
            ch.runPendingTasks();
            drain(ch, out);
        }
        ch.runPendingTasks();
        drain(ch, out);
        ch.close();
        ch.runPendingTasks();
        drain(ch, out);
        ch.checkException();
        ch.finishAndReleaseAll();
        return new Run(out.toString(), admitted.get(), finished.get(), budget.reserved());
    }

    /** The invariants of any input: well-formed answers only, and nothing left held or counted. */
    static void check(Run r) {
        String o = r.output();
        if (!o.isEmpty()) {
            assertThat(o).startsWith("HTTP/1.1 ");
            for (String part : o.split("HTTP/1\\.1 ", -1)) {
                if (!part.isEmpty()) {
                    assertThat("HTTP/1.1 " + part.substring(0, part.indexOf('\r') < 0 ? part.length() : part.indexOf('\r')))
                            .matches(STATUS_LINE);
                }
            }
        }
        assertThat(r.statuses()).doesNotContain(500);
        assertThat(r.finished()).as("every admitted request is answered or aborted").isEqualTo(r.admitted());
        assertThat(r.reservedAfterClose()).as("body budget given back").isZero();
    }

    private static void drain(EmbeddedChannel ch, StringBuilder out) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                out.append(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            }
        }
    }

    /** Answers like the webhook handler: 401 unsigned or wrongly signed, 400 not a payload, else 202. */
    static final class VerifyingHandler implements Handler {
        private final AtomicInteger admitted;
        private final AtomicInteger finished;

        VerifyingHandler(AtomicInteger admitted, AtomicInteger finished) {
            this.admitted = admitted;
            this.finished = finished;
        }

        @Override
        public Response onHead(RequestHead head) {
            if (head.headers().first("X-Hub-Signature-256") == null) {
                return Response.json(401, "{\"error\":\"missing X-Hub-Signature-256 header\"}");
            }
            admitted.incrementAndGet();
            return null;
        }

        @Override
        public Response onBodyTooLarge(RequestHead head) {
            return Response.json(413, "{\"error\":\"too large\"}");
        }

        @Override
        public void onAbort(RequestHead head) {
            finished.incrementAndGet();
        }

        @Override
        public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
            finished.incrementAndGet();
            if (SIGNATURES.verify(body, head.headers().first("X-Hub-Signature-256"), null)
                    != Signatures.Verdict.VALID) {
                exchange.respond(Response.json(401, "{\"error\":\"signature\"}"));
                return;
            }
            var type = Payloads.ContentType.of(head.headers().first("Content-Type"));
            try {
                Payloads.Document doc = Payloads.document(type.orElse(Payloads.ContentType.JSON), body);
                Payloads.address(head.headers().first("X-GitHub-Event") == null ? "push"
                        : head.headers().first("X-GitHub-Event"), doc);
                exchange.respond(Response.json(202, "{\"ok\":true}"));
            } catch (Payloads.InvalidPayload e) {
                exchange.respond(Response.json(400, "{\"error\":\"invalid payload\"}"));
            }
        }
    }

    /** A signed delivery of {@code json}, whole. */
    static byte[] signedRequest(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST /webhooks/github HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + "X-GitHub-Event: push\r\nX-GitHub-Delivery: d-1\r\nX-Hub-Signature-256: "
                + Signatures.sign(Secret.of(SECRET), body) + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }
}
