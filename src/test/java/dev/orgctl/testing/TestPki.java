package dev.orgctl.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away certificate authority, server and client certificate made with the openssl command
 * line, so TLS tests run against certificates nobody ships.
 */
public record TestPki(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

    public static TestPki create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=orgctl test CA",
                "-keyout", "ca.key", "-out", "ca.pem");
        leaf(dir, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        leaf(dir, "client", "extendedKeyUsage=clientAuth");
        return new TestPki(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("client.pem"), dir.resolve("client.key"));
    }

    private static void leaf(Path dir, String name, String extension) throws IOException, InterruptedException {
        run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", name + ".key",
                "-out", name + ".csr");
        Files.writeString(dir.resolve(name + ".ext"), extension + "\n");
        run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-out", name + ".pem", "-extfile", name + ".ext");
    }

    /** The server's tls block; {@code verify} asks for client certificates. */
    public String serverTlsConfig(boolean verify) {
        return "tls {\n  cert_file: \"" + serverCert + "\"\n  key_file: \"" + serverKey + "\"\n  ca_file: \"" + caCert
                + "\"\n  verify: " + verify + "\n  timeout: 5\n}\n";
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(cmd));
        Process p = new ProcessBuilder(c).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("openssl failed: " + String.join(" ", cmd) + "\n" + out);
        }
    }
}
