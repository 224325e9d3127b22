package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.SkippingClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The backend's HTTP answers beyond Terraform's happy path: authentication, names, limits, locks, max hold. */
class TfstateHttpTest {
    private static final Duration MAX_HOLD = Duration.ofHours(1);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final SkippingClock CLOCK = SkippingClock.system();
    private static TfstateServer server;

    @BeforeAll
    static void start() {
        server = new TfstateServer(NatsServerFixture.start().withTopology(),
                new TfstateSettings(5, 1024 * 1024, 1, MAX_HOLD, Optional.empty()), CLOCK);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> send(String method, String target, String password, byte[] body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.gateway().url() + "/tfstate/" + target))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (password != null) {
            b.header("Authorization", TestStateAuth.basic(password));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] lockInfo(String id) {
        return ("{\"ID\":\"" + id + "\",\"Operation\":\"OperationTypeApply\",\"Who\":\"ci@runner\",\"Version\":\"1.11.4\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void withoutCredentials401WithTheChallengeAndWithoutTheGrant403() throws Exception {
        HttpResponse<String> none = send("GET", "http/auth", null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"orgctl tfstate\"");
        assertThat(send("GET", "http/auth", "wrong-password", null).statusCode()).isEqualTo(401);
        assertThat(send("POST", "http/auth", TestStateAuth.READER, StateStoreTest.state(1, "x")).statusCode())
                .isEqualTo(403);
        assertThat(send("LOCK", "http/auth", TestStateAuth.READER, lockInfo("r")).statusCode()).isEqualTo(403);
        assertThat(send("GET", "http/auth", TestStateAuth.ELSEWHERE, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "http/auth", TestStateAuth.READER, null).statusCode()).isEqualTo(404);
        assertThat(server.registry.scrape()).contains("orgctl_tfstate_requests_total{method=\"GET\",outcome=\"unauthenticated\"}");
    }

    @Test
    void aBadNameIs400WithTheRuleAndAnUnknownMethod405() throws Exception {
        for (String bad : new String[] {"a/../b", "a//b", "x%2Fy", "a/" + "n".repeat(65), "a/b/c/d/e/f/g/h/i"}) {
            HttpResponse<String> r = send("GET", bad, TestStateAuth.WRITER, null);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).contains("a state name is 1 to 8 segments");
        }
        HttpResponse<String> put = send("PUT", "http/method", TestStateAuth.WRITER, new byte[] {'{', '}'});
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).contains("GET, POST, DELETE, LOCK, UNLOCK");
    }

    @Test
    void aStateOverMaxBytesIs413AndNotJson400() throws Exception {
        assertThat(send("POST", "http/big", TestStateAuth.WRITER, new byte[1024 * 1024 + 1]).statusCode()).isEqualTo(413);
        HttpResponse<String> notJson = send("POST", "http/big", TestStateAuth.WRITER,
                "secret=1".getBytes(StandardCharsets.UTF_8));
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).doesNotContain("secret");
    }

    @Test
    void aHeldLockIsAnswered423WithTheHoldersLockInfoAndWritesNeedItsId() throws Exception {
        byte[] holder = lockInfo("holder-1");
        assertThat(send("LOCK", "http/locks", TestStateAuth.WRITER, holder).statusCode()).isEqualTo(200);
        HttpResponse<String> busy = send("LOCK", "http/locks", TestStateAuth.WRITER, lockInfo("other"));
        assertThat(busy.statusCode()).isEqualTo(423);
        assertThat(busy.body()).isEqualTo(new String(holder, StandardCharsets.UTF_8));
        HttpResponse<String> noId = send("POST", "http/locks", TestStateAuth.WRITER, StateStoreTest.state(1, "x"));
        assertThat(noId.statusCode()).isEqualTo(409);
        assertThat(noId.body()).isEqualTo(new String(holder, StandardCharsets.UTF_8));
        assertThat(send("POST", "http/locks?ID=other", TestStateAuth.WRITER, StateStoreTest.state(1, "x")).statusCode())
                .isEqualTo(409);
        assertThat(send("DELETE", "http/locks", TestStateAuth.WRITER, null).statusCode()).isEqualTo(409);
        assertThat(send("UNLOCK", "http/locks", TestStateAuth.WRITER, lockInfo("other")).statusCode()).isEqualTo(409);
        assertThat(send("POST", "http/locks?ID=holder-1", TestStateAuth.WRITER, StateStoreTest.state(1, "x"))
                .statusCode()).isEqualTo(200);
        assertThat(send("UNLOCK", "http/locks", TestStateAuth.WRITER, holder).statusCode()).isEqualTo(200);
        HttpResponse<String> stale = send("POST", "http/locks?ID=holder-1", TestStateAuth.WRITER,
                StateStoreTest.state(2, "y"));
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(send("GET", "http/locks", TestStateAuth.READER, null).body()).contains("\"serial\":1");
        assertThat(send("DELETE", "http/locks", TestStateAuth.WRITER, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "http/locks", TestStateAuth.READER, null).statusCode()).isEqualTo(404);
        assertThat(server.registry.scrape()).contains("orgctl_tfstate_bytes_count{direction=\"written\"}",
                "orgctl_tfstate_lock_hold_seconds_count", "orgctl_tfstate_requests_total{method=\"LOCK\",outcome=\"locked\"}");
    }

    @Test
    void beyondMaxInflightStatesInMemoryTheAnswerIs503WithRetryAfterUntilOneFinishes() throws Exception {
        // tfstate.max_inflight is 1 here: a POST whose body is still coming holds the one permit.
        try (java.net.Socket slow = new java.net.Socket(server.gateway().address().getAddress(),
                server.gateway().address().getPort())) {
            slow.getOutputStream().write(("POST /tfstate/http/inflight HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + TestStateAuth.basic(TestStateAuth.WRITER) + "\r\nContent-Length: 100\r\n\r\n{\"serial\":")
                    .getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();
            HttpResponse<String> busy = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> send("GET", "http/inflight", TestStateAuth.READER, null), r -> r.statusCode() == 503);
            assertThat(busy.headers().firstValue("Retry-After")).isPresent();
            assertThat(send("LOCK", "http/inflight", TestStateAuth.WRITER, lockInfo("small")).statusCode())
                    .as("a LockInfo holds no state: not bounded by max_inflight").isEqualTo(200);
        }
        // The abandoned body gives its permit back.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> send("GET", "http/inflight", TestStateAuth.READER, null).statusCode(), s -> s == 404);
    }

    @Test
    void aLockHeldPastTheMaximumHoldTimeCountsAsReleasedAndIsCounted() throws Exception {
        assertThat(send("LOCK", "http/hold", TestStateAuth.WRITER, lockInfo("forgotten")).statusCode()).isEqualTo(200);
        assertThat(send("LOCK", "http/hold", TestStateAuth.WRITER, lockInfo("next")).statusCode()).isEqualTo(423);
        CLOCK.skip(MAX_HOLD.plusMinutes(1));
        assertThat(send("LOCK", "http/hold", TestStateAuth.WRITER, lockInfo("next")).statusCode()).isEqualTo(200);
        assertThat(send("POST", "http/hold?ID=forgotten", TestStateAuth.WRITER, StateStoreTest.state(1, "late"))
                .statusCode()).isEqualTo(409);
        assertThat(server.registry.scrape()).containsPattern("orgctl_tfstate_locks_released_by_max_hold_total\\S* 1.0");
    }
}
