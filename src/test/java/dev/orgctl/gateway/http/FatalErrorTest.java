package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An Error on an I/O thread ends the process: a server whose loop died must not stay up with its
 * port open, answering nothing. Run in a child JVM, which the Error ends.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FatalErrorTest {

    @Test
    void anOutOfMemoryErrorInTheHandlerEndsTheProcess() throws Exception {
        Process p = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), ThrowingServer.class.getName()))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            int port = -1;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("port=")) {
                    port = Integer.parseInt(line.substring(5));
                    break;
                }
            }
            assertThat(port).isPositive();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write("GET /oom HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the process ended").isTrue();
            }
            assertThat(p.exitValue()).isEqualTo(FatalErrors.EXIT_STATUS);
        } finally {
            p.destroyForcibly();
        }
    }

    /** A server whose handler runs out of memory on {@code /oom}. */
    public static final class ThrowingServer {
        public static void main(String[] args) throws Exception {
            Handler h = new Handler() {
                @Override
                public Response onHead(RequestHead head) {
                    if (head.path().equals("/oom")) {
                        throw new OutOfMemoryError("simulated");
                    }
                    return null;
                }

                @Override
                public Response onBodyTooLarge(RequestHead head) {
                    return Response.json(413, "{}");
                }

                @Override
                public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
                    exchange.respond(Response.json(200, "{}"));
                }
            };
            HttpServer s = HttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16, HttpLimits.defaults(1024), h, "t");
            System.out.println("port=" + s.address().getPort());
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}
