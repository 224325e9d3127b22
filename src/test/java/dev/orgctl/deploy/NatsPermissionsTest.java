package dev.orgctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.UpProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The accounts and users of {@code deploy/nats/accounts.conf}, as shipped, on a real nats-server:
 * the admin applies the topology, {@code orgctl up} as the service user takes a push through to a
 * regenerated repository without the server refusing anything, and a command that needs more than
 * its user may do fails with one line naming the refused permission.
 */
class NatsPermissionsTest {
    private static final String ORG = "acme";
    private static final String MARKER = "@acme/permissions-check";

    private Path root;
    private NatsServerFixture nats;

    @BeforeEach
    void start() throws Exception {
        root = Files.createTempDirectory("orgctl-deploy-nats-");
        nats = NatsServerFixture.start(Files.readString(DeployFiles.path("nats/accounts.conf")));
    }

    @AfterEach
    void stop() {
        nats.close();
        NatsServerFixture.deleteTree(root);
    }

    @Test
    void theServiceUserRegeneratesARepositoryWithoutAnyRefusal() throws Exception {
        OrgctlProcess.Result applied = OrgctlProcess.run(root, as("orgctl-admin", "change-me-admin"), "topology", "apply");
        assertThat(applied.exitCode()).as(applied.err()).isZero();

        Path gitRoot = Files.createDirectories(root.resolve("git"));
        GitTestRepos repos = new GitTestRepos(gitRoot);
        RepoRef templates = repos.create(ORG, ".github");
        repos.commit(templates, SampleTemplates.files(), "initial templates");
        RepoRef target = repos.create(ORG, "svc-01");
        repos.commit(target, GitTestRepos.files("src/main.txt", "code\n"), "initial");

        Map<String, String> env = as("orgctl", "change-me-orgctl");
        env.put("ORGCTL_BACKEND", "git");
        env.put("ORGCTL_GIT_ROOT", gitRoot.toString());
        env.put("GITHUB_ORG", ORG);
        env.put("GITHUB_WEBHOOK_SECRET", "deploy-test-secret");
        try (UpProcess up = UpProcess.start(root, "service", env, "--reconcile-every", "0", "--watch-interval", "100ms")) {
            Path initialized = up.dataDir().resolve("git-watcher").resolve("initialized");
            await("orgctl up ready").atMost(Duration.ofSeconds(120)).until(() -> up.ready() && Files.exists(initialized));
            repos.gitPush(templates, GitTestRepos.files("templates/github/.github/CODEOWNERS",
                    "* <%= vars.owners %> " + MARKER + "\n"), "owners");
            await(target.fullName() + " regenerated").atMost(Duration.ofSeconds(120))
                    .until(() -> String.valueOf(repos.file(target, ".github/CODEOWNERS")).contains(MARKER));
            assertThat(violations()).as("the server refused nothing orgctl up asked for").isEmpty();
            assertThat(up.log()).doesNotContain("Permissions Violation");
        }
    }

    @Test
    void topologyApplyAsTheGatewayUserFailsNamingThePermission() {
        OrgctlProcess.Result r = OrgctlProcess.run(root, as("orgctl-gateway", "change-me-gateway"), "topology", "apply");

        assertThat(r.exitCode()).isNotZero();
        List<String> lines = r.err().lines().filter(l -> l.startsWith("orgctl: ")).collect(Collectors.toList());
        assertThat(lines).as(r.err()).hasSize(1);
        assertThat(lines.get(0)).contains("not permitted", "$JS.API.STREAM.INFO.KV_ORGCTL_LOCKS", "orgctl-gateway")
                .doesNotContain("change-me");
        assertThat(violations()).anyMatch(v -> v.contains("$JS.API.STREAM.INFO.KV_ORGCTL_LOCKS"));
    }

    private Map<String, String> as(String user, String password) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NATS_URL", nats.url());
        env.put("NATS_USER", user);
        env.put("NATS_PASSWORD", password);
        env.put("ORGCTL_DATA_DIR", root.resolve("data-" + user).toString());
        return env;
    }

    /** The server's own record of what it refused. */
    private List<String> violations() throws java.io.UncheckedIOException {
        try {
            return Files.readAllLines(nats.store().resolve("nats-server.log")).stream()
                    .filter(l -> l.contains("Violation")).collect(Collectors.toList());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
