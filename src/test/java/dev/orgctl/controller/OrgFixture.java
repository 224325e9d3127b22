package dev.orgctl.controller;

import dev.orgctl.cli.Services;
import dev.orgctl.cli.UpCommand;
import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.hosts.git.RefWatcher;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.regen.Provenance;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsCluster;
import dev.orgctl.testing.NatsServerFixture;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * An org "acme" on real bare repositories (templates repository with {@link SampleTemplates}, N
 * targets with an initial commit), a real nats-server with the topology, and the services
 * {@code orgctl up} runs, started in process by {@link UpCommand#startServices}: git host,
 * controller (reconcile off), gateway on a free port with a webhook secret, ref watcher at 100 ms.
 */
public final class OrgFixture implements AutoCloseable {
    public static final String ORG = "acme";
    public static final String SECRET = "e2e-webhook-secret";

    public final Path root;
    final Path gitRoot;
    /** The single nats-server, or null when the org runs on a {@link NatsCluster} the test owns. */
    public final NatsServerFixture nats;
    private final String natsUrl;
    private final int replicas;
    final GitTestRepos repos;
    public final RepoRef templates;
    public final List<RepoRef> targets = new ArrayList<>();
    final OrgctlConfig config;
    public NatsRuntime runtime;
    Services services;
    public UpCommand.Started started;

    private OrgFixture(int targetCount, Map<String, String> templateFiles) {
        this(targetCount, templateFiles, null);
    }

    private OrgFixture(int targetCount, Map<String, String> templateFiles, NatsCluster cluster) {
        try {
            root = Files.createTempDirectory("orgctl-e2e-");
            gitRoot = Files.createDirectories(root.resolve("git"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        nats = cluster == null ? NatsServerFixture.start().withTopology() : null;
        natsUrl = cluster == null ? nats.url() : String.join(",", cluster.urls());
        replicas = cluster == null ? 1 : cluster.settings().replicas();
        repos = new GitTestRepos(gitRoot);
        templates = repos.create(ORG, ".github");
        repos.commit(templates, templateFiles, "initial templates");
        for (int i = 1; i <= targetCount; i++) {
            RepoRef r = repos.create(ORG, String.format("svc-%02d", i));
            repos.commit(r, GitTestRepos.files("src/main.txt", "code of " + r.name() + "\n"), "initial");
            targets.add(r);
        }
        config = ConfigResolver.resolve(Map.of(), env(root.resolve("data"), 0), Optional.empty());
    }

    /** {@link #env(String, Path, Path, int)} for this fixture's NATS, with its replica count. */
    private Map<String, String> env(Path dataDir, int httpPort) {
        Map<String, String> env = env(natsUrl, gitRoot, dataDir, httpPort);
        env.put("ORGCTL_NATS_REPLICAS", Integer.toString(replicas));
        return env;
    }

    /** The environment {@code orgctl up} needs for this org. */
    static Map<String, String> env(String natsUrl, Path gitRoot, Path dataDir, int httpPort) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NATS_URL", natsUrl);
        env.put("ORGCTL_BACKEND", "git");
        env.put("ORGCTL_GIT_ROOT", gitRoot.toString());
        env.put("GITHUB_ORG", ORG);
        env.put("GITHUB_WEBHOOK_SECRET", SECRET);
        env.put("ORGCTL_HTTP_ADDR", "127.0.0.1:" + httpPort);
        env.put("ORGCTL_DATA_DIR", dataDir.toString());
        return env;
    }

    /** Repositories and NATS only; {@link #startServices} starts orgctl. */
    public static OrgFixture create(int targetCount, Map<String, String> templateFiles) {
        return new OrgFixture(targetCount, templateFiles);
    }

    /**
     * Repositories on a running cluster (its topology already applied at its replica count); the
     * test closes the cluster after the fixture.
     */
    public static OrgFixture onCluster(NatsCluster cluster, int targetCount, Map<String, String> templateFiles) {
        return new OrgFixture(targetCount, templateFiles, cluster);
    }

    static OrgFixture start(int targetCount, CircuitBreaker.Settings breaker) {
        return start(targetCount, breaker, SampleTemplates.files());
    }

    public static OrgFixture start(int targetCount, CircuitBreaker.Settings breaker, Map<String, String> templateFiles) {
        OrgFixture f = new OrgFixture(targetCount, templateFiles);
        try {
            f.startServices(breaker);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    /** A NATS connection for the test itself, without starting orgctl in this process. */
    public NatsRuntime connect() {
        if (runtime == null) {
            runtime = NatsRuntime.open(config, "e2e", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
        }
        return runtime;
    }

    void startServices(CircuitBreaker.Settings breaker) {
        startServices(ControllerSettings.defaults().withReconcile(Optional.empty()).withBreaker(breaker),
                dev.orgctl.controller.rollout.RolloutPlanner.FROM_CONFIG);
    }

    /** The services with these controller settings, and the waves of rollouts chosen by {@code planner}. */
    void startServices(ControllerSettings settings, dev.orgctl.controller.rollout.RolloutPlanner planner) {
        connect();
        services = new Services();
        started = UpCommand.startServices(services, config, runtime,
                GatewaySettings.defaults(config.httpAddr(), config.webhookSecrets()), settings, Duration.ofMillis(100),
                planner);
        // The watcher's first scan is a baseline: pushes before it would be taken for the starting state.
        await("the ref watcher's baseline scan", Duration.ofSeconds(30),
                () -> started.refWatcher().orElseThrow().scanCount() >= 1);
    }

    /**
     * Starts {@code n} {@code orgctl up} child JVMs on this org (reconcile off, watcher at 100 ms,
     * plus {@code args}) and waits until each is ready with its watcher's baseline.
     */
    public List<dev.orgctl.testing.UpProcess> startReplicas(int n, String... args) {
        List<dev.orgctl.testing.UpProcess> processes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> argv = new ArrayList<>(List.of("--reconcile-every", "0", "--watch-interval", "100ms"));
            argv.addAll(List.of(args));
            processes.add(dev.orgctl.testing.UpProcess.start(root, Integer.toString(i),
                    env(root.resolve("unused"), 0), argv.toArray(String[]::new)));
        }
        for (dev.orgctl.testing.UpProcess p : processes) {
            Path initialized = p.dataDir().resolve("git-watcher").resolve("initialized");
            await("orgctl up (pid " + p.process().pid() + ") ready with its watcher's baseline",
                    Duration.ofSeconds(90), () -> p.ready() && Files.exists(initialized));
        }
        return processes;
    }

    Controller controller() {
        return started.controller();
    }

    double counter(String name, String tag, String value) {
        return controller().metrics().count(name, tag, value);
    }

    // ---- pushing as a person

    /** A person's commit written with JGit straight into the bare repository. */
    String pushJGit(RepoRef repo, Map<String, String> files, String message) {
        return repos.commit(repo, files, message);
    }

    /** A person's clone, edit, commit and push with the {@code git} command line. */
    public String pushGit(RepoRef repo, Map<String, String> files, String message) {
        try {
            return repos.gitPush(repo, files, message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- reading

    /** A file at the default branch's head, or null. */
    public String file(RepoRef repo, String path) {
        return repos.file(repo, path);
    }

    public String head(RepoRef repo) {
        return repos.host().branchHead(repo, "main").orElse("");
    }

    public List<RevCommit> log(RepoRef repo) {
        return repos.log(repo, "main");
    }

    long orgctlCommits(RepoRef repo) {
        return log(repo).stream().filter(c -> Provenance.isOrgctlCommit(c.getFullMessage())).count();
    }

    long personCommits(RepoRef repo) {
        return log(repo).stream().filter(c -> !Provenance.isOrgctlCommit(c.getFullMessage())).count();
    }

    /** The trailer value of a commit message, or "". */
    public static String trailer(RevCommit c, String name) {
        for (String line : c.getFullMessage().split("\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return "";
    }

    long totalCommits() {
        long n = log(templates).size();
        for (RepoRef r : targets) {
            n += log(r).size();
        }
        return n;
    }

    // ---- waiting

    /** Messages not yet delivered or not yet acknowledged on both controller consumers. */
    public long pendingWork() {
        return pendingWork(runtime.connection());
    }

    /** {@link #pendingWork()} through any connection to the NATS orgctl uses. */
    static long pendingWork(io.nats.client.Connection connection) {
        try {
            JetStreamManagement jsm = connection.jetStreamManagement();
            long n = 0;
            for (String[] sc : new String[][] {{Topology.EVENTS_STREAM, Topology.CONTROLLER_CONSUMER},
                    {Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER}}) {
                ConsumerInfo ci = jsm.getConsumerInfo(sc[0], sc[1]);
                n += ci.getNumPending() + ci.getNumAckPending();
            }
            return n;
        } catch (IOException | io.nats.client.JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until nothing moves, at most {@code timeout}: no pending delivery or job on either
     * controller consumer, and no new commit or delivery across two whole scans of the in-process
     * ref watcher (a push made before the second scan began would have been delivered by it). That
     * idle is measured, so it ends as soon as the org is still. Without an in-process watcher (the
     * replicas are child JVMs) nothing can be observed between a push and its delivery, so the
     * state must instead hold still for {@code quiet}.
     */
    void awaitQuiescence(Duration timeout) {
        awaitQuiescence(Duration.ofMillis(1500), timeout);
    }

    public void awaitQuiescence(Duration quiet, Duration timeout) {
        Optional<RefWatcher> watcher = started == null ? Optional.empty() : started.refWatcher();
        Stillness still = new Stillness(watcher, quiet);
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(still::reached);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no quiescence within " + timeout + " (pending work " + pendingWork() + ")", e);
        }
    }

    /** Tracks the org between polls: what it looked like and when (in scans, else in time) it last moved. */
    private final class Stillness {
        private final Optional<RefWatcher> watcher;
        private final Duration quiet;
        private List<Long> last = List.of();
        private long movedAtScan;
        private long movedAtNanos;

        Stillness(Optional<RefWatcher> watcher, Duration quiet) {
            this.watcher = watcher;
            this.quiet = quiet;
        }

        boolean reached() {
            long scans = watcher.map(RefWatcher::scanCount).orElse(0L);
            List<Long> now = List.of(totalCommits(), watcher.map(RefWatcher::deliveredCount).orElse(0L));
            if (!now.equals(last) || pendingWork() > 0) {
                last = now;
                movedAtScan = scans;
                movedAtNanos = System.nanoTime();
                return false;
            }
            return watcher.isPresent() ? scans >= movedAtScan + 2 : System.nanoTime() - movedAtNanos >= quiet.toNanos();
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + timeout + " waiting for " + what, e);
        }
    }

    @Override
    public void close() {
        if (services != null) {
            services.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        repos.close();
        if (nats != null) {
            nats.close();
        }
        NatsServerFixture.deleteTree(root);
    }
}
