package dev.orgctl.regen;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.git.GitTestRepos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegenExecutorTest {
    @TempDir
    Path tmp;
    RegenFixture fx;

    @BeforeEach
    void setUp() {
        fx = new RegenFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void oneCommitPerRepositoryWithTrailersAndSkipMarker() {
        String rev = fx.standardTemplates();
        RepoRef api = fx.target("api");
        String before = fx.host.branchHead(api, "main").orElseThrow();
        RunContext ctx = RunContext.of("run-42").withFence(17, java.time.Instant.now()).withTrailer("Orgctl-Causation", "delivery-abc/2");

        RegenResult r = fx.executor.regenerate(fx.snapshot(), fx.info(api), ctx);

        assertThat(r).isInstanceOf(RegenResult.Committed.class);
        RegenResult.Committed c = (RegenResult.Committed) r;
        assertThat(c.replans()).isZero();
        List<RevCommit> log = fx.repos.log(api, "main");
        assertThat(log).hasSize(2);
        RevCommit commit = log.get(0);
        assertThat(commit.name()).isEqualTo(c.commitId());
        assertThat(commit.getParent(0).name()).isEqualTo(before);
        String message = commit.getFullMessage();
        assertThat(message.split("\n")[0]).isEqualTo("orgctl: regenerate from acme/.github@" + rev.substring(0, 12)
                + " [skip-regen]");
        assertThat(Provenance.trailers(message)).containsExactly(Map.entry("Orgctl-Run-Id", "run-42"),
                Map.entry("Orgctl-Template-Rev", rev), Map.entry("Orgctl-Fence", "17"),
                Map.entry("Orgctl-Causation", "delivery-abc/2"));
        assertThat(message).contains("create .github/workflows/ci.yml\n");
        assertThat(Provenance.isOrgctlCommit(message)).isTrue();
        assertThat(commit.getAuthorIdent().getName()).isEqualTo("orgctl");
        assertThat(commit.getCommitterIdent().getEmailAddress()).isEqualTo("orgctl@localhost");
        assertThat(fx.repos.read(api, "main")).containsKeys(".github/workflows/ci.yml", ".github/CODEOWNERS",
                OwnershipManifest.PATH, "src/main.txt");
        // git itself reads the trailers.
        try {
            String parsed = GitTestRepos.git(fx.host.gitDir(api), "log", "-1", "--format=%(trailers:key=Orgctl-Run-Id,valueonly)");
            assertThat(parsed.strip()).isEqualTo("run-42");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A stale holder: it planned from older templates, then its lock was taken over and the newer
     * holder committed the newer templates. Re-planning on the moved head, the stale run finds a
     * newer token in the head's {@code Orgctl-Fence} and writes nothing (without its fence, it
     * would commit the older templates over the newer ones).
     */
    @Test
    void aRunWhoseLockWasTakenOverWritesNothingOnTheNewerHoldersCommit() {
        fx.standardTemplates();
        RepoRef api = fx.target("api");
        TemplateSnapshot older = fx.snapshot();
        java.time.Instant staleSince = java.time.Instant.now();
        RepoPlan stalePlan = fx.planner.plan(older, fx.info(api));
        fx.templates(files("templates/ci/.github/CODEOWNERS", "* @acme/owners-v2\n"));
        RegenResult newer = fx.executor.regenerate(fx.snapshot(), fx.info(api),
                RunContext.of("run-newer").withFence(57, java.time.Instant.now()));
        assertThat(newer).isInstanceOf(RegenResult.Committed.class);
        String head = fx.host.branchHead(api, "main").orElseThrow();

        RegenResult stale = fx.executor.apply(older, stalePlan, RunContext.of("run-stale").withFence(42, staleSince));

        assertThat(stale).isInstanceOfSatisfying(RegenResult.Failed.class, f -> {
            assertThat(f.retryable()).isTrue();
            assertThat(f.message()).contains("lock token 57", "this run's 42", "nothing written");
        });
        assertThat(fx.host.branchHead(api, "main")).contains(head);
        assertThat(fx.repos.file(api, ".github/CODEOWNERS")).endsWith("\n* @acme/owners-v2\n");
        // Without a fence the same stale plan is applied: what the fence prevents.
        assertThat(fx.executor.apply(older, stalePlan, RunContext.of("run-unfenced")))
                .isInstanceOf(RegenResult.Committed.class);
        assertThat(fx.repos.file(api, ".github/CODEOWNERS")).endsWith("\n* @acme/platform\n");
    }

    /**
     * A head committed under a larger token long before the run's holding began (the lock bucket
     * was recreated since, and its tokens start again at 1) does not stop the run; a holder with a
     * larger token than the head's is not stopped either.
     */
    @Test
    void aLargerTokenFromBeforeTheHoldingOrASmallerOneDoesNotStopTheRun() {
        fx.standardTemplates();
        RepoRef api = fx.target("api");
        assertThat(fx.executor.regenerate(fx.snapshot(), fx.info(api),
                RunContext.of("run-old-store").withFence(9000, java.time.Instant.now()))).isInstanceOf(RegenResult.Committed.class);
        fx.templates(files("templates/ci/.github/CODEOWNERS", "* @acme/owners-v2\n"));

        java.time.Instant later = java.time.Instant.now().plus(Fence.CLOCK_SKEW).plusSeconds(60);
        assertThat(fx.executor.regenerate(fx.snapshot(), fx.info(api),
                RunContext.of("run-new-store").withFence(3, later))).isInstanceOf(RegenResult.Committed.class);
        fx.templates(files("templates/ci/.github/CODEOWNERS", "* @acme/owners-v3\n"));
        assertThat(fx.executor.regenerate(fx.snapshot(), fx.info(api),
                RunContext.of("run-next").withFence(4, java.time.Instant.now()))).isInstanceOf(RegenResult.Committed.class);
        assertThat(fx.repos.file(api, ".github/CODEOWNERS")).endsWith("\n* @acme/owners-v3\n");
    }

    @Test
    void noDiffNoCommit() {
        fx.standardTemplates();
        RepoRef api = fx.target("api");
        fx.regenerate(api);
        String head = fx.host.branchHead(api, "main").orElseThrow();
        RegenResult again = fx.regenerate(api);
        assertThat(again).isInstanceOf(RegenResult.NoChange.class);
        fx.templates(files("README.md", "unrelated\n"));
        assertThat(fx.regenerate(api)).isInstanceOf(RegenResult.NoChange.class);
        assertThat(fx.host.branchHead(api, "main")).contains(head);
    }

    @Test
    void aHeadMovedAfterPlanningIsPlannedAgainNotOverwritten() throws Exception {
        fx.standardTemplates();
        RepoRef api = fx.target("api");
        TemplateSnapshot t = fx.snapshot();
        RepoPlan stalePlan = fx.planner.plan(t, fx.info(api));
        String human = fx.repos.gitPush(api, files(".github/CODEOWNERS", "* @human\n", "human.txt", "h\n"), "human");

        RegenResult r = fx.executor.apply(t, stalePlan, RunContext.of("run"));

        assertThat(r).isInstanceOf(RegenResult.Committed.class);
        assertThat(r.replans()).isEqualTo(1);
        RevCommit c = fx.repos.log(api, "main").get(0);
        assertThat(c.getParent(0).name()).isEqualTo(human);
        assertThat(fx.repos.read(api, "main")).containsEntry("human.txt", "h\n");
        assertThat(fx.repos.file(api, ".github/CODEOWNERS")).endsWith("* @acme/platform\n"); // taken over after re-plan
        assertThat(c.getFullMessage()).contains("update .github/CODEOWNERS (existing file taken over)");
    }

    @Test
    void givesUpWhenTheHeadKeepsMoving() {
        fx.standardTemplates();
        RepoRef api = fx.target("api");
        TemplateSnapshot t = fx.snapshot();
        // A host whose branch moves right after every read: no plan can ever be applied.
        RegenExecutor stubborn = new RegenExecutor(new MovingHost(fx), fx.planner, CommitIdentity.ORGCTL, 3,
                "orgctl/regenerate");
        RegenResult r = stubborn.regenerate(t, fx.info(api), RunContext.of("run"));
        assertThat(r).isInstanceOf(RegenResult.HeadKeptMoving.class);
        assertThat(r.replans()).isEqualTo(3);
        assertThat(fx.repos.log(api, "main").stream().map(RevCommit::getShortMessage))
                .noneMatch(m -> m.contains("[skip-regen]"));
    }

    /** Regenerations racing each other and a person pushing: one orgctl commit per template revision, nothing lost. */
    @Test
    void racingRegenerationsMakeExactlyOneCommitAndLoseNoHumanWork() throws Exception {
        fx.standardTemplates();
        RepoRef api = fx.target("api");
        int workers = 6;
        int rounds = 8;
        ExecutorService pool = Executors.newFixedThreadPool(workers + 1);
        List<String> humanCommits = new ArrayList<>();
        try {
            for (int round = 0; round < rounds; round++) {
                fx.templates(files("templates/ci/.github/CODEOWNERS", "* @acme/round-" + round + "\n"));
                TemplateSnapshot t = fx.snapshot();
                RepositoryInfo info = fx.info(api);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<RegenResult>> results = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    RegenExecutor exec = new RegenExecutor(fx.host, new RegenPlanner(fx.host), CommitIdentity.ORGCTL,
                            10, "orgctl/regenerate");
                    String run = "round-" + round + "-worker-" + w;
                    results.add(pool.submit(() -> {
                        start.await();
                        return exec.regenerate(t, info, RunContext.of(run));
                    }));
                }
                int r = round;
                Future<String> human = pool.submit(() -> {
                    start.await();
                    return fx.repos.commit(api, files("human/" + r + ".txt", "work " + r + "\n"), "human " + r);
                });
                start.countDown();
                int committed = 0;
                for (Future<RegenResult> f : results) {
                    RegenResult res = f.get();
                    assertThat(res).isInstanceOfAny(RegenResult.Committed.class, RegenResult.NoChange.class);
                    if (res instanceof RegenResult.Committed) {
                        committed++;
                    }
                }
                humanCommits.add(human.get());
                assertThat(committed).as("orgctl commits in round %d", round).isEqualTo(1);
                assertThat(fx.repos.file(api, ".github/CODEOWNERS")).endsWith("* @acme/round-" + round + "\n");
            }
        } finally {
            pool.shutdownNow();
        }
        List<RevCommit> log = fx.repos.log(api, "main");
        Set<String> ids = log.stream().map(RevCommit::name).collect(Collectors.toSet());
        assertThat(ids).containsAll(humanCommits);
        assertThat(log.stream().filter(c -> Provenance.isOrgctlCommit(c.getFullMessage()))).hasSize(rounds);
        Map<String, String> files = fx.repos.read(api, "main");
        for (int round = 0; round < rounds; round++) {
            assertThat(files).containsEntry("human/" + round + ".txt", "work " + round + "\n");
        }
    }

    @Test
    void pullRequestModeKeepsOneBranchUpToDateAndClosesIt() throws Exception {
        fx.standardTemplates();
        fx.templates(files("orgctl.yaml", "mode: pull-request\n"));
        RepoRef api = fx.target("api");
        String main = fx.host.branchHead(api, "main").orElseThrow();

        RegenResult first = fx.regenerate(api);
        assertThat(first).isInstanceOf(RegenResult.Proposed.class);
        RegenResult.Proposed p = (RegenResult.Proposed) first;
        assertThat(p.updated()).isTrue();
        assertThat(p.branch()).isEqualTo("orgctl/regenerate");
        assertThat(fx.host.branchHead(api, "main")).contains(main);
        assertThat(fx.host.branchHead(api, "orgctl/regenerate")).contains(p.commitId());

        RegenResult second = fx.regenerate(api);
        assertThat(second).isInstanceOf(RegenResult.Proposed.class);
        assertThat(((RegenResult.Proposed) second).updated()).isFalse();
        assertThat(fx.host.branchHead(api, "orgctl/regenerate")).contains(p.commitId());

        // The team merges the proposal (a fast-forward of main): nothing is left to propose.
        GitTestRepos.git(fx.host.gitDir(api), "update-ref", "refs/heads/main", p.commitId(), main);
        RegenResult third = fx.regenerate(api);
        assertThat(third).isInstanceOf(RegenResult.ProposalClosed.class);
        assertThat(fx.host.branchHead(api, "orgctl/regenerate")).isEmpty();
        assertThat(fx.regenerate(api)).isInstanceOf(RegenResult.NoChange.class);
    }

    @Test
    void aBrokenSetInPullRequestModeKeepsTheOpenProposal() {
        fx.templates(files("orgctl.yaml", "mode: pull-request\n", "templates/ci/ci.yml", "name: <%= repo.name %>\n"));
        RepoRef api = fx.target("api");
        RegenResult.Proposed p = (RegenResult.Proposed) fx.regenerate(api);
        // The only set breaks: it plans nothing, which is not "nothing left to propose".
        fx.templates(files("templates/ci/ci.yml", "name: <% if %>\n"));
        RegenResult r = fx.regenerate(api);
        assertThat(r).isInstanceOf(RegenResult.NoChange.class);
        assertThat(r.templateErrors()).isNotEmpty();
        assertThat(fx.host.branchHead(api, "orgctl/regenerate")).contains(p.commitId());
    }

    @Test
    void archivedAndTemplatesRepositoriesAreSkipped() {
        fx.standardTemplates();
        assertThat(fx.regenerate(fx.templates)).isInstanceOf(RegenResult.Skipped.class);
        RepoRef old = fx.repos.create("acme", "old",
                dev.orgctl.hosts.git.GitRepoSettings.defaults().withArchived(true));
        assertThat(fx.regenerate(old)).isEqualTo(new RegenResult.Skipped(fx.info(old), "archived"));
        assertThat(fx.host.branchHead(old, "main")).isEqualTo(Optional.empty());
    }

    /** Delegates to the git host, but a person commits right after each read of the branch. */
    private static final class MovingHost extends ForwardingHost {
        private final RegenFixture fx;
        private int n;

        MovingHost(RegenFixture fx) {
            super(fx.host);
            this.fx = fx;
        }

        @Override
        public dev.orgctl.hosts.CommitResult commit(RepoRef repo, dev.orgctl.hosts.CommitRequest request) {
            fx.repos.commit(repo, files("noise.txt", "noise " + (n++) + "\n"), "noise");
            return super.commit(repo, request);
        }
    }
}
