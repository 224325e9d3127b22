package dev.orgctl.controller.rollout;

import dev.orgctl.cli.Services;
import dev.orgctl.cli.UpCommand;
import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.HostPort;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.controller.OrgFixture;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.regen.Provenance;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The services of {@code orgctl up} in process with {@code ORGCTL_BACKEND=github} on a real
 * nats-server, the stateful GitHub fake as GitHub: an org {@code acme} whose templates repository
 * {@code .github} has an {@code orgctl.yaml} with a {@code rollout} block, a repository
 * {@code canary} and the others the test names, and an org webhook to the gateway subscribed to
 * what a rollout needs ({@code push}, {@code repository}, and the CI events).
 */
final class GitHubRolloutFixture implements AutoCloseable {
    static final String ORG = "acme";
    static final String SECRET = "rollout-webhook-secret";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Person ALICE = Person.of("alice");

    final GitHubFake fake;
    final FakeOrg acme;
    final FakeRepo templates;
    final NatsServerFixture nats;
    final Path dataDir;
    final Map<String, String> env;
    private final NatsRuntime runtime;
    private final Services services;
    final KvRollouts store;
    private final List<String> repos;

    /**
     * Starts it all: {@code yaml} is the templates' {@code orgctl.yaml} (the file {@code
     * templates/base/ROLLOUT.txt} is the one a test changes), {@code repos} the target repositories
     * (with auto-merge allowed), {@code timing} the driver's tick and poll.
     */
    GitHubRolloutFixture(String yaml, List<String> repos, ControllerSettings.RolloutTiming timing) throws Exception {
        this.repos = List.copyOf(repos);
        fake = GitHubFake.start();
        acme = fake.createOrg(ORG);
        templates = acme.createRepo(RepoSpec.named(".github").files(Map.of("orgctl.yaml", yaml,
                "templates/base/" + RolloutTemplates.FILE, "rolled out: initial\n")));
        for (String name : repos) {
            acme.createRepo(name).setAutoMergeAllowed(true);
        }
        nats = NatsServerFixture.start().withTopology();
        dataDir = Files.createTempDirectory("orgctl-gh-rollout-");
        env = new HashMap<>(fake.environment(ORG, fake.createToken("orgctl", "repo", "workflow", "admin:org_hook")));
        env.put("NATS_URL", nats.url());
        env.put("GITHUB_WEBHOOK_SECRET", SECRET);
        env.put("ORGCTL_DATA_DIR", dataDir.toString());
        OrgctlConfig config = ConfigResolver.resolve(Map.of(), env, Optional.empty());
        runtime = NatsRuntime.open(config, "gh-rollout", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
        services = new Services();
        UpCommand.Started started = UpCommand.startServices(services, config, runtime,
                GatewaySettings.defaults(new HostPort("127.0.0.1", 0), config.webhookSecrets()),
                ControllerSettings.defaults().withReconcile(Optional.empty())
                        .withSettle(Duration.ofMillis(300), Duration.ofSeconds(5)).withRollout(timing),
                Duration.ofMillis(200));
        store = started.controller().rollouts();
        acme.addHook(started.gateway().url() + "/webhooks/github", SECRET,
                List.of("push", "repository", "check_suite", "workflow_run", "status", "pull_request"));
    }

    /** The {@code orgctl.yaml} of a direct-mode org with {@code rolloutLines} (from {@code rollout:}). */
    static String yaml(String... lines) {
        return "version: 1\nmode: direct\n" + String.join("\n", lines) + "\n";
    }

    /** Every target gets CI that succeeds: at once, except {@code canary}'s, {@code canaryDelay} after its commit. */
    void passingCi(Duration canaryDelay) {
        for (String name : repos) {
            fake.ci().configure(repo(name), dev.orgctl.testing.github.FakeCi.Result.SUCCESS,
                    name.equals("canary") ? canaryDelay : Duration.ZERO);
        }
    }

    FakeRepo repo(String name) {
        return acme.requireRepo(name);
    }

    /** Pushes a new template revision: ROLLOUT.txt says {@code marker}. */
    String pushTemplates(String marker) {
        return templates.push("main", ALICE, "templates: " + marker,
                Map.of("templates/base/" + RolloutTemplates.FILE, "rolled out: " + marker + "\n"));
    }

    /** Pushes a new template revision that also changes {@code orgctl.yaml} to {@code yaml}. */
    String pushTemplates(String marker, String yaml) {
        return templates.push("main", ALICE, "templates: " + marker, Map.of("orgctl.yaml", yaml,
                "templates/base/" + RolloutTemplates.FILE, "rolled out: " + marker + "\n"));
    }

    Optional<Rollout> rollout(String id) {
        return store.get(ORG, id);
    }

    boolean is(String id, RolloutState state, int wave) {
        return rollout(id).map(r -> r.getState() == state && r.getWave() == wave).orElse(false);
    }

    /** How many commits orgctl wrote on {@code branch} of {@code repo} for template revision {@code rev}. */
    static long orgctlCommits(FakeRepo repo, String branch, String rev) {
        return repo.log(branch).stream().filter(c -> Provenance.isOrgctlCommit(c.message()))
                .filter(c -> rev.equals(Provenance.trailers(c.message()).get(Provenance.TEMPLATE_REV))).count();
    }

    /** Orgctl's commit on {@code main} of {@code repo} for {@code rev}, once there is one. */
    static Optional<String> orgctlCommit(FakeRepo repo, String rev) {
        return repo.log("main").stream().filter(c -> Provenance.isOrgctlCommit(c.message()))
                .filter(c -> rev.equals(Provenance.trailers(c.message()).get(Provenance.TEMPLATE_REV)))
                .map(FakeRepo.CommitInfo::id).findFirst();
    }

    /** Runs the orgctl CLI in its own JVM against this org's NATS and fake. */
    OrgctlProcess.Result cli(String... args) {
        return OrgctlProcess.run(dataDir, env, args);
    }

    static void await(String what, java.util.function.BooleanSupplier condition) {
        OrgFixture.await(what, WAIT, condition);
    }

    @Override
    public void close() {
        try {
            services.close();
            runtime.close();
            nats.close();
        } finally {
            try {
                fake.close(); // throws on a request GitHub's description refuses
            } finally {
                NatsServerFixture.deleteTree(dataDir);
            }
        }
    }
}
