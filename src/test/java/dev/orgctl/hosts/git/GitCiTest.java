package dev.orgctl.hosts.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.config.HostPort;
import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.testing.SharedNats;
import dev.orgctl.testing.WebhookSchemas;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git backend's simulated CI end to end: real bare repositories, the real ref watcher, and its
 * deliveries sent to a real gateway on a real nats-server, read back from {@code GITHUB_EVENTS}.
 */
class GitCiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Secret SECRET = Secret.of("git-ci-secret");
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    static Gateway gateway;
    static WebhookSchemas schemas;

    @TempDir
    Path tmp;
    GitTestRepos repos;
    HttpDeliverySink sink;
    final List<AutoCloseable> closing = new ArrayList<>();
    RefWatcher watcher;
    /** Each test its own org, so the subjects it reads back are its own. */
    String org;

    @BeforeAll
    static void gatewayOnNats() {
        gateway = Gateway.start(GatewaySettings.defaults(new HostPort("127.0.0.1", 0),
                        new WebhookSecrets(List.of(SECRET))).withShutdownGrace(Duration.ofSeconds(2)),
                new NatsConnector(NATS.settings()), Gateway.newRegistry());
        schemas = WebhookSchemas.load();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @BeforeEach
    void setUp(org.junit.jupiter.api.TestInfo info) throws IOException {
        repos = new GitTestRepos(Files.createDirectories(tmp.resolve("root")));
        sink = new HttpDeliverySink(URI.create(gateway.url() + "/webhooks/github"), SECRET);
        org = "org-" + info.getTestMethod().orElseThrow().getName().toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9]", "").substring(0, 20);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        repos.close();
    }

    /** CI with the given timeout and parallelism, behind a watcher whose baseline is taken. */
    private GitCi start(Duration timeout, int parallel) {
        GitCi ci = new GitCi(repos.host(), sink, timeout, parallel, ".github");
        closing.add(ci);
        watcher = new RefWatcher(repos.host(), new FileRefStateStore(tmp.resolve("state")), sink, Duration.ofSeconds(1),
                Optional.empty(), RefWatcher.DEFAULT_FULL_CHECK_EVERY, ci);
        closing.add(watcher);
        watcher.scanOnce();
        return ci;
    }

    /** A repository {@code api} that the watcher (with CI of this timeout, two at once) has seen created. */
    private RepoRef watchedRepository(Duration timeout) {
        start(timeout, 2);
        RepoRef api = repos.create(org, "api");
        watcher.scanOnce();
        return api;
    }

    private String pushCi(RepoRef repo, String script) {
        Map<String, RepoFile> files = new LinkedHashMap<>();
        files.put("README.md", RepoFile.of("hello " + script.hashCode() + "\n"));
        files.put(GitCi.SCRIPT, new RepoFile(script.getBytes(StandardCharsets.UTF_8), true));
        String sha = repos.commitFiles(repo, files, "CI");
        watcher.scanOnce();
        return sha;
    }

    /** The check suite stored in GITHUB_EVENTS for {@code sha}, once it is there. */
    private JsonNode awaitCheckSuite(RepoRef repo, String sha) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(WAIT).until(() -> {
            found[0] = lastCheckSuite(repo).filter(b -> b.path("check_suite").path("head_sha").asText().equals(sha))
                    .orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private Optional<JsonNode> lastCheckSuite(RepoRef repo) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = NATS.connection().jetStreamManagement();
        try {
            MessageInfo m = jsm.getLastMessage("GITHUB_EVENTS", "github." + repo.org() + "." + repo.name() + ".check_suite");
            assertThat(m.getHeaders().getFirst("X-GitHub-Event")).isEqualTo("check_suite");
            assertThat(schemas.violations("check_suite", m.getData())).as("schema of %s", new String(m.getData(),
                    StandardCharsets.UTF_8)).isEmpty();
            return Optional.of(JSON.readTree(m.getData()));
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isNoMessage(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private long checkSuites(RepoRef repo) throws IOException, JetStreamApiException {
        String subject = "github." + repo.org() + "." + repo.name() + ".check_suite";
        List<io.nats.client.api.Subject> subjects = NATS.connection().jetStreamManagement()
                .getStreamInfo("GITHUB_EVENTS", io.nats.client.api.StreamInfoOptions.filterSubjects(subject)).getStreamState().getSubjects();
        return subjects == null ? 0 : subjects.stream().filter(s -> s.getName().equals(subject))
                .mapToLong(io.nats.client.api.Subject::getCount).sum();
    }

    private String log(RepoRef repo, String sha) throws IOException {
        return Files.readString(GitCi.logFile(repos.root(), repo, sha));
    }

    @Test
    void aScriptThatExitsZeroIsASuccessfulCheckSuiteInGitHubEvents() throws Exception {
        RepoRef api = watchedRepository(Duration.ofSeconds(60));
        String sha = pushCi(api, "#!/bin/sh\necho \"checking $ORGCTL_CI_REPO at $ORGCTL_CI_SHA in $(pwd)\"\n"
                + "test -f README.md || exit 9\necho \"token: ${GITHUB_TOKEN:-none}\"\nread line && echo \"stdin: $line\"\n"
                + "echo to-stderr >&2\nexit 0\n");

        JsonNode body = awaitCheckSuite(api, sha);
        JsonNode suite = body.path("check_suite");
        assertThat(body.path("action").asText()).isEqualTo("completed");
        assertThat(suite.path("status").asText()).isEqualTo("completed");
        assertThat(suite.path("conclusion").asText()).isEqualTo("success");
        assertThat(suite.path("head_branch").asText()).isEqualTo("main");
        assertThat(suite.path("id").asLong()).isEqualTo(CheckSuitePayloads.suiteId(api, sha));
        assertThat(suite.path("app").path("slug").asText()).isEqualTo(CheckSuitePayloads.APP_SLUG);
        assertThat(suite.path("head_commit").path("id").asText()).isEqualTo(sha);
        assertThat(body.path("repository").path("full_name").asText()).isEqualTo(org + "/api");
        Path logFile = GitCi.logFile(repos.root(), api, sha);
        assertThat(suite.path("url").asText()).isEqualTo(logFile.toUri().toString());
        String log = log(api, sha);
        assertThat(log).contains("checking " + org + "/api at " + sha + " in ").contains("to-stderr")
                .contains("token: none").doesNotContain("stdin:").contains("[exit code 0]")
                .contains("conclusion: success");
        String checkout = log.lines().filter(l -> l.startsWith("checking ")).findFirst().orElseThrow()
                .replaceFirst(".* in ", "");
        assertThat(Path.of(checkout)).as("the temporary checkout is deleted").doesNotExist();
        assertThat(repos.host().organizations()).as("the log folder is no org").containsExactly(org);
    }

    @Test
    void aScriptThatExitsThreeIsAFailure() throws Exception {
        RepoRef api = watchedRepository(Duration.ofSeconds(60));
        String sha = pushCi(api, "#!/bin/sh\necho 'the build broke'\nexit 3\n");

        JsonNode suite = awaitCheckSuite(api, sha).path("check_suite");
        assertThat(suite.path("conclusion").asText()).isEqualTo("failure");
        assertThat(log(api, sha)).contains("the build broke").contains("[exit code 3]").contains("conclusion: failure");
    }

    @Test
    void outputPastOneMebibyteIsCountedNotKept() throws Exception {
        RepoRef api = watchedRepository(Duration.ofSeconds(60));
        String sha = pushCi(api, "#!/bin/sh\nhead -c 3000000 /dev/zero | tr '\\0' x\necho\necho done >&2\nexit 0\n");

        assertThat(awaitCheckSuite(api, sha).path("check_suite").path("conclusion").asText()).isEqualTo("success");
        String log = log(api, sha);
        assertThat(log).contains("[output truncated: " + (3_000_001 + "done\n".length() - GitCiRun.MAX_OUTPUT)
                + " more bytes after the first " + GitCiRun.MAX_OUTPUT + "]").contains("conclusion: success");
        assertThat(Files.size(GitCi.logFile(repos.root(), api, sha))).isBetween((long) GitCiRun.MAX_OUTPUT,
                GitCiRun.MAX_OUTPUT + 1024L);
    }

    @Test
    void aScriptThatOutlivesTheTimeoutIsKilledAndTimedOut() throws Exception {
        RepoRef api = watchedRepository(Duration.ofSeconds(1));
        Path pidFile = tmp.resolve("sleeper.pid");
        String sha = pushCi(api, "#!/bin/sh\necho sleeping\nsleep 120 &\necho $! > " + pidFile + "\nwait\n");

        JsonNode suite = awaitCheckSuite(api, sha).path("check_suite");
        assertThat(suite.path("conclusion").asText()).isEqualTo("timed_out");
        assertThat(log(api, sha)).contains("sleeping").contains("killed after the timeout of 1 s")
                .contains("conclusion: timed_out");
        long sleeper = Long.parseLong(Files.readString(pidFile).strip());
        await().atMost(WAIT).until(() -> ProcessHandle.of(sleeper).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void noScriptNoCiAndTheTemplatesRepositoryHasNone() throws Exception {
        start(Duration.ofSeconds(60), 1); // one at a time, in order: the last result comes after the others
        RepoRef api = repos.create(org, "api");
        RepoRef templates = repos.create(org, ".github");
        watcher.scanOnce();
        String plain = repos.commit(api, GitTestRepos.files("README.md", "no CI here\n"), "no CI");
        watcher.scanOnce();
        String templatesHead = pushCi(templates, "#!/bin/sh\nexit 0\n");
        String notExecutable = repos.commitFiles(api, Map.of(GitCi.SCRIPT, RepoFile.of("#!/bin/sh\nexit 0\n")),
                "CI, but not executable");
        watcher.scanOnce();

        JsonNode suite = awaitCheckSuite(api, notExecutable).path("check_suite");
        assertThat(suite.path("conclusion").asText()).isEqualTo("failure");
        assertThat(log(api, notExecutable)).contains("not an executable file (git mode 100644");
        assertThat(GitCi.logFile(repos.root(), api, plain)).doesNotExist();
        assertThat(GitCi.logFile(repos.root(), templates, templatesHead)).doesNotExist();
        assertThat(checkSuites(api)).isEqualTo(1);
        assertThat(checkSuites(templates)).isZero();
    }

    @Test
    void aHeadWhoseLogExistsIsNotRunAgainAfterARestart() throws Exception {
        start(Duration.ofSeconds(60), 1);
        RepoRef api = repos.create(org, "api");
        watcher.scanOnce();
        Path runs = tmp.resolve("runs");
        String script = "#!/bin/sh\necho \"$ORGCTL_CI_SHA\" >> " + runs + "\n";
        String first = pushCi(api, script);
        awaitCheckSuite(api, first);
        RefWatcher.DefaultHead seen = new RefWatcher.DefaultHead(api, null, "main", PushPayloads.ZERO, first);
        closing.forEach(c -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        closing.clear();

        GitCi again = start(Duration.ofSeconds(60), 1); // a new process, the same git root
        again.defaultBranchMoved(seen); // the same head seen again (a push re-emitted after a crash)
        String second = pushCi(api, script + "# second\n");
        awaitCheckSuite(api, second);

        assertThat(Files.readAllLines(runs)).containsExactly(first, second);
        assertThat(again.reportedCount()).isEqualTo(1);
    }
}
