package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.gateway.http.HttpServerTest.Client;
import dev.orgctl.gateway.http.HttpServerTest.Resp;
import dev.orgctl.gateway.http.HttpServerTest.TestHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 9110/9112 strictness beyond the basics of {@link HttpServerTest}: each case here was
 * accepted (or refused) wrongly by the hand-written server this one replaced.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class StrictParsingTest {
    ScheduledExecutorService pool;
    TestHandler handler;
    HttpServer server;

    @BeforeEach
    void start() {
        pool = Executors.newScheduledThreadPool(2);
        handler = new TestHandler(pool);
        server = HttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128,
                new HttpLimits(1024, 1024, Duration.ofSeconds(5), Duration.ofSeconds(10), 100), handler, "strict-test");
    }

    @AfterEach
    void stop() {
        server.close();
        pool.shutdownNow();
    }

    @Test
    void bareCrInAHeaderValueIs400() throws Exception {
        assertRefused("GET /echo HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400);
    }

    @Test
    void nulInAHeaderValueIs400() throws Exception {
        assertRefused("GET /echo HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400);
    }

    @Test
    void controlCharactersAreNotStrippedIntoAValidValue() throws Exception {
        // Stripping \x0b would make this "chunked", and the body would be read with framing the
        // client did not send.
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \u000bchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                400);
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \u000b5\r\n\r\nhello", 400);
    }

    @Test
    void chunkSizeLineEndingInABareLfIs400() throws Exception {
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400);
    }

    @Test
    void chunkDataNotFollowedByCrlfIs400() throws Exception {
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400);
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", 400);
    }

    @Test
    void trailersAreValidated() throws Exception {
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                + "X-T: a\0b\r\n\r\n", 400);
        assertRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                + "Bad Name: x\r\n\r\n", 400);
        // A framing field in the trailers is dropped (RFC 9110 6.5.1), never used.
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Id: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                    + "Content-Length: 500\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\nX-Id: next\r\n\r\n");
            assertThat(c.read().bodyText()).contains("\"id\":\"t\"").contains("\"length\":5");
            assertThat(c.read().bodyText()).contains("\"id\":\"next\"");
        }
    }

    @Test
    void http11WithoutExactlyOneHostIs400() throws Exception {
        assertRefused("GET /echo HTTP/1.1\r\nX-Id: a\r\n\r\n", 400);
        assertRefused("GET /echo HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400);
    }

    @Test
    void http10WithChunkedClosesTheConnection() throws Exception {
        try (Client c = new Client(server)) {
            c.send("POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n");
            Resp r = c.read();
            assertThat(r.status).isEqualTo(400);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readEof()).isTrue();
        }
        assertThat(handler.bodies).isEmpty();
    }

    @Test
    void leadingEmptyLinesAreTolerated() throws Exception {
        try (Client c = new Client(server)) {
            c.send("\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\nX-Id: lead\r\n\r\n");
            Resp r = c.read();
            assertThat(r.status).as(r.bodyText()).isEqualTo(200);
            assertThat(r.bodyText()).contains("\"id\":\"lead\"");
        }
    }

    @Test
    void dateIsAnImfFixdateWithATwoDigitDay() throws Exception {
        String imf = "[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT";
        try (Client c = new Client(server)) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Id: d\r\n\r\n");
            assertThat(c.read().header("Date")).matches(imf);
        }
        // A day below 10 whatever today's date is
        assertThat(Answers.Dates.format(Instant.parse("2026-12-03T18:20:53Z").toEpochMilli()))
                .isEqualTo("Thu, 03 Dec 2026 18:20:53 GMT");
    }

    private void assertRefused(String wire, int status) throws Exception {
        try (Client c = new Client(server)) {
            c.send(wire);
            Resp r = c.read();
            assertThat(r.status).as(r.bodyText()).isEqualTo(status);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.bodyText()).startsWith("{\"error\":\"");
            assertThat(c.readEof()).isTrue();
        }
        assertThat(handler.bodies).isEmpty();
    }
}
