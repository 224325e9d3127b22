package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Terraform 1.11's http-backend exchanges, recorded from the real binary
 * ({@code TerraformTest.recordTheExchangesOfTheRealBinary}), replayed in order against a fresh
 * backend: every answer must be what Terraform got, byte for byte. Runs without a terraform binary.
 */
class TfstateProtocolTest {
    static final String NAME = "rec/network";
    private static final String RESOURCE = "terraform-exchanges.json";
    private static TfstateServer server;

    @BeforeAll
    static void start() {
        server = TfstateServer.start(TfstateSettings.defaults());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static List<Exchanges.Recorded> recorded() throws IOException {
        try (InputStream in = TfstateProtocolTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " is a test resource").isNotNull();
            return Exchanges.fromJson(in.readAllBytes());
        }
    }

    @Test
    void theRecordingCoversEveryMethodAndTheLockRefusal() throws IOException {
        List<Exchanges.Recorded> all = recorded();
        assertThat(all).extracting(Exchanges.Recorded::method).contains("GET", "POST", "LOCK", "UNLOCK");
        assertThat(all).anySatisfy(e -> assertThat(e.status()).isEqualTo(423));
        assertThat(all).anySatisfy(e -> assertThat(e.target()).contains("?ID="));
        assertThat(all).anySatisfy(e -> assertThat(e.method().equals("UNLOCK") && e.body().length == 0).isTrue());
    }

    @Test
    void replayingTerraformsRequestsGetsTheAnswersTerraformGot() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = server.gateway().url();
        for (Exchanges.Recorded e : recorded()) {
            HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve(e.target()))
                    .method(e.method(), e.body().length == 0 && !e.headers().containsKey("Content-Type")
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(e.body()));
            e.headers().forEach(req::header);
            if (e.authorized()) {
                req.header("Authorization", TestStateAuth.basic(TestStateAuth.WRITER));
            }
            HttpResponse<byte[]> answer = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            String what = e.step() + ": " + e.method() + " " + e.target();
            assertThat(answer.statusCode()).as(what).isEqualTo(e.status());
            assertThat(Exchanges.text(answer.body())).as(what).isEqualTo(Exchanges.text(e.answer()));
        }
    }

    @Test
    void withoutCredentialsTerraformsFirstRequestIsChallenged() throws Exception {
        Exchanges.Recorded first = recorded().get(0);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.gateway().url().resolve(first.target())).method(first.method(),
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).contains(TfstateHandler.CHALLENGE);
    }
}
