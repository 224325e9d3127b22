package dev.orgctl.gateway;

import dev.orgctl.config.Secret;
import dev.orgctl.webhook.Signatures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Requests over plain sockets from a chosen loopback address (127.0.0.1 and 127.0.0.2 are two
 * clients to the gateway), so a test controls every byte and every connection.
 */
final class RawClient {
    private RawClient() {
    }

    static Socket connect(String from, int port, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMillis);
        s.setSoTimeout(timeoutMillis);
        return s;
    }

    /** Sends one request with {@code Connection: close} and returns the whole answer (empty when none came). */
    static String exchange(String from, int port, byte[] request, int timeoutMillis) throws IOException {
        try (Socket s = connect(from, port, timeoutMillis)) {
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return readAll(s.getInputStream());
        }
    }

    /** The status of an answer, or -1 when none. */
    static int status(String answer) {
        return answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(answer.substring(9, 12)) : -1;
    }

    /** Everything until the server closes or the read times out. */
    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                out.write(b, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // what came is the answer
        } catch (IOException e) {
            // a reset after the answer: keep what came
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A signed delivery of a small repository event. */
    static byte[] signedDelivery(String secret) {
        byte[] body = GatewayHarness.repoPayload("acme", "victim").getBytes(StandardCharsets.UTF_8);
        String head = "POST /webhooks/github HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: "
                + GatewayHarness.newDelivery() + "\r\nX-Hub-Signature-256: "
                + Signatures.sign(Secret.of(secret), body) + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /** A delivery head declaring {@code length} body bytes, signed-looking or not. */
    static byte[] deliveryHead(long length, boolean withSignature) {
        return ("POST /webhooks/github HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + "X-GitHub-Event: push\r\nX-GitHub-Delivery: " + GatewayHarness.newDelivery() + "\r\n"
                + (withSignature ? "X-Hub-Signature-256: sha256=" + "0".repeat(64) + "\r\n" : "")
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The sum of a metric's samples whose line starts with {@code prefix}, read from {@code /metrics}. */
    static double metric(int port, String prefix) throws IOException {
        String answer = exchange("127.0.0.2", port, get("/metrics"), 30_000);
        double sum = 0;
        for (String line : answer.split("\n")) {
            if (line.startsWith(prefix)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
            }
        }
        return sum;
    }
}
