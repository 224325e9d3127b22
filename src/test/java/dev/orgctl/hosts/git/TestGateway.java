package dev.orgctl.hosts.git;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** A tiny in-test webhook receiver: records every request and answers with a chosen status. */
final class TestGateway implements AutoCloseable {
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    record Request(Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    /** Delivery GUIDs of every request, acknowledged or not. */
    final List<String> attempts = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    volatile IntSupplier status = () -> 202;

    TestGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/webhooks/github", ex -> {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            calls.incrementAndGet();
            attempts.add(ex.getRequestHeaders().getFirst("X-GitHub-Delivery"));
            int code = status.getAsInt();
            if (code >= 200 && code < 300) {
                requests.add(new Request(Map.copyOf(ex.getRequestHeaders()), body));
            }
            byte[] answer = ("{\"status\":" + code + "}").getBytes(UTF_8);
            ex.sendResponseHeaders(code, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks/github");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
