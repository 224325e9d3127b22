package dev.orgctl.hosts.git;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.webhook.Signatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefWatcherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Secret SECRET = Secret.of("watcher-secret");
    private static final HttpDeliverySink.Retry FAST = new HttpDeliverySink.Retry(2, Duration.ofMillis(10),
            Duration.ofMillis(20), Duration.ofSeconds(5));

    @TempDir
    Path tmp;
    GitTestRepos repos;
    TestGateway gateway;
    Path stateDir;
    final List<RefWatcher> watchers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        repos = new GitTestRepos(Files.createDirectories(tmp.resolve("root")));
        gateway = new TestGateway();
        stateDir = tmp.resolve("data/git-watcher");
    }

    @AfterEach
    void tearDown() {
        watchers.forEach(RefWatcher::close);
        gateway.close();
        repos.close();
    }

    private RefWatcher watcher() {
        RefWatcher w = new RefWatcher(repos.host(), new FileRefStateStore(stateDir),
                new HttpDeliverySink(gateway.url(), SECRET, FAST), Duration.ofMillis(100), Optional.empty());
        watchers.add(w);
        return w;
    }

    private JsonNode body(int i) throws Exception {
        return JSON.readTree(gateway.requests.get(i).body());
    }

    @Test
    void aGitCommandLinePushBecomesOneSignedGitHubPushDelivery() throws Exception {
        RepoRef api = repos.create("acme", "api", GitRepoSettings.defaults().withTopics("java").withLanguage("Java"));
        String before = repos.commit(api, files("README.md", "hello\n", "old.txt", "old\n"), "init");
        RefWatcher w = watcher();
        assertThat(w.scanOnce().deliveries()).isZero(); // baseline: what exists is recorded, not delivered
        assertThat(gateway.calls.get()).isZero();

        String after = repos.gitPush(api, files("README.md", "hello again\n", "src/a.txt", "a\n", "old.txt", null),
                "Edit the readme\n\nWith a body.");
        RefWatcher.ScanReport report = w.scanOnce();

        assertThat(report.deliveries()).isEqualTo(1);
        assertThat(gateway.requests).hasSize(1);
        TestGateway.Request r = gateway.requests.get(0);
        assertThat(r.header("X-GitHub-Event")).isEqualTo("push");
        assertThat(r.header("X-GitHub-Delivery")).isEqualTo(PushPayloads.pushGuid(api, "refs/heads/main", before,
                after));
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(new Signatures(new WebhookSecrets(List.of(SECRET))).verify(r.body(), r.header("X-Hub-Signature-256"),
                null)).isEqualTo(Signatures.Verdict.VALID);

        JsonNode p = body(0);
        assertThat(p.path("ref").asText()).isEqualTo("refs/heads/main");
        assertThat(p.path("before").asText()).isEqualTo(before);
        assertThat(p.path("after").asText()).isEqualTo(after);
        assertThat(p.path("created").asBoolean()).isFalse();
        assertThat(p.path("deleted").asBoolean()).isFalse();
        assertThat(p.path("forced").asBoolean()).isFalse();
        assertThat(p.path("commits")).hasSize(1);
        JsonNode c = p.path("commits").get(0);
        assertThat(c.path("id").asText()).isEqualTo(after);
        assertThat(c.path("message").asText()).isEqualTo("Edit the readme\n\nWith a body.\n");
        assertThat(c.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)");
        assertThat(c.path("author").path("name").asText()).isEqualTo("Alice Example");
        assertThat(c.path("author").path("email").asText()).isEqualTo("alice@example.com");
        assertThat(texts(c.path("added"))).containsExactly("src/a.txt");
        assertThat(texts(c.path("modified"))).containsExactly("README.md");
        assertThat(texts(c.path("removed"))).containsExactly("old.txt");
        assertThat(p.path("head_commit").path("id").asText()).isEqualTo(after);
        JsonNode repo = p.path("repository");
        assertThat(repo.path("name").asText()).isEqualTo("api");
        assertThat(repo.path("full_name").asText()).isEqualTo("acme/api");
        assertThat(repo.path("default_branch").asText()).isEqualTo("main");
        assertThat(repo.path("owner").path("login").asText()).isEqualTo("acme");
        assertThat(repo.path("created_at").isNumber()).isTrue(); // GitHub's push quirk: Unix seconds
        assertThat(texts(repo.path("topics"))).containsExactly("java");
        assertThat(repo.path("language").asText()).isEqualTo("Java");
        assertThat(p.path("organization").path("login").asText()).isEqualTo("acme");
        assertThat(p.path("sender").path("login").asText()).isEqualTo("alice");
        assertThat(p.path("pusher").path("name").asText()).isEqualTo("Alice Example");
        assertThat(p.path("pusher").path("email").asText()).isEqualTo("alice@example.com");

        assertThat(w.scanOnce().deliveries()).isZero();
        assertThat(gateway.requests).hasSize(1);
    }

    @Test
    void aRestartReEmitsWhatWasNotAcknowledgedWithTheSameGuidAndNothingElse() throws Exception {
        RepoRef api = repos.create("acme", "api");
        repos.commit(api, files("a", "1\n"), "one");
        RefWatcher first = watcher();
        first.scanOnce();
        String a = repos.commit(api, files("a", "2\n"), "two");
        assertThat(first.scanOnce().deliveries()).isEqualTo(1);
        String ackedGuid = gateway.requests.get(0).header("X-GitHub-Delivery");

        repos.gitPush(api, files("a", "3\n"), "three");
        gateway.status = () -> 503; // the gateway is down
        RefWatcher.ScanReport failed = first.scanOnce();
        assertThat(failed.failures()).isEqualTo(1);
        String lostGuid = gateway.attempts.get(gateway.attempts.size() - 1);
        assertThat(lostGuid).isNotEqualTo(ackedGuid);
        first.close(); // orgctl goes down before the gateway acknowledged

        gateway.status = () -> 200;
        gateway.requests.clear();
        RefWatcher second = watcher(); // a new process with the same data directory
        assertThat(second.scanOnce().deliveries()).isEqualTo(1);
        assertThat(gateway.requests).hasSize(1);
        assertThat(gateway.requests.get(0).header("X-GitHub-Delivery")).isEqualTo(lostGuid);
        assertThat(body(0).path("before").asText()).isEqualTo(a);
        assertThat(second.scanOnce().deliveries()).isZero();
    }

    @Test
    void aNewRepositoryIsAnnouncedThenItsPushesDelivered() throws Exception {
        repos.create("acme", "api");
        RefWatcher w = watcher();
        w.scanOnce();

        RepoRef fresh = repos.create("acme", "fresh");
        w.scanOnce();
        assertThat(gateway.requests).hasSize(1);
        assertThat(gateway.requests.get(0).header("X-GitHub-Event")).isEqualTo("repository");
        JsonNode created = body(0);
        assertThat(created.path("action").asText()).isEqualTo("created");
        assertThat(created.path("repository").path("full_name").asText()).isEqualTo("acme/fresh");
        assertThat(created.path("repository").path("created_at").isTextual()).isTrue();
        assertThat(created.path("organization").path("login").asText()).isEqualTo("acme");

        String head = repos.gitPush(fresh, files("README.md", "new\n"), "first commit");
        w.scanOnce();
        assertThat(gateway.requests).hasSize(2);
        JsonNode push = body(1);
        assertThat(push.path("created").asBoolean()).isTrue();
        assertThat(push.path("before").asText()).isEqualTo(PushPayloads.ZERO);
        assertThat(push.path("after").asText()).isEqualTo(head);
        assertThat(texts(push.path("commits").get(0).path("added"))).containsExactly("README.md");

        // A repository that appears with commits already: created first, then its branch.
        GitTestRepos.git(tmp, "clone", "--quiet", "--bare", repos.host().gitDir(fresh).toString(),
                repos.root().resolve("acme/copy.git").toString());
        w.scanOnce();
        assertThat(gateway.requests).hasSize(4);
        assertThat(gateway.requests.get(2).header("X-GitHub-Event")).isEqualTo("repository");
        assertThat(gateway.requests.get(3).header("X-GitHub-Event")).isEqualTo("push");
        assertThat(body(3).path("repository").path("name").asText()).isEqualTo("copy");
    }

    @Test
    void forcePushesAndDeletionsAreFlagged() throws Exception {
        RepoRef api = repos.create("acme", "api");
        repos.commit(api, files("a", "1\n"), "one");
        RefWatcher w = watcher();
        w.scanOnce();
        Path work = tmp.resolve("work");
        GitTestRepos.git(tmp, "clone", "--quiet", repos.host().gitDir(api).toUri().toString(), work.toString());
        GitTestRepos.git(work, "checkout", "--quiet", "-b", "feature");
        Files.writeString(work.resolve("f"), "f1\n");
        GitTestRepos.git(work, "add", "f");
        GitTestRepos.git(work, "commit", "--quiet", "-m", "feature one");
        GitTestRepos.git(work, "push", "--quiet", "origin", "feature");
        w.scanOnce();
        JsonNode created = body(0);
        assertThat(created.path("ref").asText()).isEqualTo("refs/heads/feature");
        assertThat(created.path("created").asBoolean()).isTrue();
        assertThat(created.path("commits")).hasSize(1); // only what main did not have

        GitTestRepos.git(work, "commit", "--quiet", "--amend", "-m", "feature one, amended");
        GitTestRepos.git(work, "push", "--quiet", "--force", "origin", "feature");
        w.scanOnce();
        assertThat(body(1).path("forced").asBoolean()).isTrue();

        GitTestRepos.git(work, "push", "--quiet", "origin", ":feature");
        w.scanOnce();
        JsonNode deleted = body(2);
        assertThat(deleted.path("deleted").asBoolean()).isTrue();
        assertThat(deleted.path("after").asText()).isEqualTo(PushPayloads.ZERO);
        assertThat(deleted.path("head_commit").isNull()).isTrue();
        assertThat(deleted.path("commits")).isEmpty();
        assertThat(gateway.requests).hasSize(3);
    }

    @Test
    void theBackgroundWatcherDeliversPushesOnItsOwn() throws Exception {
        RepoRef api = repos.create("acme", "api");
        repos.commit(api, files("a", "1\n"), "one");
        RefWatcher w = watcher();
        w.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(stateDir.resolve("initialized")));
        String head = repos.gitPush(api, files("a", "2\n"), "two");
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.requests.size() == 1);
        assertThat(body(0).path("after").asText()).isEqualTo(head);
        Thread.sleep(400); // several more scans: nothing new
        assertThat(gateway.requests).hasSize(1);
    }

    @Test
    void aPushRacingTheBaselineIsDeliveredAndReadinessWaitsForTheFirstScan() throws Exception {
        RepoRef api = repos.create("acme", "api");
        repos.commit(api, files("a", "1\n"), "history");
        RefWatcher w = watcher(); // orgctl up starts here ...
        assertThat(w.problem()).hasValueSatisfying(p -> assertThat(p).contains("baseline"));
        // ... and a push lands before the watcher's first scan has read the repository.
        String pushed = repos.gitPush(api, files("a", "2\n"), "pushed during the baseline");

        assertThat(w.scanOnce().deliveries()).isEqualTo(1);
        assertThat(w.problem()).isEmpty();
        JsonNode p = body(0);
        assertThat(p.path("ref").asText()).isEqualTo("refs/heads/main");
        assertThat(p.path("after").asText()).isEqualTo(pushed);
        assertThat(p.path("created").asBoolean()).as("not in the baseline: a new ref to the watcher").isTrue();
        assertThat(w.scanOnce().deliveries()).isZero();
        assertThat(gateway.requests).hasSize(1);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
