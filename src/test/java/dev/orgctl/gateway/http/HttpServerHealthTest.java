package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.gateway.http.HttpServerTest.Client;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HttpServer#problem()}, which {@code /healthz} reports: it fails when the HTTP side cannot serve. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HttpServerHealthTest {

    @Test
    void aStuckEventLoopAndAStoppedServerAreProblems() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Handler blocking = new Handler() {
            @Override
            public Response onHead(RequestHead head) {
                return null;
            }

            @Override
            public Response onBodyTooLarge(RequestHead head) {
                return Response.json(413, "{}");
            }

            @Override
            public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
                try {
                    release.await(); // a handler that wrongly blocks its event loop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.respond(Response.json(200, "{}"));
            }
        };
        HttpServer server = HttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16,
                HttpLimits.defaults(1024), blocking, "health-test");
        try {
            assertThat(server.problem()).isEmpty();
            try (Client c = new Client(server)) {
                c.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
                await().atMost(Duration.ofMinutes(1)).until(() -> server.problem().isPresent());
                assertThat(server.problem().get()).contains("stalled");
                release.countDown();
                assertThat(c.read().status).isEqualTo(200);
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> server.problem().isEmpty());
        } finally {
            release.countDown();
            server.close();
        }
        assertThat(server.problem()).contains("HTTP server stopped");
    }
}
