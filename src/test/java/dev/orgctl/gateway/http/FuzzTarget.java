package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.gateway.Payloads;
import dev.orgctl.webhook.Signatures;
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
            return answers(output);
        }
    }

    /**
     * The statuses of the answers in {@code output}, which must be nothing but whole answers: a
     * status line, header fields, and as many body bytes as {@code Content-Length} says (none for HEAD).
     */
    static List<Integer> answers(String output) {
        List<Integer> statuses = new ArrayList<>();
        int i = 0;
        while (i < output.length()) {
            int headEnd = output.indexOf("\r\n\r\n", i);
            assertThat(headEnd).as("a whole answer head at %d in %s", i, output).isPositive();
            String[] lines = output.substring(i, headEnd).split("\r\n");
            assertThat(lines[0]).matches(STATUS_LINE);
            int status = Integer.parseInt(lines[0].substring(9, 12));
            statuses.add(status);
            int length = 0;
            for (int k = 1; k < lines.length; k++) {
                assertThat(lines[k]).matches("[A-Za-z-]+: [\\x20-\\x7e]*");
                if (lines[k].regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(lines[k].substring(15).trim());
                }
            }
            assertThat(status == 100 || lines.length > 1).isTrue();
            i = headEnd + 4;
            // An answer to HEAD states the length but has no body (the next answer, or the end, follows
            // its head); no body of ours starts like an answer.
            if (i < output.length() && !output.startsWith("HTTP/1.1 ", i)) {
                i += length;
            }
            assertThat(i).as("body within the output").isLessThanOrEqualTo(output.length());
        }
        return statuses;
    }

    /** Feeds {@code pieces} to one connection, one write each, then closes it. */
    @SuppressWarnings("FutureReturnValueIgnored") // EmbeddedChannel closes on the calling thread
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
                Payloads.address("push", doc); // the event name is checked at the head by the real handler
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
