package dev.orgctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.UpProcess;
import dev.orgctl.config.Secret;
import dev.orgctl.webhook.Signatures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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

    /**
     * The Terraform state backend as the service user serves it: lock, chunked writes past
     * JetStream's message size, versions pushed out of the kept ones (a purge of the object
     * store's stream), read, unlock; the admin's token and history commands beside it.
     */
    @Test
    void theServiceUserServesTerraformStateWithoutAnyRefusal() throws Exception {
        OrgctlProcess.Result applied = OrgctlProcess.run(root, as("orgctl-admin", "change-me-admin"), "topology", "apply");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        OrgctlProcess.Result created = OrgctlProcess.run(root, as("orgctl-admin", "change-me-admin"),
                "tfstate", "token", "create", "ci", "--states", "prod/**", "--write");
        assertThat(created.exitCode()).as(created.err()).isZero();
        String token = created.out().strip().lines().reduce((a, b) -> b).orElseThrow();

        Path gitRoot = Files.createDirectories(root.resolve("git"));
        new GitTestRepos(gitRoot).create(ORG, ".github");
        Map<String, String> env = as("orgctl", "change-me-orgctl");
        env.put("ORGCTL_BACKEND", "git");
        env.put("ORGCTL_GIT_ROOT", gitRoot.toString());
        env.put("GITHUB_ORG", ORG);
        env.put("GITHUB_WEBHOOK_SECRET", "deploy-test-secret");
        env.put("ORGCTL_CONFIG", Files.writeString(root.resolve("service.yaml"), "tfstate:\n  versions: 2\n").toString());
        try (UpProcess up = UpProcess.start(root, "tfstate", env, "--reconcile-every", "0")) {
            await("orgctl up ready").atMost(Duration.ofSeconds(120)).until(up::ready);
            URI state = URI.create(up.webhookUrl()).resolve("/tfstate/prod/network");
            HttpClient http = HttpClient.newHttpClient();
            String lockId = UUID.randomUUID().toString();
            String lockInfo = "{\"ID\":\"" + lockId + "\",\"Operation\":\"OperationTypeApply\",\"Info\":\"\","
                    + "\"Who\":\"ci@runner\",\"Version\":\"1.11.4\",\"Created\":\"2026-12-04T00:00:00Z\","
                    + "\"Path\":\"\"}";
            assertThat(send(http, state, "LOCK", token, lockInfo).statusCode()).isEqualTo(200);
            String last = null;
            for (int serial = 1; serial <= 4; serial++) {
                // 3 MB: past the 1 MB message limit, so every version is chunked.
                last = "{\"version\":4,\"terraform_version\":\"1.11.4\",\"serial\":" + serial
                        + ",\"lineage\":\"permissions\",\"outputs\":{\"pad\":{\"value\":\""
                        + "x".repeat(3 << 20) + "\",\"type\":\"string\"}},\"resources\":[],\"check_results\":null}";
                HttpResponse<String> posted = send(http, URI.create(state + "?ID=" + lockId), "POST", token, last);
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
            }
            HttpResponse<String> read = send(http, state, "GET", token, null);
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.body()).isEqualTo(last);
            assertThat(send(http, state, "UNLOCK", token, lockInfo).statusCode()).isEqualTo(200);

            OrgctlProcess.Result history = OrgctlProcess.run(root, as("orgctl-admin", "change-me-admin"),
                    "tfstate", "history", "prod/network");
            assertThat(history.exitCode()).as(history.err()).isZero();
            List<String> versions = history.out().lines().filter(l -> l.matches("[ *] +[0-9].*")).toList();
            assertThat(versions).as(history.out()).hasSize(2).last().satisfies(l ->
                    assertThat(l.split(" +")).startsWith("*", "4", "4"));
            assertThat(violations()).as("the server refused nothing the state backend asked for").isEmpty();
            assertThat(up.log()).doesNotContain("Permissions Violation");
        }
    }

    private static HttpResponse<String> send(HttpClient http, URI uri, String method, String token, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Authorization", "Basic "
                + java.util.Base64.getEncoder().encodeToString(("terraform:" + token).getBytes(StandardCharsets.UTF_8)));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theGatewayUserStoresASignedDeliveryAndTheImagesHealthCheckPasses() throws Exception {
        OrgctlProcess.Result applied = OrgctlProcess.run(root, as("orgctl-admin", "change-me-admin"), "topology", "apply");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = as("orgctl-gateway", "change-me-gateway");
        env.put("ORGCTL_HTTP_ADDR", "127.0.0.1:" + port);
        env.put("GITHUB_WEBHOOK_SECRET", "deploy-test-secret");
        Path log = root.resolve("gateway.log");
        Process gateway = OrgctlProcess.builder(root, env, "gateway").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + port);
            await("orgctl gateway ready").atMost(Duration.ofSeconds(90)).until(() -> {
                assertThat(gateway.isAlive()).as(Files.readString(log)).isTrue();
                try {
                    return http.send(HttpRequest.newBuilder(base.resolve("/readyz")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            byte[] body = ("{\"action\":\"opened\",\"repository\":{\"name\":\"svc\",\"full_name\":\"acme/svc\","
                    + "\"owner\":{\"login\":\"acme\"}},\"organization\":{\"login\":\"acme\"},"
                    + "\"sender\":{\"login\":\"octocat\"}}").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/webhooks/github"))
                    .header("Content-Type", "application/json").header("X-GitHub-Event", "repository")
                    .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                    .header(Signatures.HEADER_256, Signatures.sign(Secret.of("deploy-test-secret"), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            assertThat(healthCheck(port)).as("the Containerfile's HEALTHCHECK against a real gateway").isZero();
            assertThat(violations()).as("the server refused nothing orgctl gateway asked for").isEmpty();
        } finally {
            gateway.toHandle().destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.toHandle().destroyForcibly();
            }
        }
        assertThat(healthCheck(port)).as("the HEALTHCHECK fails once nothing serves").isNotZero();
    }

    /** Runs the Containerfile's HEALTHCHECK command, aimed at {@code port} instead of the image's 8080. */
    private static int healthCheck(int port) throws Exception {
        String line = Files.readAllLines(DeployFiles.path("container/Containerfile")).stream()
                .filter(l -> l.strip().startsWith("CMD [\"bash\"")).findFirst().orElseThrow().strip();
        List<String> argv = new com.fasterxml.jackson.databind.ObjectMapper().readValue(line.substring(4),
                new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { });
        argv.set(argv.size() - 1, argv.get(argv.size() - 1).replace("/8080", "/" + port));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void topologyApplyAsTheGatewayUserFailsNamingThePermission() {
        OrgctlProcess.Result r = OrgctlProcess.run(root, as("orgctl-gateway", "change-me-gateway"), "topology", "apply");

        assertThat(r.exitCode()).isNotZero();
        List<String> lines = r.err().lines().filter(l -> l.startsWith("orgctl: ")).collect(Collectors.toList());
        assertThat(lines).as(r.err()).hasSize(1);
        assertThat(lines.get(0)).contains("not permitted", "$JS.API.STREAM.CREATE.GITHUB_EVENTS", "orgctl-gateway")
                .doesNotContain("change-me");
        assertThat(violations()).anyMatch(v -> v.contains("$JS.API.STREAM.CREATE.GITHUB_EVENTS"));
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
