package dev.orgctl.gateway;

import dev.orgctl.webhook.Signatures;
import dev.orgctl.webhook.SignaturesTest;
import static dev.orgctl.gateway.GatewayHarness.SECRET;
import static dev.orgctl.gateway.GatewayHarness.events;
import static dev.orgctl.gateway.GatewayHarness.eventCount;
import static dev.orgctl.gateway.GatewayHarness.metric;
import static dev.orgctl.gateway.GatewayHarness.newDelivery;
import static dev.orgctl.gateway.GatewayHarness.post;
import static dev.orgctl.gateway.GatewayHarness.repoPayload;
import static dev.orgctl.gateway.GatewayHarness.send;
import static dev.orgctl.gateway.GatewayHarness.signed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.config.ConfigException;
import dev.orgctl.config.Secret;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.SharedNats;
import io.nats.client.Connection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP contract of {@code POST /webhooks/github} against a real nats-server. */
class GatewayHttpTest {
    static final String OLD_SECRET = "old-secret-still-accepted";

    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(NATS.fixture(),
                GatewayHarness.settings(SECRET, OLD_SECRET, SignaturesTest.DOC_SECRET));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    // --- signature ---

    @Test
    void documentedTestVectorPassesVerificationThenFailsOnlyAsNotJson() {
        long before = eventCount(NATS.connection());
        HttpResponse<String> r = send(base(newDelivery())
                .header("X-Hub-Signature-256", SignaturesTest.DOC_SIGNATURE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(SignaturesTest.DOC_PAYLOAD)));
        // "Hello, World!" is signed correctly, so the refusal is the JSON check (400), not the signature (401).
        assertRefusal(r, 400, "body is not valid JSON");
        String tampered = SignaturesTest.DOC_SIGNATURE.replace("757107", "757108");
        HttpResponse<String> t = send(base(newDelivery()).header("X-Hub-Signature-256", tampered)
                .POST(HttpRequest.BodyPublishers.ofByteArray(SignaturesTest.DOC_PAYLOAD)));
        assertRefusal(t, 401, "X-Hub-Signature-256 does not match the body for any configured secret");
        assertThat(eventCount(NATS.connection())).isEqualTo(before);
    }

    @Test
    void rotationAcceptsEveryConfiguredSecretAndNothingElse() {
        String body = repoPayload("acme", "rotation");
        assertThat(send(signed(gateway, "push", newDelivery(), body, SECRET)).statusCode()).isEqualTo(202);
        assertThat(send(signed(gateway, "push", newDelivery(), body, OLD_SECRET)).statusCode()).isEqualTo(202);
        long before = eventCount(NATS.connection());
        assertRefusal(send(signed(gateway, "push", newDelivery(), body, "retired-secret")), 401,
                "X-Hub-Signature-256 does not match the body for any configured secret");
        assertThat(eventCount(NATS.connection())).isEqualTo(before);
    }

    @Test
    void unsignedAndSha1OnlyDeliveriesAreRefused() throws Exception {
        String body = repoPayload("acme", "unsigned");
        long before = eventCount(NATS.connection());
        double sha1Before = metric(gateway, "orgctl_gateway_refusals_total{reason=\"signature_sha1_only\"}");
        assertRefusal(send(base(newDelivery()).POST(HttpRequest.BodyPublishers.ofString(body))), 401,
                "missing X-Hub-Signature-256 header");
        // A valid legacy SHA-1 signature of the body, with the right secret: still not enough.
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String sha1 = "sha1=" + java.util.HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        assertRefusal(send(base(newDelivery()).header("X-Hub-Signature", sha1)
                .POST(HttpRequest.BodyPublishers.ofString(body))), 401,
                "only the legacy SHA-1 X-Hub-Signature was sent; X-Hub-Signature-256 is required");
        assertRefusal(send(base(newDelivery()).header("X-Hub-Signature-256", "sha256=nothex")
                .POST(HttpRequest.BodyPublishers.ofString(body))), 401,
                "X-Hub-Signature-256 does not match the body for any configured secret");
        assertThat(eventCount(NATS.connection())).isEqualTo(before);
        assertThat(metric(gateway, "orgctl_gateway_refusals_total{reason=\"signature_sha1_only\"}"))
                .isEqualTo(sha1Before + 1);
    }

    // --- shape checks, each refusal and the order of the checks ---

    @Test
    void wrongMethodIs405WithAllow() {
        double before = metric(gateway, "orgctl_gateway_refusals_total{reason=\"method_not_allowed\"}");
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(gateway.url() + "/webhooks/github")).GET());
        assertRefusal(r, 405, "method GET not allowed; use POST");
        assertThat(r.headers().firstValue("Allow")).hasValue("POST");
        // Method comes first: a PUT with nothing else right is still a 405.
        assertThat(send(HttpRequest.newBuilder(URI.create(gateway.url() + "/webhooks/github"))
                .PUT(HttpRequest.BodyPublishers.ofString("x"))).statusCode()).isEqualTo(405);
        assertThat(metric(gateway, "orgctl_gateway_refusals_total{reason=\"method_not_allowed\"}")).isEqualTo(before + 2);
    }

    @Test
    void unknownPathIs404() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(gateway.url() + "/webhooks/gitlab"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertRefusal(r, 404, "no such endpoint; deliveries go to POST /webhooks/github");
        assertThat(GatewayHarness.get(gateway, "/healthz/x").statusCode()).isEqualTo(404);
    }

    @Test
    void missingOrInvalidGitHubHeadersAre400() {
        long before = eventCount(NATS.connection());
        String body = repoPayload("acme", "headers");
        double missing = metric(gateway, "orgctl_gateway_refusals_total{reason=\"missing_header\"}");
        assertRefusal(send(without(signed(gateway, "push", newDelivery(), body, SECRET), "X-GitHub-Event")), 400,
                "missing X-GitHub-Event header");
        assertRefusal(send(without(signed(gateway, "push", newDelivery(), body, SECRET), "X-GitHub-Delivery")), 400,
                "missing X-GitHub-Delivery header");
        assertThat(metric(gateway, "orgctl_gateway_refusals_total{reason=\"missing_header\"}")).isEqualTo(missing + 2);
        assertThat(send(signed(gateway, "push", "../../etc", body, SECRET)).statusCode()).isEqualTo(400);
        assertThat(send(signed(gateway, "push", "a".repeat(129), body, SECRET)).statusCode()).isEqualTo(400);
        assertThat(send(signed(gateway, "pu>sh", newDelivery(), body, SECRET)).statusCode()).isEqualTo(400);
        assertThat(eventCount(NATS.connection())).isEqualTo(before);
    }

    @Test
    void otherContentTypesAre415() {
        String body = repoPayload("acme", "types");
        assertRefusal(send(signed(gateway, "push", newDelivery(), body, SECRET).setHeader("Content-Type", "text/plain")),
                415, "content type must be application/json or application/x-www-form-urlencoded");
        assertThat(send(signed(gateway, "push", newDelivery(), body, SECRET)
                .setHeader("Content-Type", "application/xml")).statusCode()).isEqualTo(415);
        // Parameters and case do not matter.
        assertThat(send(signed(gateway, "push", newDelivery(), body, SECRET)
                .setHeader("Content-Type", "Application/JSON; charset=utf-8")).statusCode()).isEqualTo(202);
    }

    @Test
    void checksRunInOrderOfCost() throws IOException {
        // Oversized declaration beats missing headers: 413, not 400.
        String head = "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: "
                + (26L * 1024 * 1024) + "\r\n\r\n";
        assertThat(rawStatus(head, new byte[0])).isEqualTo(413);
        // Missing headers beat a wrong content type: 400, not 415.
        String body = repoPayload("acme", "order");
        assertThat(send(without(signed(gateway, "push", newDelivery(), body, SECRET), "X-GitHub-Delivery")
                .setHeader("Content-Type", "text/plain")).statusCode()).isEqualTo(400);
        // A wrong content type beats a bad signature: 415, not 401.
        assertThat(send(signed(gateway, "push", newDelivery(), body, "wrong")
                .setHeader("Content-Type", "text/plain")).statusCode()).isEqualTo(415);
        // A bad signature beats a body that is not JSON: 401, not 400.
        assertThat(send(signed(gateway, "push", newDelivery(), "not json", "wrong")).statusCode()).isEqualTo(401);
    }

    @Test
    void declaredOversizeIs413BeforeAnyBodyIsSent() throws IOException {
        double before = metric(gateway, "orgctl_gateway_refusals_total{reason=\"body_too_large\"}");
        String head = "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "X-GitHub-Event: push\r\nX-GitHub-Delivery: " + newDelivery() + "\r\nContent-Length: "
                + (25L * 1024 * 1024 + 1) + "\r\n\r\n";
        // Only the headers are sent; were the gateway reading the 25 MiB body first, this would time out.
        long t0 = System.nanoTime();
        assertThat(rawStatus(head, "{\"a\":".getBytes(StandardCharsets.US_ASCII))).isEqualTo(413);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(metric(gateway, "orgctl_gateway_refusals_total{reason=\"body_too_large\"}")).isEqualTo(before + 1);
    }

    @Test
    void theCapItselfIsAcceptedOneByteMoreIsNot() {
        try (Gateway small = GatewayHarness.start(NATS.fixture(),
                GatewayHarness.settings(SECRET).withMaxBodyBytes(4096))) {
            String head = "{\"organization\":{\"login\":\"acme\"},\"pad\":\"";
            String atCap = head + "x".repeat(4096 - head.length() - 2) + "\"}";
            assertThat(atCap).hasSize(4096);
            assertThat(post(small, "push", newDelivery(), atCap).statusCode()).isEqualTo(202);
            String over = head + "x".repeat(4096 - head.length() - 1) + "\"}";
            assertThat(post(small, "push", newDelivery(), over).statusCode()).isEqualTo(413);
        }
    }

    @Test
    void chunkedBodyOverTheCapIs413WithoutReadingItAll() throws Exception {
        try (Gateway small = GatewayHarness.start(NATS.fixture(),
                GatewayHarness.settings(SECRET).withMaxBodyBytes(64 * 1024));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), small.address().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "X-GitHub-Event: push\r\nX-GitHub-Delivery: " + newDelivery()
                    // Signed (the signature is only checked once the body is whole): an unsigned
                    // delivery is refused at its head, before any chunk is read.
                    + "\r\nX-Hub-Signature-256: sha256=" + "0".repeat(64)
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[16 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            for (int i = 0; i < 5; i++) { // 80 KiB sent, the body never ends
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            String response = readHead(s.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 413");
            assertThat(response).contains("body exceeds the limit of 65536 bytes");
        }
    }

    @Test
    void bodiesThatAreNotOneJsonObjectAre400AfterVerification() {
        long before = eventCount(NATS.connection());
        double invalid = metric(gateway, "orgctl_gateway_refusals_total{reason=\"invalid_payload\"}");
        assertRefusal(post(gateway, "push", newDelivery(), "[1,2,3]"), 400, "body is not a JSON object");
        assertRefusal(post(gateway, "push", newDelivery(), "\"just a string\""), 400, "body is not a JSON object");
        assertRefusal(post(gateway, "push", newDelivery(), "{\"a\":1"), 400, "body is not valid JSON");
        assertRefusal(post(gateway, "push", newDelivery(), "{\"a\":1} {\"b\":2}"), 400, "body is not valid JSON");
        assertRefusal(post(gateway, "push", newDelivery(), "{\"repository\":{\"name\":\"no-owner-anywhere\"}}"), 400,
                "payload names no owner: no repository.owner.login, organization.login, installation.account.login "
                        + "or sender.login");
        assertThat(metric(gateway, "orgctl_gateway_refusals_total{reason=\"invalid_payload\"}")).isEqualTo(invalid + 5);
        assertThat(eventCount(NATS.connection())).isEqualTo(before);
    }

    // --- publishing ---

    @Test
    void repositoryNamesWithDotsDashesAndUnderscoresGetReversibleSubjects() throws Exception {
        assertPublishedAs("push", repoPayload("acme", ".github"), "github.acme.%2Egithub.push");
        assertPublishedAs("push", repoPayload("acme", "a.b.c"), "github.acme.a%2Eb%2Ec.push");
        assertPublishedAs("pull_request", repoPayload("acme", "x-y_z"), "github.acme.x-y_z.pull_request");
        assertThat(SubjectCodec.parse("github.acme.%2Egithub.push").repo()).hasValue(".github");
        assertThat(SubjectCodec.parse("github.acme.a%2Eb%2Ec.push").repo()).hasValue("a.b.c");
    }

    @Test
    void orgLevelEventsWithoutRepositoryUseUnderscore() throws Exception {
        assertPublishedAs("organization",
                "{\"action\":\"member_added\",\"membership\":{\"user\":{\"login\":\"bob\"}},"
                        + "\"organization\":{\"login\":\"acme\"},\"sender\":{\"login\":\"alice\"}}",
                "github.acme._.organization");
        assertPublishedAs("member",
                "{\"action\":\"added\",\"member\":{\"login\":\"bob\"},\"organization\":{\"login\":\"acme\"},"
                        + "\"sender\":{\"login\":\"alice\"}}",
                "github.acme._.member");
        // No organization: the installation's account, then the sender.
        assertPublishedAs("installation",
                "{\"action\":\"created\",\"installation\":{\"id\":1,\"account\":{\"login\":\"acme-inst\"}},"
                        + "\"sender\":{\"login\":\"alice\"}}",
                "github.acme-inst._.installation");
        assertPublishedAs("github_app_authorization", "{\"action\":\"revoked\",\"sender\":{\"login\":\"alice\"}}",
                "github.alice._.github_app_authorization");
        // The repository's owner wins over the organization field.
        assertPublishedAs("push", "{\"repository\":{\"name\":\"r\",\"owner\":{\"login\":\"owner\"}},"
                + "\"organization\":{\"login\":\"other\"}}", "github.owner.r.push");
    }

    @Test
    void pingIsPublishedLikeAnyOtherEvent() throws Exception {
        assertPublishedAs("ping", "{\"zen\":\"Design for failure.\",\"hook_id\":4242,\"hook\":{\"type\":\"Organization\"},"
                + "\"organization\":{\"login\":\"acme\"},\"sender\":{\"login\":\"alice\"}}", "github.acme._.ping");
    }

    @Test
    void formEncodedPayloadIsVerifiedOnTheFormAndPublishedAsTheDecodedJson() throws Exception {
        String json = "{\"repository\":{\"name\":\"form-repo\",\"owner\":{\"login\":\"acme\"}},"
                + "\"head_commit\":{\"message\":\"fix: a+b=c & more ü\"}}";
        byte[] form = ("payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        String delivery = newDelivery();
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(gateway.url() + "/webhooks/github"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-GitHub-Event", "push").header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", Signatures.sign(Secret.of(SECRET), form))
                .POST(HttpRequest.BodyPublishers.ofByteArray(form)));
        assertThat(r.statusCode()).isEqualTo(202);
        GatewayHarness.Stored m = only(delivery);
        assertThat(m.subject()).isEqualTo("github.acme.form-repo.push");
        assertThat(m.body()).isEqualTo(json);
        // The signature covers the form as sent; signing the decoded JSON instead is refused.
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(URI.create(gateway.url() + "/webhooks/github"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-GitHub-Event", "push").header("X-GitHub-Delivery", newDelivery())
                .header("X-Hub-Signature-256", Signatures.sign(Secret.of(SECRET), json.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(form)));
        assertThat(wrong.statusCode()).isEqualTo(401);
        byte[] noPayload = "other=1".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(gateway.url() + "/webhooks/github"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-GitHub-Event", "push").header("X-GitHub-Delivery", newDelivery())
                .header("X-Hub-Signature-256", Signatures.sign(Secret.of(SECRET), noPayload))
                .POST(HttpRequest.BodyPublishers.ofByteArray(noPayload)));
        assertRefusal(missing, 400, "form body has no payload field");
    }

    @Test
    void acceptedDeliveryCarriesGitHubHeadersAndExactBody() throws Exception {
        String delivery = newDelivery();
        String body = "{ \"repository\" : {\"name\":\"headers-repo\",\"owner\":{\"login\":\"acme\"}},  \"n\": 1.50 }";
        HttpResponse<String> r = post(gateway, "issues", delivery, body);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode answer = Payloads.JSON.readTree(r.body());
        GatewayHarness.Stored m = only(delivery);
        assertThat(answer.get("delivery").asText()).isEqualTo(delivery);
        assertThat(answer.get("stream_seq").asLong()).isEqualTo(m.seq());
        assertThat(answer.has("duplicate")).isFalse();
        assertThat(m.headers()).containsEntry("Nats-Msg-Id", delivery).containsEntry("X-GitHub-Delivery", delivery)
                .containsEntry("X-GitHub-Event", "issues").containsEntry("X-GitHub-Hook-ID", "4242");
        assertThat(m.body()).isEqualTo(body); // byte for byte, not re-serialized
        assertThat(metric(gateway, "orgctl_gateway_deliveries_total{event=\"issues\",outcome=\"published\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    // --- operations ---

    @Test
    void healthReadinessAndMetrics() {
        HttpResponse<String> h = GatewayHarness.get(gateway, "/healthz");
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(h.body()).isEqualTo("{\"status\":\"ok\"}\n");
        HttpResponse<String> ready = GatewayHarness.get(gateway, "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\":true").contains("\"nats\":\"ok\"").contains("\"jetstream\":\"ok\"")
                .contains("\"delivery_index\":\"ok\"");
        assertThat(send(HttpRequest.newBuilder(URI.create(gateway.url() + "/readyz"))
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(405);
        post(gateway, "push", newDelivery(), repoPayload("acme", "metrics"));
        HttpResponse<String> m = GatewayHarness.get(gateway, "/metrics");
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(m.body())
                .contains("orgctl_gateway_deliveries_total{event=\"push\",outcome=\"published\"}")
                .contains("orgctl_gateway_duplicates_total{source=\"index\"}")
                .contains("orgctl_gateway_index_deliveries ")
                .contains("orgctl_gateway_publish_seconds_bucket{le=")
                .contains("orgctl_gateway_publish_seconds_count")
                .contains("orgctl_gateway_request_seconds_bucket{status=\"202\",le=")
                .contains("orgctl_gateway_in_flight_requests ")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void refusesToStartWithoutSecretUnlessInsecureIsAsked() throws Exception {
        assertThatThrownBy(() -> GatewayHarness.start(NATS.fixture(), GatewayHarness.settings()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("GITHUB_WEBHOOK_SECRET").hasMessageContaining("--insecure-no-signature");
        try (Gateway open = GatewayHarness.start(NATS.fixture(),
                GatewayHarness.settings().withInsecureNoSignature(true))) {
            String delivery = newDelivery();
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(open.url() + "/webhooks/github"))
                    .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                    .header("X-GitHub-Delivery", delivery)
                    .POST(HttpRequest.BodyPublishers.ofString(repoPayload("acme", "insecure"))));
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(only(delivery).subject()).isEqualTo("github.acme.insecure.push");
        }
    }

    @Test
    void deliveryOverTheNatsMaxPayloadIs413NotA503Loop() throws Exception {
        try (NatsServerFixture tiny = NatsServerFixture.start("max_payload: 65536").withTopology();
             Gateway g = GatewayHarness.start(tiny, GatewayHarness.settings(SECRET));
             Connection c = tiny.connect()) {
            String big = "{\"organization\":{\"login\":\"acme\"},\"pad\":\"" + "x".repeat(70_000) + "\"}";
            HttpResponse<String> r = post(g, "push", newDelivery(), big);
            assertRefusal(r, 413, "delivery of " + big.length() + " bytes exceeds the event bus's message limit");
            assertThat(eventCount(c)).isZero();
            assertThat(post(g, "push", newDelivery(), repoPayload("acme", "small")).statusCode()).isEqualTo(202);
        }
    }

    // --- helpers ---

    private static void assertPublishedAs(String event, String body, String subject) throws Exception {
        String delivery = newDelivery();
        HttpResponse<String> r = post(gateway, event, delivery, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        GatewayHarness.Stored m = only(delivery);
        assertThat(m.subject()).isEqualTo(subject);
        assertThat(m.headers()).containsEntry("X-GitHub-Event", event);
        assertThat(m.body()).isEqualTo(body);
        assertThat(Payloads.JSON.readTree(r.body()).get("stream_seq").asLong()).isEqualTo(m.seq());
    }

    /** The one message with this delivery id; fails when there are none or several. */
    static GatewayHarness.Stored only(String delivery) {
        List<GatewayHarness.Stored> found = events(NATS.connection()).stream()
                .filter(s -> delivery.equals(s.msgId())).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static void assertRefusal(HttpResponse<String> r, int status, String error) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        // One JSON line: {"error": "..."}.
        assertThat(r.body()).endsWith("\n");
        assertThat(r.body().indexOf('\n')).isEqualTo(r.body().length() - 1);
        try {
            JsonNode n = Payloads.JSON.readTree(r.body());
            assertThat(n.size()).isEqualTo(1);
            assertThat(n.get("error").asText()).isEqualTo(error);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    private static HttpRequest.Builder base(String delivery) {
        return HttpRequest.newBuilder(URI.create(gateway.url() + "/webhooks/github"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                .header("X-GitHub-Delivery", delivery);
    }

    /** The same request without one header (HttpRequest.Builder cannot remove one, so it is rebuilt). */
    private static HttpRequest.Builder without(HttpRequest.Builder b, String header) {
        HttpRequest r = b.build();
        HttpRequest.Builder copy = HttpRequest.newBuilder(r.uri()).method(r.method(),
                r.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody()));
        r.headers().map().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase(header)) {
                vs.forEach(v -> copy.header(k, v));
            }
        });
        return copy;
    }

    private static int rawStatus(String head, byte[] body) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.address().getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            String response = readHead(s.getInputStream());
            return Integer.parseInt(response.substring(9, 12));
        }
    }

    /** The status line, headers and (Content-Length) body of one response. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            buf.write(c);
            String s = buf.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                int at = s.toLowerCase(Locale.ROOT).indexOf("content-length:");
                int len = at < 0 ? 0 : Integer.parseInt(s.substring(at + 15, s.indexOf("\r\n", at)).trim());
                return s + new String(in.readNBytes(len), StandardCharsets.UTF_8);
            }
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }
}
