package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.cli.Main;
import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.github.EventsReceiver;
import dev.orgctl.testing.github.FakeDelivery;
import dev.orgctl.testing.github.FakeHook;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.webhook.Signatures;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Webhook register / verify / redeliver against the fake, with a real NATS and a gateway stand-in. */
class OrgWebhooksTest {
    private static final Secret SECRET = Secret.of("s3cret-current");
    private NatsServerFixture nats;
    private Connection connection;
    private GitHubFake fake;
    private FakeOrg acme;
    private String token;
    private EventsReceiver gateway;

    @BeforeEach
    void start() throws Exception {
        nats = NatsServerFixture.start().withTopology();
        connection = nats.connect();
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        token = fake.createToken("octo", "repo", "admin:org_hook");
        gateway = new EventsReceiver(connection.jetStream(), new WebhookSecrets(List.of(SECRET, Secret.of("old"))));
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        connection.close();
        nats.close();
        fake.close(); // last: it fails the test on a call GitHub would refuse
    }

    private OrgWebhooks hooks() {
        return new OrgWebhooks(TestClients.pat(fake, token), "acme");
    }

    @Test
    void registeringTwiceMakesOneHookAndAnExistingHookIsAdoptedAndCorrected() {
        OrgWebhooks.Registration first = hooks().register(gateway.url(), SECRET);
        assertThat(first.created()).isTrue();
        OrgWebhooks.Registration second = hooks().register(gateway.url(), SECRET);
        assertThat(second.created()).isFalse();
        assertThat(second.hookId()).isEqualTo(first.hookId());
        assertThat(second.corrections()).containsExactly("secret written");
        assertThat(acme.hooks()).hasSize(1);
        FakeHook hook = acme.hooks().get(0);
        assertThat(hook.events()).containsExactlyElementsOf(OrgWebhooks.EVENTS);
        assertThat(hook.contentType()).isEqualTo("json");
        assertThat(hook.secret()).isEqualTo("s3cret-current");

        // A hook made by hand with the wrong settings and an old secret is corrected, not duplicated.
        FakeHook manual = acme.addHook("https://orgctl.example.com/webhooks/github", "old", List.of("*"));
        OrgWebhooks.Registration adopted = hooks().register("https://orgctl.example.com/webhooks/github", SECRET);
        assertThat(adopted.hookId()).isEqualTo(manual.id());
        assertThat(adopted.corrections()).containsExactly(
                "events [*] -> [push, repository, pull_request, check_suite, workflow_run, status]", "secret written");
        assertThat(acme.hooks()).hasSize(2);
        assertThat(manual.secret()).isEqualTo("s3cret-current");

        // GitHub pinged the new hook; the delivery was signed with the secret and stored once.
        fake.awaitDeliveries(Duration.ofSeconds(5));
        FakeDelivery ping = fake.deliveries().stream().filter(d -> d.hookId() == first.hookId()).findFirst().orElseThrow();
        assertThat(ping.event()).isEqualTo("ping");
        assertThat(ping.ok()).isTrue();
        assertThat(new Signatures(new WebhookSecrets(List.of(SECRET)))
                .verify(ping.payload(), ping.requestHeaders().get(Signatures.HEADER_256), null))
                .isEqualTo(Signatures.Verdict.VALID);
        assertThat(gateway.stored()).contains(ping.guid());
    }

    @Test
    void verifyWaitsForThePingInGitHubEvents() throws Exception {
        long hook = hooks().register(gateway.url(), SECRET).hookId();
        fake.awaitDeliveries(Duration.ofSeconds(5));
        // The ping GitHub sends on creation must be stored before the one verify asks for.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> gateway.stored().size() == 1);
        OrgWebhooks hooks = hooks();
        PingVerifier verifier = new PingVerifier(connection.jetStream(), Clock.systemUTC());
        Optional<PingVerifier.Arrival> arrival = verifier.verify("acme", hook, () -> hooks.ping(hook), Duration.ofSeconds(10));
        assertThat(arrival).isPresent();
        // It is the ping just requested, not the one sent when the hook was created. (The receiver notes a
        // delivery just after JetStream's ack, so the verifier can see it in the stream a moment earlier.)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gateway.stored().size() == 2);
        assertThat(gateway.stored()).endsWith(arrival.get().deliveryId());

        // A hook whose receiver refuses everything: no ping arrives, bounded by the timeout.
        gateway.failWith(() -> 503);
        long start = System.nanoTime();
        assertThat(verifier.verify("acme", hook, () -> hooks.ping(hook), Duration.ofMillis(800))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void failedDeliveriesAreRedeliveredOnceEachAndOnlyFailedOnes() throws Exception {
        long hook = hooks().register(gateway.url(), SECRET).hookId();
        FakeRepo web = acme.createRepo("web");
        fake.awaitDeliveries(Duration.ofSeconds(5));
        gateway.failWith(() -> 503); // the gateway is down for a while
        for (int i = 0; i < 105; i++) {
            web.push("main", Person.of("alice"), "change " + i, Map.of("f.txt", "v" + i + "\n"));
        }
        fake.awaitDeliveries(Duration.ofSeconds(30));
        Set<String> lost = fake.deliveries().stream().filter(d -> !d.ok()).map(FakeDelivery::guid)
                .collect(Collectors.toSet());
        assertThat(lost).hasSize(105);
        gateway.failWith(() -> 0);

        OrgWebhooks.RedeliveryReport dry = hooks().redeliver(hook, Duration.ofHours(72), Instant.now(), true);
        assertThat(dry.failed()).hasSize(105);
        assertThat(dry.redelivered()).isEmpty();

        OrgWebhooks.RedeliveryReport r = hooks().redeliver(hook, Duration.ofHours(72), Instant.now(), false);
        assertThat(r.events()).isEqualTo(107); // ping, repository created, 105 pushes: more than one page
        assertThat(r.redelivered()).hasSize(105);
        fake.awaitDeliveries(Duration.ofSeconds(30));
        assertThat(new HashSet<>(gateway.stored())).containsAll(lost);
        assertThat(fake.deliveries().stream().filter(FakeDelivery::redelivery).count()).isEqualTo(105);

        // Everything recovered: a second run (on a schedule) sends nothing.
        OrgWebhooks.RedeliveryReport again = hooks().redeliver(hook, Duration.ofHours(72), Instant.now(), false);
        assertThat(again.redelivered()).isEmpty();
        assertThat(again.recoveredEarlier()).isEqualTo(105);
        // Outside the window nothing is considered.
        assertThat(hooks().redeliver(hook, Duration.ofHours(1), Instant.now().plus(Duration.ofHours(3)), false)
                .attempts()).isZero();

        // Each event is in the stream exactly once.
        JetStreamSubscription sub = connection.jetStream().subscribe("github.acme.web.push",
                PullSubscribeOptions.builder().stream(Topology.EVENTS_STREAM).build());
        List<Message> msgs = sub.fetch(500, Duration.ofSeconds(2));
        assertThat(msgs).hasSize(105);
        assertThat(msgs.stream().map(m -> m.getHeaders().getFirst("X-GitHub-Delivery")).distinct()).hasSize(105);
    }

    @Test
    void theWebhookCommandsFromTheCli() {
        String[] common = {"--org", "acme", "--github-api-url", fake.url(), "--github-token", token,
            "--webhook-secret", "s3cret-current,old", "--nats-url", nats.url()};
        Run reg = cli(concat(new String[] {"webhook", "register", "--url", gateway.url()}, common));
        assertThat(reg.code()).isZero();
        assertThat(reg.out()).contains("created webhook");
        Run reg2 = cli(concat(new String[] {"webhook", "register", "--url", gateway.url()}, common));
        assertThat(reg2.out()).contains("adopted webhook", "secret written");
        assertThat(acme.hooks()).hasSize(1);

        Run verify = cli(concat(new String[] {"webhook", "verify", "--url", gateway.url(), "--timeout", "10s"}, common));
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).contains("arrived in GITHUB_EVENTS");

        Run redeliver = cli(concat(new String[] {"webhook", "redeliver", "--url", gateway.url(), "--since", "1h"}, common));
        assertThat(redeliver.code()).as(redeliver.err()).isZero();
        assertThat(redeliver.out()).contains("0 failed and were redelivered");

        Run neither = cli(concat(new String[] {"webhook", "redeliver"}, common));
        assertThat(neither.code()).isEqualTo(Main.EXIT_CONFIG);
        assertThat(neither.err()).contains("exactly one of --url or --hook-id");

        String repoOnly = fake.createToken("octo", "repo");
        Run scopeless = cli(new String[] {"webhook", "register", "--url", gateway.url(), "--org", "acme",
            "--github-api-url", fake.url(), "--github-token", repoOnly, "--webhook-secret", "s3cret-current"});
        assertThat(scopeless.code()).isEqualTo(1);
        assertThat(scopeless.err().strip().lines()).hasSize(1);
        assertThat(scopeless.err()).contains("admin:org_hook").doesNotContain(repoOnly).doesNotContain("s3cret");
        assertThat(reg.out() + reg2.out() + verify.out() + redeliver.out()).doesNotContain(token)
                .doesNotContain("s3cret");
    }

    private record Run(int code, String out, String err) {
    }

    private static Run cli(String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
