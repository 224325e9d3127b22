package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP/1.1 contract of {@link HttpServer}, over raw sockets so each test controls the framing byte by byte. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HttpServerTest {
    static final int MAX_HEAD = 1024;
    static final int MAX_BODY = 1024;
    static final HttpLimits LIMITS =
            new HttpLimits(MAX_HEAD, MAX_BODY, Duration.ofSeconds(5), Duration.ofSeconds(10), 100);

    final List<HttpServer> servers = new ArrayList<>();
    ScheduledExecutorService slowPool;
    TestHandler handler;
    HttpServer server;

    @BeforeEach
    void start() {
        slowPool = Executors.newScheduledThreadPool(4);
        handler = new TestHandler(slowPool);
        server = start(LIMITS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (HttpServer s : servers) {
            s.close();
        }
        slowPool.shutdownNow();
        slowPool.awaitTermination(5, TimeUnit.SECONDS);
    }

    HttpServer start(HttpLimits limits) {
        HttpServer s = HttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128, limits, handler, "http-test");
        servers.add(s);
        return s;
    }

    // --- 1. keep-alive ---

    @Test
    void keepAliveServesTwoRequestsOnOneConnection() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Id: a\r\nContent-Length: 5\r\n\r\nhello");
            Resp r1 = c.read();
            assertEcho(r1, "a", "POST", "/echo", 5);
            assertThat(r1.header("Connection")).isNull();
            c.send("GET /echo?q=1 HTTP/1.1\r\nHost: x\r\nX-Id: b\r\n\r\n");
            Resp r2 = c.read();
            assertEcho(r2, "b", "GET", "/echo", 0);
            assertThat(r2.header("Connection")).isNull();
        }
        assertThat(handler.bodies).containsExactly("hello", "");
    }

    @Test
    void http10WithoutKeepAliveClosesAfterTheAnswer() throws Exception {
        try (Client c = new Client(server)) {
            c.send("GET /echo HTTP/1.0\r\nX-Id: old\r\n\r\n");
            Resp r = c.read();
            assertEcho(r, "old", "GET", "/echo", 0);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readEof()).isTrue();
        }
    }

    @Test
    void http10WithKeepAliveStaysOpen() throws Exception {
        try (Client c = new Client(server)) {
            c.send("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\nX-Id: k1\r\n\r\n");
            Resp r = c.read();
            assertEcho(r, "k1", "GET", "/echo", 0);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("keep-alive"); // a 1.0 client closes unless told
            c.send("GET /echo HTTP/1.0\r\nX-Id: k2\r\n\r\n");
            assertEcho(c.read(), "k2", "GET", "/echo", 0);
            assertThat(c.readEof()).isTrue();
        }
    }

    @Test
    void connectionCloseOnHttp11ClosesAfterTheAnswer() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Id: c\r\nContent-Length: 3\r\n\r\nabc");
            Resp r = c.read();
            assertEcho(r, "c", "POST", "/echo", 3);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readEof()).isTrue();
        }
    }

    // --- 2. pipelining ---

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Client c = new Client(server)) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: 1\r\n\r\n"
                    + "POST /slow?ms=150 HTTP/1.1\r\nHost: x\r\nX-Id: 2\r\nContent-Length: 4\r\n\r\nslow"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nX-Id: 3\r\nContent-Length: 2\r\n\r\nhi");
            assertEcho(c.read(), "1", "GET", "/echo", 0);
            assertEcho(c.read(), "2", "POST", "/slow", 4);
            assertEcho(c.read(), "3", "POST", "/echo", 2);
            // still usable afterwards
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: 4\r\n\r\n");
            assertEcho(c.read(), "4", "GET", "/echo", 0);
        }
        assertThat(handler.bodies).containsExactly("", "slow", "hi", "");
    }

    // --- 3. chunked ---

    @Test
    void chunkedBodyWithExtensionsAndTrailerInTinyPieces() throws Exception {
        String wire = "POST /echo HTTP/1.1\r\nHost: x\r\nX-Id: ch\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nHello\r\n"
                + "2;a=\"quoted;semi\";b\r\n, \r\n"
                + "E\r\nchunked world!\r\n"
                + "1\r\n\n\r\n"
                + "0;last=1\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n"
                + "GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: after\r\n\r\n";
        byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);
        Random random = new Random(42);
        try (Client c = new Client(server)) {
            int i = 0;
            while (i < bytes.length) {
                int n = Math.min(bytes.length - i, 1 + random.nextInt(3));
                c.out.write(bytes, i, n);
                c.out.flush();
                i += n;
                if (random.nextInt(4) == 0) {
                    Thread.sleep(1);
                }
            }
            assertEcho(c.read(), "ch", "POST", "/echo", 22);
            assertEcho(c.read(), "after", "GET", "/echo", 0);
        }
        assertThat(handler.bodies).containsExactly("Hello, chunked world!\n", "");
        assertThat(handler.aborts.get()).isZero();
    }

    @Test
    void malformedChunkSizeIs400AndCloses() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\nzz\r\nxx\r\n0\r\n\r\n");
            Resp r = c.read();
            assertThat(r.status).isEqualTo(400);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.bodyText()).contains("malformed chunked body");
            assertThat(c.readEof()).isTrue();
        }
        assertThat(handler.bodies).isEmpty();
        waitFor(() -> handler.aborts.get() == 1);
    }

    @Test
    void chunkedBodyOverTheLimitGetsTheHandlersAnswerAndOneAbort() throws Exception {
        byte[] chunk = new byte[600];
        java.util.Arrays.fill(chunk, (byte) 'x');
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 2; i++) { // 1200 > 1024, the body never ends
                c.send(Integer.toHexString(chunk.length) + "\r\n");
                c.out.write(chunk);
                c.send("\r\n");
            }
            Resp r = c.read();
            assertThat(r.status).isEqualTo(413);
            assertThat(r.bodyText()).isEqualTo(TestHandler.TOO_LARGE);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readEof()).isTrue();
        }
        assertThat(handler.tooLarge.get()).isEqualTo(1);
        assertThat(handler.bodies).isEmpty();
        waitFor(() -> handler.aborts.get() == 1);
        holdsFor(Duration.ofMillis(100), () -> handler.aborts.get() == 1);
    }

    // --- 4. Content-Length over the limit, and the drain ---

    @Test
    void contentLengthOverTheLimitIsAnsweredWithoutReadingAndTheClientStillReadsTheAnswer() throws Exception {
        long declared = 8L * 1024 * 1024;
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + declared + "\r\n\r\n");
            // The client goes on sending the body it announced; the server must drain it, not reset.
            AtomicLong written = new AtomicLong();
            ExecutorService writer = Executors.newSingleThreadExecutor();
            Future<?> writing = writer.submit(() -> {
                byte[] piece = new byte[16 * 1024];
                while (written.get() < declared) {
                    c.out.write(piece);
                    written.addAndGet(piece.length);
                }
                c.out.flush();
                return null;
            });
            try {
                // Let body bytes pile up behind the answer.
                waitFor(() -> written.get() >= 64 * 1024);
                Resp r = c.read();
                assertThat(r.status).isEqualTo(413);
                assertThat(r.bodyText()).isEqualTo(TestHandler.TOO_LARGE);
                assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(TestHandler.TOO_LARGE.length()));
                assertThat(r.header("Connection")).isEqualTo("close");
                writing.get(5, TimeUnit.SECONDS); // every byte was taken by the drain, no reset
                assertThat(written.get()).isEqualTo(declared);
                assertThat(c.readEof()).isTrue();
            } finally {
                writer.shutdownNow();
            }
        }
        assertThat(handler.tooLarge.get()).isEqualTo(1);
        assertThat(handler.bodies).isEmpty();
    }

    @Test
    void contentLengthOverTheLimitAfterOnHeadLetItThroughCallsOnAbort() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
            assertThat(c.read().status).isEqualTo(413);
        }
        waitFor(() -> handler.aborts.get() == 1);
    }

    // --- 5. Expect: 100-continue ---

    @Test
    void expectContinueGets100BeforeTheBodyThenTheAnswer() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Id: e\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            Resp cont = c.readHeadOnly();
            assertThat(cont.statusLine).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(cont.headers).isEmpty();
            assertThat(handler.bodies).isEmpty();
            c.send("12345");
            Resp r = c.read();
            assertEcho(r, "e", "POST", "/echo", 5);
            assertThat(r.header("Connection")).isNull();
        }
        assertThat(handler.bodies).containsExactly("12345");
    }

    @Test
    void expectContinueRefusedByOnHeadSendsNo100AndCloses() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /refuse HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            Resp r = c.read();
            assertThat(r.statusLine).isEqualTo("HTTP/1.1 403 Forbidden");
            assertThat(r.bodyText()).isEqualTo(TestHandler.REFUSED);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readEof()).isTrue();
        }
        assertThat(handler.bodies).isEmpty();
        assertThat(handler.aborts.get()).isZero();
    }

    @Test
    void onHeadRefusalWithoutBodyKeepsTheConnection() throws Exception {
        try (Client c = new Client(server)) {
            c.send("GET /refuse HTTP/1.1\r\nHost: x\r\n\r\n");
            Resp r = c.read();
            assertThat(r.status).isEqualTo(403);
            assertThat(r.header("Connection")).isNull();
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: z\r\n\r\n");
            assertEcho(c.read(), "z", "GET", "/echo", 0);
        }
    }

    // --- 6. bad heads ---

    @Test
    void headOverMaxHeadBytesIs431() throws Exception {
        assertRefused("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(MAX_HEAD) + "\r\n\r\n", 431,
                "request head larger than 1024 bytes");
    }

    @Test
    void headJustUnderMaxHeadBytesIsServed() throws Exception {
        String start = "GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: fit\r\nX-Pad: ";
        String pad = "p".repeat(MAX_HEAD - start.length() - 4);
        String wire = start + pad + "\r\n\r\n";
        assertThat(wire).hasSize(MAX_HEAD);
        try (Client c = new Client(server)) {
            c.send(wire);
            assertEcho(c.read(), "fit", "GET", "/echo", 0);
        }
    }

    @Test
    void malformedRequestLineIs400() throws Exception {
        assertRefused("GET  /echo HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed request line");
        assertRefused("NONSENSE\r\n\r\n", 400, "malformed request line");
    }

    @Test
    void obsFoldIs400() throws Exception {
        assertRefused("GET /echo HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", 400, "obsolete line folding");
    }

    @Test
    void unsupportedTransferCodingIs501() throws Exception {
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
                "transfer coding not supported: gzip");
    }

    @Test
    void contentLengthAndTransferEncodingTogetherIs400() throws Exception {
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n", 400, "both Content-Length and Transfer-Encoding");
    }

    @Test
    void unsupportedHttpVersionIs505() throws Exception {
        assertRefused("GET /echo HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP version not supported");
    }

    @Test
    void conflictingContentLengthsAre400() throws Exception {
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400,
                "invalid Content-Length");
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!", 400,
                "invalid Content-Length");
    }

    @Test
    void repeatedEqualContentLengthsAreAccepted() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Id: same\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
            assertEcho(c.read(), "same", "POST", "/echo", 5);
        }
    }

    // --- 7. timeouts ---

    @Test
    void halfAHeadPastRequestTimeoutIs408ThenClose() throws Exception {
        HttpServer s = start(new HttpLimits(MAX_HEAD, MAX_BODY, Duration.ofMillis(300), Duration.ofSeconds(10), 10));
        try (Client c = new Client(s)) {
            long t0 = System.nanoTime();
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\n");
            Resp r = c.read();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(r.status).isEqualTo(408);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.bodyText()).contains("request not received within");
            assertThat(ms).isBetween(250L, 3000L);
            assertThat(c.readEof()).isTrue();
        }
    }

    @Test
    void halfABodyPastRequestTimeoutIs408AndAborts() throws Exception {
        HttpServer s = start(new HttpLimits(MAX_HEAD, MAX_BODY, Duration.ofMillis(300), Duration.ofSeconds(10), 10));
        try (Client c = new Client(s)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf");
            Resp r = c.read();
            assertThat(r.status).isEqualTo(408);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readEof()).isTrue();
        }
        assertThat(handler.aborts.get()).isEqualTo(1);
        assertThat(handler.bodies).isEmpty();
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterIdleTimeout() throws Exception {
        HttpServer s = start(new HttpLimits(MAX_HEAD, MAX_BODY, Duration.ofMillis(300), Duration.ofMillis(500), 10));
        try (Client c = new Client(s)) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: i\r\n\r\n");
            Resp r = c.read();
            assertEcho(r, "i", "GET", "/echo", 0);
            assertThat(r.header("Connection")).isNull();
            long t0 = System.nanoTime();
            assertThat(c.readEof()).isTrue();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(ms).isBetween(400L, 3000L);
        }
        waitFor(() -> s.openConnections() == 0);
    }

    // --- 8. client goes away in the middle of a body ---

    @Test
    void clientDisconnectMidBodyAbortsOnceAndTheServerGoesOn() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
            holdsFor(Duration.ofMillis(150), () -> handler.aborts.get() == 0); // the server is now in the body
        }
        waitFor(() -> handler.aborts.get() == 1);
        waitFor(() -> server.openConnections() == 0);
        holdsFor(Duration.ofMillis(200), () -> handler.aborts.get() == 1);
        assertThat(handler.bodies).isEmpty();
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Id: next\r\nContent-Length: 2\r\n\r\nok");
            assertEcho(c.read(), "next", "POST", "/echo", 2);
        }
        assertThat(handler.aborts.get()).isEqualTo(1);
    }

    // --- 9. HEAD ---

    @Test
    void headAnswerHasContentLengthButNoBody() throws Exception {
        try (Client c = new Client(server)) {
            c.send("HEAD /echo HTTP/1.1\r\nHost: x\r\nX-Id: h\r\n\r\n"
                    + "GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: g\r\n\r\n");
            Resp head = c.readHeadOnly();
            assertThat(head.status).isEqualTo(200);
            String expected = TestHandler.echo("h", "HEAD", "/echo", 0);
            assertThat(head.header("Content-Length"))
                    .isEqualTo(Integer.toString(expected.getBytes(StandardCharsets.UTF_8).length));
            // the next answer starts right after the head: a body there would break this parse
            assertEcho(c.read(), "g", "GET", "/echo", 0);
        }
    }

    // --- 10. concurrency ---

    @Test
    void manyConnectionsWithAnswersFromOtherThreads() throws Exception {
        int threads = 32;
        int perThread = 50;
        int window = 5;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    go.await();
                    int ok = 0;
                    try (Client c = new Client(server)) {
                        for (int base = 0; base < perThread; base += window) {
                            StringBuilder burst = new StringBuilder();
                            for (int k = base; k < base + window; k++) {
                                String id = thread + "-" + k;
                                String body = "body-" + id;
                                burst.append("POST /slow?ms=").append((thread + k) % 4).append(" HTTP/1.1\r\nHost: x\r\n")
                                        .append("X-Id: ").append(id).append("\r\nContent-Length: ")
                                        .append(body.length()).append("\r\n\r\n").append(body);
                            }
                            c.send(burst.toString());
                            for (int k = base; k < base + window; k++) {
                                String id = thread + "-" + k;
                                Resp r = c.read();
                                assertThat(r.status).isEqualTo(200);
                                assertThat(r.bodyText())
                                        .isEqualTo(TestHandler.echo(id, "POST", "/slow", ("body-" + id).length()));
                                ok++;
                            }
                        }
                    }
                    return ok;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
        assertThat(handler.bodies).hasSize(threads * perThread);
        assertThat(handler.aborts.get()).isZero();
        waitFor(() -> server.openConnections() == 0);
    }

    @Test
    void pipelinedBurstLargerThanTheReadBufferIsServed() throws Exception {
        assertPipelinedBurstServed(server, 120); // maxHeadBytes 1024 < the 8 KiB read buffer
        HttpServer s = start(new HttpLimits(HttpLimits.DEFAULT_MAX_HEAD, MAX_BODY, Duration.ofSeconds(5),
                Duration.ofSeconds(10), 10));
        assertPipelinedBurstServed(s, 1500); // ~110 KB: the buffer grows to 32 KiB + 1, then the same
    }

    @SuppressWarnings("FutureReturnValueIgnored") // a failed send shows as answers that never come
    private static void assertPipelinedBurstServed(HttpServer s, int n) throws Exception {
        StringBuilder burst = new StringBuilder();
        for (int k = 0; k < n; k++) {
            burst.append("GET /slow?ms=1 HTTP/1.1\r\nHost: x\r\nX-Id: p").append(k).append("\r\nX-Pad: ")
                    .append("p".repeat(40)).append("\r\n\r\n");
        }
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Client c = new Client(s)) {
            writer.submit(() -> {
                c.send(burst.toString()); // written while answers are read, so neither side blocks
                return null;
            });
            for (int k = 0; k < n; k++) {
                Resp r = c.read();
                assertThat(r.status).as("answer %d: %s", k, r.bodyText()).isEqualTo(200);
                assertEcho(r, "p" + k, "GET", "/slow", 0);
            }
        } finally {
            writer.shutdownNow();
        }
    }

    // --- 11. maxConnections ---

    @Test
    void connectionsBeyondMaxConnectionsAreClosedAtOnce() throws Exception {
        HttpServer s = start(new HttpLimits(MAX_HEAD, MAX_BODY, Duration.ofSeconds(5), Duration.ofSeconds(10), 2));
        try (Client c1 = new Client(s); Client c2 = new Client(s)) {
            c1.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: 1\r\n\r\n");
            assertEcho(c1.read(), "1", "GET", "/echo", 0);
            c2.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: 2\r\n\r\n");
            assertEcho(c2.read(), "2", "GET", "/echo", 0);
            assertThat(s.openConnections()).isEqualTo(2);
            try (Client c3 = new Client(s)) {
                long t0 = System.nanoTime();
                assertThat(c3.readEof()).isTrue();
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
            }
            // the first two are unharmed
            c1.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: 1b\r\n\r\n");
            assertEcho(c1.read(), "1b", "GET", "/echo", 0);
            assertThat(s.openConnections()).isEqualTo(2);
        }
        waitFor(() -> s.openConnections() == 0);
        try (Client c = new Client(s)) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: again\r\n\r\n");
            assertEcho(c.read(), "again", "GET", "/echo", 0);
        }
    }

    // --- 12. close ---

    @Test
    void afterCloseThePortRefusesConnections() throws Exception {
        int port = server.address().getPort();
        try (Client open = new Client(server)) {
            open.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: o\r\n\r\n");
            assertEcho(open.read(), "o", "GET", "/echo", 0);
            server.close();
            assertThat(open.readEof()).isTrue();
        }
        assertThat(server.openConnections()).isZero();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class);
        server.close(); // a second close is harmless
    }

    // --- helpers ---

    private void assertRefused(String wire, int status, String message) throws IOException {
        try (Client c = new Client(server)) {
            c.send(wire);
            Resp r = c.read();
            assertThat(r.status).as(r.statusLine).isEqualTo(status);
            assertThat(r.statusLine).isEqualTo("HTTP/1.1 " + status + " " + Reasons.of(status));
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.bodyText()).startsWith("{\"error\":\"").contains(message);
            assertThat(c.readEof()).isTrue();
        }
        assertThat(handler.bodies).isEmpty();
    }

    private static void assertEcho(Resp r, String id, String method, String path, int length) {
        assertThat(r.statusLine).isEqualTo("HTTP/1.1 200 OK");
        String expected = TestHandler.echo(id, method, path, length);
        assertThat(r.bodyText()).isEqualTo(expected);
        assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(expected.length()));
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("Date")).isNotBlank();
    }

    private static void waitFor(BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
    }

    /** The condition is true at once and at every poll for {@code window}: checked throughout, not once at the end. */
    private static void holdsFor(Duration window, BooleanSupplier condition) {
        await().during(window).atMost(window.plusSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }

    /** Echoes id, method, path and body length as JSON; {@code /slow} answers from another thread. */
    static final class TestHandler implements Handler {
        static final String REFUSED = "{\"error\":\"refused\"}";
        static final String TOO_LARGE = "{\"error\":\"too large\"}";
        final ScheduledExecutorService pool;
        final AtomicInteger aborts = new AtomicInteger();
        final AtomicInteger tooLarge = new AtomicInteger();
        final List<String> bodies = new CopyOnWriteArrayList<>();

        TestHandler(ScheduledExecutorService pool) {
            this.pool = pool;
        }

        static String echo(String id, String method, String path, int length) {
            return "{\"id\":\"" + id + "\",\"method\":\"" + method + "\",\"path\":\"" + path + "\",\"length\":" + length
                    + "}";
        }

        @Override
        public Response onHead(RequestHead head) {
            return "/refuse".equals(head.path()) ? Response.json(403, REFUSED) : null;
        }

        @Override
        public Response onBodyTooLarge(RequestHead head) {
            tooLarge.incrementAndGet();
            return Response.json(413, TOO_LARGE);
        }

        @Override
        public void onAbort(RequestHead head) {
            aborts.incrementAndGet();
        }

        @Override
        @SuppressWarnings("FutureReturnValueIgnored") // a failed delayed answer shows as an answer that never comes
        public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
            bodies.add(new String(body, StandardCharsets.ISO_8859_1));
            String id = head.headers().first("X-Id");
            Response r = Response.json(200, echo(id, head.method(), head.path(), body.length));
            if ("/slow".equals(head.path())) {
                String t = head.target();
                int ms = t.contains("ms=") ? Integer.parseInt(t.substring(t.indexOf("ms=") + 3)) : 50;
                pool.schedule(() -> exchange.respond(r), ms, TimeUnit.MILLISECONDS);
            } else {
                exchange.respond(r);
            }
        }
    }

    /** A parsed answer. */
    static final class Resp {
        final String statusLine;
        final int status;
        final Map<String, String> headers;
        final byte[] body;

        Resp(String statusLine, Map<String, String> headers, byte[] body) {
            this.statusLine = statusLine;
            this.status = Integer.parseInt(statusLine.split(" ")[1]);
            this.headers = headers;
            this.body = body;
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** A raw socket client. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Client(HttpServer server) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort());
            socket.setSoTimeout(5000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** An answer with a Content-Length body. */
        Resp read() throws IOException {
            Resp head = readHeadOnly();
            String cl = head.header("Content-Length");
            assertThat(cl).as("Content-Length of " + head.statusLine).isNotNull();
            byte[] body = in.readNBytes(Integer.parseInt(cl));
            assertThat(body).as("body of " + head.statusLine).hasSize(Integer.parseInt(cl));
            return new Resp(head.statusLine, head.headers, body);
        }

        /** Status line and header fields only. */
        Resp readHeadOnly() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                buf.write(b);
                byte[] a = buf.toByteArray();
                int n = a.length;
                if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                    break;
                }
            }
            String text = buf.toString(StandardCharsets.ISO_8859_1);
            assertThat(text).as("a complete answer head").endsWith("\r\n\r\n");
            String[] lines = text.substring(0, text.length() - 4).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                String name = lines[i].substring(0, colon).toLowerCase(Locale.ROOT);
                assertThat(headers).as("duplicate header " + name).doesNotContainKey(name);
                headers.put(name, lines[i].substring(colon + 1).strip());
            }
            return new Resp(lines[0], headers, new byte[0]);
        }

        /** Whether the server closed its side: the next read returns end of stream. */
        boolean readEof() throws IOException {
            return in.read() == -1;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
