package dev.orgctl.gateway;

import static dev.orgctl.gateway.GatewayHarness.SECRET;
import static dev.orgctl.gateway.GatewayHarness.events;
import static dev.orgctl.gateway.GatewayHarness.metric;
import static dev.orgctl.gateway.GatewayHarness.newDelivery;
import static dev.orgctl.gateway.GatewayHarness.post;
import static dev.orgctl.gateway.GatewayHarness.repoPayload;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.SharedNats;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same delivery GUID is published once: beyond JetStream's duplicate window (shortened to two
 * seconds here, so that only the gateway's delivery index can catch a repeat), across gateway
 * restarts, between racing gateway instances, and after a first attempt that stored its message
 * but never answered.
 */
class GatewayDedupTest {
    /** JetStream's own de-duplication, shortened so the tests can step outside it. */
    static final Duration WINDOW = Duration.ofSeconds(2);

    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    @BeforeAll
    static void shortenWindow() {
        GatewayHarness.shortenDuplicateWindow(NATS.connection(), WINDOW);
    }

    @Test
    void jetStreamAloneWouldStoreARepeatOutsideItsWindow() throws Exception {
        // The control experiment: it shows the window is short, so the tests below prove the index.
        String id = newDelivery();
        String subject = SubjectCodec.subject("acme", Optional.of("control"), "push");
        long first = rawPublish(subject, id).getSeqno();
        Thread.sleep(WINDOW.toMillis() + 500);
        PublishAck second = rawPublish(subject, id);
        assertThat(second.isDuplicate()).isFalse();
        assertThat(second.getSeqno()).isGreaterThan(first);
    }

    @Test
    void redeliveryAfterTheJetStreamWindowIsADuplicateAndPublishesNothing() throws Exception {
        try (Gateway g = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
            String id = newDelivery();
            String body = repoPayload("acme", "redelivered");
            HttpResponse<String> first = post(g, "push", id, body);
            assertThat(first.statusCode()).isEqualTo(202);
            long seq = Payloads.JSON.readTree(first.body()).get("stream_seq").asLong();
            Thread.sleep(WINDOW.toMillis() + 500);
            double indexed = metric(g, "orgctl_gateway_duplicates_total{source=\"index\"}");

            HttpResponse<String> again = post(g, "push", id, body);
            assertDuplicate(again, id, seq);
            assertDuplicate(post(g, "push", id, body), id, seq);
            assertThat(metric(g, "orgctl_gateway_duplicates_total{source=\"index\"}")).isEqualTo(indexed + 2);
            assertThat(metric(g, "orgctl_gateway_deliveries_total{event=\"push\",outcome=\"duplicate\"}")).isEqualTo(2);
            assertThat(copies(id)).isEqualTo(1);
        }
    }

    @Test
    void redeliveryAfterAGatewayRestartAndANatsRestartIsADuplicate() throws Exception {
        String id = newDelivery();
        String body = repoPayload("acme", "restarts");
        long seq;
        try (Gateway first = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
            HttpResponse<String> r = post(first, "push", id, body);
            assertThat(r.statusCode()).isEqualTo(202);
            seq = Payloads.JSON.readTree(r.body()).get("stream_seq").asLong();
        }
        try (Gateway second = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
            assertDuplicate(post(second, "push", id, body), id, seq); // inside the window even: a fresh process
            Thread.sleep(WINDOW.toMillis() + 500);
            assertDuplicate(post(second, "push", id, body), id, seq);
        }
        NATS.fixture().restart(); // the index is read back from the stream, which is on disk
        try (Connection c = NATS.fixture().connect();
             Gateway third = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
            assertDuplicate(post(third, "push", id, body), id, seq);
        }
        assertThat(copies(id)).isEqualTo(1);
    }

    @Test
    void twoGatewaysRacingOnTheSameGuidsPublishEachOnce() throws Exception {
        int guids = 120;
        int perGatewayPerGuid = 2;
        try (Gateway a = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET));
             Gateway b = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < guids; i++) {
                ids.add(newDelivery());
            }
            // Round 1: fresh GUIDs, four requests each at once (two per gateway).
            Map<String, List<HttpResponse<String>>> fresh = race(ids, a, b, perGatewayPerGuid);
            for (String id : ids) {
                List<HttpResponse<String>> rs = fresh.get(id);
                assertThat(rs).hasSize(2 * perGatewayPerGuid);
                assertThat(rs).allMatch(r -> r.statusCode() == 202 || r.statusCode() == 200);
                assertThat(rs.stream().filter(r -> r.statusCode() == 202)).as("exactly one 202 for " + id).hasSize(1);
                assertThat(rs.stream().map(GatewayDedupTest::seqOf).distinct()).as("one sequence for " + id).hasSize(1);
            }
            // Round 2: the same GUIDs raced again after JetStream's window: only the indexes stand in the way.
            Thread.sleep(WINDOW.toMillis() + 500);
            Map<String, List<HttpResponse<String>>> later = race(ids, a, b, perGatewayPerGuid);
            for (String id : ids) {
                long first = seqOf(fresh.get(id).get(0));
                assertThat(later.get(id)).allSatisfy(r -> assertDuplicate(r, id, first));
            }
            Map<String, Long> copies = events(NATS.connection()).stream().filter(s -> ids.contains(s.msgId()))
                    .collect(Collectors.groupingBy(GatewayHarness.Stored::msgId, Collectors.counting()));
            assertThat(copies).hasSize(guids);
            assertThat(copies.values()).allMatch(n -> n == 1);
        }
    }

    @Test
    void aDeliveryStoredWithoutAnAnswerIsADuplicateForGatewaysFollowingAndStartingLater() throws Exception {
        // A first attempt that died after its message was stored (or another replica's publish): GitHub saw no
        // 2xx and redelivers after JetStream's window. A gateway that was running learns it by following the
        // stream; one started afterwards, by reading the window back.
        try (Gateway running = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
            String id = newDelivery();
            String body = repoPayload("acme", "died-after-publish");
            String subject = "github.acme.died-after-publish.push";
            long stored = rawPublish(subject, id).getSeqno();
            for (int i = 0; i < 5; i++) {
                rawPublish(subject, newDelivery()); // later traffic on the subject
            }
            Thread.sleep(WINDOW.toMillis() + 500);
            assertDuplicate(post(running, "push", id, body), id, stored);
            try (Gateway later = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
                assertDuplicate(post(later, "push", id, body), id, stored);
                assertThat(metric(later, "orgctl_gateway_duplicates_total{source=\"index\"}")).isEqualTo(1);
            }
            assertThat(copies(id)).isEqualTo(1);
        }
    }

    @Test
    void afterTheDeduplicationWindowARedeliveryIsNew() throws Exception {
        Duration window = Duration.ofSeconds(3);
        try (Gateway g = GatewayHarness.start(NATS.fixture(),
                GatewayHarness.settings(SECRET).withDedupWindow(window))) {
            String id = newDelivery();
            String body = repoPayload("acme", "window");
            HttpResponse<String> first = post(g, "push", id, body);
            assertThat(first.statusCode()).isEqualTo(202);
            assertDuplicate(post(g, "push", id, body), id, seqOf(first));
            Thread.sleep(window.toMillis() + 500);
            HttpResponse<String> again = post(g, "push", id, body);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
            assertThat(seqOf(again)).isGreaterThan(seqOf(first));
        }
    }

    @Test
    void manyRedeliveriesRacedAcrossGatewaysAfterTheWindowAreAllDuplicates() throws Exception {
        // Stored by raw publishes (attempts that died before answering), then both gateways get each
        // redelivery twice at once, past JetStream's window: the indexes answer, nothing is published.
        List<String> ids = new ArrayList<>();
        Map<String, Long> seqs = new ConcurrentHashMap<>();
        for (int i = 0; i < 40; i++) {
            String id = newDelivery();
            seqs.put(id, rawPublish("github.acme.racing-late.push", id).getSeqno());
            ids.add(id);
        }
        Thread.sleep(WINDOW.toMillis() + 500);
        try (Gateway a = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET));
             Gateway b = GatewayHarness.start(NATS.fixture(), GatewayHarness.settings(SECRET))) {
            Map<String, List<HttpResponse<String>>> results = race(ids, a, b, 2, "racing-late");
            for (String id : ids) {
                assertThat(results.get(id)).allSatisfy(r -> assertDuplicate(r, id, seqs.get(id)));
            }
        }
        Map<String, Long> copies = events(NATS.connection()).stream().filter(s -> ids.contains(s.msgId()))
                .collect(Collectors.groupingBy(GatewayHarness.Stored::msgId, Collectors.counting()));
        assertThat(copies).hasSize(ids.size());
        assertThat(copies.values()).allMatch(n -> n == 1);
    }

    // --- helpers ---

    private static Map<String, List<HttpResponse<String>>> race(List<String> ids, Gateway a, Gateway b, int each)
            throws Exception {
        return race(ids, a, b, each, "raced");
    }

    /** For every GUID, {@code each} requests to each gateway, released together. */
    private static Map<String, List<HttpResponse<String>>> race(List<String> ids, Gateway a, Gateway b, int each,
                                                               String repo) throws Exception {
        Map<String, List<HttpResponse<String>>> out = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4 * each);
        try {
            for (String id : ids) {
                String body = repoPayload("acme", repo);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> fs = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        return post(a, "push", id, body);
                    }));
                    fs.add(pool.submit(() -> {
                        go.await();
                        return post(b, "push", id, body);
                    }));
                }
                go.countDown();
                List<HttpResponse<String>> rs = new CopyOnWriteArrayList<>();
                for (Future<HttpResponse<String>> f : fs) {
                    rs.add(f.get(30, TimeUnit.SECONDS));
                }
                out.put(id, rs);
            }
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private static void assertDuplicate(HttpResponse<String> r, String id, long seq) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            JsonNode n = Payloads.JSON.readTree(r.body());
            assertThat(n.get("duplicate").asBoolean()).isTrue();
            assertThat(n.get("stream_seq").asLong()).isEqualTo(seq);
            assertThat(n.get("delivery").asText()).isEqualTo(id);
        } catch (java.io.IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }

    private static long seqOf(HttpResponse<String> r) {
        try {
            return Payloads.JSON.readTree(r.body()).get("stream_seq").asLong();
        } catch (java.io.IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }

    private static long copies(String id) {
        return events(NATS.connection()).stream().filter(s -> id.equals(s.msgId())).count();
    }

    private static PublishAck rawPublish(String subject, String id) throws Exception {
        JetStream js = NATS.connection().jetStream();
        Headers h = new Headers();
        h.put("X-GitHub-Delivery", id);
        return js.publish(NatsMessage.builder().subject(subject).headers(h)
                .data("{\"organization\":{\"login\":\"acme\"}}".getBytes(StandardCharsets.UTF_8)).build(),
                PublishOptions.builder().messageId(id).build());
    }
}
