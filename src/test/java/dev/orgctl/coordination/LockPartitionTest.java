package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.OrgctlException;
import dev.orgctl.config.NatsSettings;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RepoPlan;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsCluster;
import dev.orgctl.testing.ShortLeases;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A minority partition: the server leading the lock bucket is cut off from the other two, with a
 * lock holder connected only to it. No split brain: the cut-off side takes no lock, the majority
 * hands the lock on (once the stale holder's lease ends) with a higher fencing token, the stale
 * holder's check before a write fails, a commit it planned before the cut is refused on the new
 * holder's head (its token is older), and after healing both sides see one holder.
 */
class LockPartitionTest {
    private static final Duration LEASE = Duration.ofSeconds(4);

    @TempDir
    Path gitRoot;
    private GitTestRepos repos;
    private RepoRef templates;
    private RepoRef api;
    private TemplateLoader loader;
    private RegenPlanner planner;
    private RegenExecutor executor;

    @BeforeEach
    void repositories() {
        repos = new GitTestRepos(gitRoot);
        templates = repos.create("acme", ".github");
        repos.commit(templates, GitTestRepos.files("templates/ci/CODEOWNERS", "* @acme/platform\n"), "templates");
        api = repos.create("acme", "api");
        repos.commit(api, GitTestRepos.files("src/main.txt", "code\n"), "initial");
        loader = new TemplateLoader(repos.host());
        planner = new RegenPlanner(repos.host());
        executor = new RegenExecutor(repos.host(), planner);
    }

    @AfterEach
    void closeRepositories() {
        repos.close();
    }

    /** What a worker writes under {@code lease}: its token and when it took the lock. */
    private static RunContext fenced(String runId, Lease lease) {
        var at = lease.holder().getAcquiredAt();
        return RunContext.of(runId).withFence(lease.token(), Instant.ofEpochSecond(at.getSeconds(), at.getNanos()));
    }

    @Test
    void theCutOffSideTakesNoLockAndTheMajorityHandsItOnWithAHigherToken() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3).withTopology()) {
            try (Connection c = cluster.connect()) {
                ShortLeases.apply(c, Duration.ofSeconds(30), LEASE);
            }
            int cut = cluster.leaderOf("KV_" + Topology.LOCKS_BUCKET, Duration.ofSeconds(30));
            List<String> majorityUrls = cluster.nodes().stream().filter(n -> n.index() != cut)
                    .map(NatsCluster.Node::url).toList();
            NatsConnector minority = new NatsConnector(NatsSettings.plain(cluster.node(cut).url()));
            NatsConnector majority = new NatsConnector(NatsSettings.plain(majorityUrls.get(0)).withUrls(majorityUrls));
            try (Connection ca = minority.connect("stale", Duration.ofSeconds(5));
                 Connection cb = majority.connect("majority", Duration.ofSeconds(5));
                 LockService a = LockService.open(ca, minority.keyValueOptions(), Topology.LOCKS_BUCKET,
                         LockService.Identity.current("stale holder"), null);
                 LockService b = LockService.open(cb, majority.keyValueOptions(), Topology.LOCKS_BUCKET,
                         LockService.Identity.current("majority holder"), null)) {
                Lease stale = a.tryAcquire("acme/api", "test").orElseThrow();
                // The stale holder has planned its regeneration from the templates of the time.
                TemplateSnapshot older = loader.load("acme");
                RepoPlan stalePlan = planner.plan(older, repos.host().repository(api).orElseThrow());

                cluster.isolate(cut);

                // The cut-off side cannot take a lock: its server has no quorum for the bucket.
                assertThatThrownBy(() -> a.tryAcquire("acme/web", "test")).isInstanceOf(OrgctlException.class);
                // The majority elects a new leader for the bucket (writes answer "no responders" meanwhile)
                // and hands the lock on once the stale lease has run out, with a higher fencing token.
                assertThat(cluster.leaderOf("KV_" + Topology.LOCKS_BUCKET, Duration.ofSeconds(30))).isNotEqualTo(cut);
                Lease next = b.acquire("acme/api", "test", Duration.ofSeconds(60)).orElseThrow();
                assertThat(next.token()).isGreaterThan(stale.token());
                // The stale holder, renewing in vain, must not write: its check says so.
                assertThatThrownBy(stale::checkStillHeld).isInstanceOf(LeaseLostException.class);
                // The new holder commits newer templates under its token. Had the stale holder passed its
                // check a moment before the takeover, its commit would still be refused: the head carries the
                // newer token.
                repos.commit(templates, GitTestRepos.files("templates/ci/CODEOWNERS", "* @acme/owners-v2\n"), "v2");
                assertThat(executor.regenerate(loader.load("acme"), repos.host().repository(api).orElseThrow(),
                        fenced("run-majority", next))).isInstanceOf(RegenResult.Committed.class);
                String head = repos.host().branchHead(api, "main").orElseThrow();
                assertThat(executor.apply(older, stalePlan, fenced("run-stale", stale)))
                        .isInstanceOfSatisfying(RegenResult.Failed.class, f -> assertThat(f.message())
                                .contains("lock token " + next.token(), "this run's " + stale.token()));
                assertThat(repos.host().branchHead(api, "main")).contains(head);
                assertThat(repos.file(api, "CODEOWNERS")).endsWith("* @acme/owners-v2\n");

                cluster.restart(cut);
                cluster.awaitJetStream(Duration.ofSeconds(60));
                // Healed: one holder, the majority's, seen from both sides.
                assertThat(a.inspect("acme/api").orElseThrow().holder().getLeaseId())
                        .isEqualTo(next.holder().getLeaseId());
                assertThat(b.inspect("acme/web")).isEmpty();
                next.release();
            }
        }
    }
}
