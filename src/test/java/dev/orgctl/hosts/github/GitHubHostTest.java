package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.GitHubSettings;
import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import dev.orgctl.testing.github.AppKeys;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import dev.orgctl.testing.github.RepoStats;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code github} repository host against the fake over real HTTP. */
class GitHubHostTest {
    private static final Person ALICE = Person.of("alice");
    private GitHubFake fake;
    private FakeOrg acme;
    private String token;
    private GitHubHost host;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        token = fake.createToken("octo", "repo", "workflow");
        host = new GitHubHost(TestClients.pat(fake, token));
    }

    @AfterEach
    void stop() {
        host.close();
        fake.close();
    }

    private static RepoRef ref(String name) {
        return new RepoRef("acme", name);
    }

    private static CommitRequest request(String head, FileChange... changes) {
        return new CommitRequest("main", Optional.of(head), "chore: regenerate\n\nbody line\n\nOrgctl-Run-Id: r1 [skip-regen]",
                List.of(changes), CommitIdentity.ORGCTL);
    }

    @Test
    void listsEveryRepositoryWithItsMetadata() {
        acme.createRepo(RepoSpec.named("api").topics("java", "backend").language("Java").visibility("private"));
        acme.createRepo(RepoSpec.named("old").archived(true).defaultBranch("master"));
        acme.createRepo(RepoSpec.named("docs").visibility("internal"));
        for (int i = 0; i < 102; i++) {
            acme.createRepo("bulk-" + i);
        }
        List<RepositoryInfo> repos = host.listRepositories("acme");
        assertThat(repos).hasSize(105);
        assertThat(fake.orgLevelStats().reads()).isEqualTo(2); // two pages of 100
        assertThat(repos.get(0).name()).isEqualTo("api");
        RepositoryInfo api = repos.get(0);
        assertThat(api.topics()).containsExactly("java", "backend");
        assertThat(api.visibility()).isEqualTo(Visibility.PRIVATE);
        assertThat(api.language()).contains("Java");
        assertThat(api.archived()).isFalse();
        RepositoryInfo old = host.repository(ref("old")).orElseThrow();
        assertThat(old.archived()).isTrue();
        assertThat(old.defaultBranch()).isEqualTo("master");
        assertThat(old.language()).isEmpty();
        assertThat(host.repository(ref("docs")).orElseThrow().visibility()).isEqualTo(Visibility.INTERNAL);
        assertThat(host.repository(ref("nope"))).isEmpty();
    }

    @Test
    void readsTheSelectedFilesInOneQueryAndAnUnchangedBranchForFree() {
        FakeRepo web = acme.createRepo("web");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(".github/workflows/ci.yml", "on: push\n".getBytes(StandardCharsets.UTF_8));
        files.put(".github/a/b/c/d/e/deep.txt", "deep\n".getBytes(StandardCharsets.UTF_8));
        files.put(".github/logo.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, 3});
        files.put("scripts/run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8));
        files.put("CODEOWNERS", "* @acme/platform\n".getBytes(StandardCharsets.UTF_8));
        files.put("src/Main.java", "class Main {}\n".getBytes(StandardCharsets.UTF_8));
        String head = web.pushRaw("main", ALICE, "content", files, Set.of("scripts/run.sh"));
        FileSelection sel = FileSelection.of(List.of("CODEOWNERS", "scripts/run.sh", "missing.txt"), List.of(".github"));

        RepoSnapshot snap = host.readBranch(ref("web"), "main", sel).orElseThrow();
        assertThat(snap.commitId()).isEqualTo(head);
        assertThat(snap.files().keySet()).containsExactlyInAnyOrder("CODEOWNERS", "scripts/run.sh",
                ".github/workflows/ci.yml", ".github/a/b/c/d/e/deep.txt", ".github/logo.png");
        assertThat(snap.file("scripts/run.sh").orElseThrow().executable()).isTrue();
        assertThat(snap.file(".github/logo.png").orElseThrow().content()).isEqualTo(files.get(".github/logo.png"));
        assertThat(snap.file(".github/a/b/c/d/e/deep.txt").orElseThrow().utf8()).isEqualTo("deep\n");
        // The head's message and time ride along (a later run compares its Orgctl-Fence with its own).
        assertThat(snap.stamp()).hasValueSatisfying(st -> {
            assertThat(st.message()).startsWith("content");
            assertThat(st.committedAt()).isCloseTo(java.time.Instant.now(),
                    org.assertj.core.api.Assertions.within(5, java.time.temporal.ChronoUnit.MINUTES));
        });
        // One query, one follow-up for the directory deeper than one query expands, one REST blob (binary).
        assertThat(web.stats().reads()).isEqualTo(3);

        // Unchanged: the ref is revalidated (first with a plain 200, then 304), no file is read again.
        assertThat(host.readBranch(ref("web"), "main", sel)).contains(snap);
        assertThat(web.stats().reads()).isEqualTo(4);
        assertThat(host.readBranch(ref("web"), "main", sel)).contains(snap);
        assertThat(web.stats()).isEqualTo(new RepoStats(4, 0, 1));

        assertThat(host.readBranch(ref("web"), "nope", sel)).isEmpty();
        assertThat(host.readBranch(ref("nope"), "main", sel)).isEmpty();
        RepoSnapshot atCommit = host.readCommit(ref("web"), head, FileSelection.paths(List.of("CODEOWNERS")));
        assertThat(atCommit.files()).containsOnlyKeys("CODEOWNERS");
        assertThat(atCommit.stamp()).isEqualTo(snap.stamp());
    }

    @Test
    void oneRegenerationIsOneVerifiedFencedCommit() {
        FakeRepo web = acme.createRepo("web");
        FileSelection sel = FileSelection.paths(List.of("CODEOWNERS", "README.md"));
        RepoSnapshot before = host.readBranch(ref("web"), "main", sel).orElseThrow();
        fake.resetStats();
        CommitResult r = host.commit(ref("web"), request(before.commitId(),
                new FileChange.Put("CODEOWNERS", RepoFile.of("* @acme/platform\n")),
                new FileChange.Delete("README.md")));
        assertThat(r).isInstanceOf(CommitResult.Committed.class);
        String commit = ((CommitResult.Committed) r).commitId();
        assertThat(web.stats()).isEqualTo(new RepoStats(0, 1, 0)); // one call
        assertThat(web.requireHead("main")).isEqualTo(commit);
        assertThat(web.files("main")).containsExactly(Map.entry("CODEOWNERS", "* @acme/platform\n"));
        FakeRepo.CommitInfo info = web.commit(commit);
        assertThat(info.parents()).containsExactly(before.commitId());
        assertThat(info.verified()).isTrue();
        assertThat(info.message()).isEqualTo("chore: regenerate\n\nbody line\n\nOrgctl-Run-Id: r1 [skip-regen]");

        // The host knows what it wrote: the next reconcile reads only the ref.
        RepoSnapshot after = host.readBranch(ref("web"), "main", sel).orElseThrow();
        assertThat(after.commitId()).isEqualTo(commit);
        assertThat(after.files()).containsOnlyKeys("CODEOWNERS");
        assertThat(after.stamp().orElseThrow().message()).isEqualTo(info.message());
        assertThat(web.stats()).isEqualTo(new RepoStats(1, 1, 0));
    }

    @Test
    void aHeadMovedBetweenReadAndWriteIsReplannedNeverForced() {
        FakeRepo web = acme.createRepo("web");
        RegenDriver driver = new RegenDriver(host, Map.of("CODEOWNERS", "* @acme/platform\n"));
        host.readBranch(ref("web"), "main", FileSelection.paths(List.of("CODEOWNERS")));
        String[] humans = new String[1];
        fake.beforeNextMutation(() -> humans[0] = web.push("main", ALICE, "docs", Map.of("docs.md", "hi\n")));

        RegenDriver.Result r = driver.regenerate(ref("web"), "main", "run-1");
        assertThat(r.outcome()).isEqualTo(RegenDriver.Outcome.COMMITTED);
        assertThat(r.attempts()).isEqualTo(2);
        List<FakeRepo.CommitInfo> log = web.log("main");
        assertThat(log).hasSize(3); // initial, Alice's, orgctl's: Alice's work kept
        assertThat(log.get(0).parents()).containsExactly(humans[0]);
        assertThat(web.file("main", "docs.md")).contains("hi\n");
        assertThat(web.file("main", "CODEOWNERS")).contains("* @acme/platform\n");

        // The raw result of a stale write: MovedHead naming the actual head, nothing written.
        String stale = log.get(1).id();
        CommitResult moved = host.commit(ref("web"), request(stale, new FileChange.Put("x", RepoFile.of("x"))));
        assertThat(moved).isEqualTo(new CommitResult.MovedHead(Optional.of(log.get(0).id())));
        assertThat(web.log("main")).hasSize(3);
    }

    @Test
    void executableFilesTakeTheGitDataPathStillFenced() {
        FakeRepo web = acme.createRepo("web");
        String head = web.requireHead("main");
        RepoFile script = new RepoFile("#!/bin/sh\nexit 0\n".getBytes(StandardCharsets.UTF_8), true);
        CommitResult r = host.commit(ref("web"), request(head, new FileChange.Put("bin/check", script),
                new FileChange.Put("CODEOWNERS", RepoFile.of("* @acme\n"))));
        String commit = ((CommitResult.Committed) r).commitId();
        assertThat(web.fileMode("main", "bin/check")).contains(0100755);
        assertThat(web.fileMode("main", "CODEOWNERS")).contains(0100644);
        assertThat(web.commit(commit).parents()).containsExactly(head);
        assertThat(web.commit(commit).author()).isEqualTo("orgctl");

        CommitResult stale = host.commit(ref("web"), request(head, new FileChange.Put("bin/other", script)));
        assertThat(stale).isEqualTo(new CommitResult.MovedHead(Optional.of(commit)));
        assertThat(web.requireHead("main")).isEqualTo(commit);
    }

    @Test
    void nonUtf8TextSymlinksAndDirectoriesAreReadExactlyAndSymlinksWrittenAsSymlinks() {
        FakeRepo web = acme.createRepo("web");
        byte[] latin1 = "# Caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        web.pushRaw("main", ALICE, "latin-1", Map.of("README.md", latin1,
                "docs/guide.md", "guide\n".getBytes(StandardCharsets.UTF_8)), Set.of());
        String head = web.pushSymlinks("main", ALICE, "a link", Map.of("GUIDE.md", "docs/guide.md"));

        RepoSnapshot snap = host.readBranch(ref("web"), "main",
                FileSelection.paths(List.of("README.md", "GUIDE.md", "docs"))).orElseThrow();
        // GraphQL's text would have U+FFFD for \xe9: the bytes come over REST instead.
        assertThat(snap.file("README.md").orElseThrow().content()).isEqualTo(latin1);
        assertThat(snap.file("GUIDE.md")).contains(RepoFile.symlink("docs/guide.md"));
        assertThat(snap.notFiles()).containsExactly(Map.entry("docs", RepoSnapshot.NotFile.DIRECTORY));

        CommitResult r = host.commit(ref("web"), request(head, new FileChange.Put("LINK", RepoFile.symlink("README.md")),
                new FileChange.Put("CODEOWNERS", RepoFile.of("* @acme\n"))));
        assertThat(r).isInstanceOf(CommitResult.Committed.class);
        assertThat(web.fileMode("main", "LINK")).contains(0120000);
        assertThat(web.file("main", "LINK")).contains("README.md");
        assertThat(web.fileMode("main", "CODEOWNERS")).contains(0100644);
        assertThat(host.readBranch(ref("web"), "main", FileSelection.paths(List.of("LINK"))).orElseThrow()
                .file("LINK")).contains(RepoFile.symlink("README.md"));
    }

    @Test
    void aMissingPermissionIsARejectionNamingIt() {
        acme.createRepo("web");
        GitHubHost limited = new GitHubHost(TestClients.pat(fake, fake.createToken("octo", "repo")));
        String head = acme.requireRepo("web").requireHead("main");
        CommitResult r = limited.commit(ref("web"), request(head,
                new FileChange.Put(".github/workflows/ci.yml", RepoFile.of("on: push\n"))));
        assertThat(r).isInstanceOfSatisfying(CommitResult.Rejected.class,
                rej -> assertThat(rej.reason()).contains("'workflow' scope"));
        assertThat(acme.requireRepo("web").requireHead("main")).isEqualTo(head);
    }

    @Test
    void commitsMadeWithAnAppTokenAreVerifiedAndAuthoredByTheBot(@TempDir Path dir) {
        FakeRepo web = acme.createRepo("web");
        KeyPair key = AppKeys.generate();
        fake.registerApp(91, "orgctl", key.getPublic());
        fake.installApp(91, "acme", Map.of("contents", "write", "workflows", "write", "metadata", "read"));
        GitHubSettings s = new GitHubSettings(Optional.of("acme"), URI.create(fake.url()), Optional.empty(),
                Optional.of(91L), Optional.of(AppKeys.writePkcs1(key, dir.resolve("k.pem"))), Optional.empty());
        GitHubHost app = new GitHubHost(TestClients.client(fake, GitHubClients.credentials(s), WriteBudget.UNLIMITED));
        RegenDriver.Result r = new RegenDriver(app, Map.of(".github/workflows/ci.yml", "on: push\n"))
                .regenerate(ref("web"), "main", "run-app");
        FakeRepo.CommitInfo info = web.commit(r.commit().orElseThrow());
        assertThat(info.verified()).isTrue();
        assertThat(info.author()).isEqualTo("orgctl[bot]");
        assertThat(info.committer()).isEqualTo("GitHub");
    }

    @Test
    void pullRequestModeKeepsOneBranchAndOnePullRequestUpToDate() {
        FakeRepo web = acme.createRepo("web");
        String base = web.requireHead("main");
        ProposalRequest first = proposal(base, "* @acme/platform\n");
        ProposalResult r1 = host.propose(ref("web"), first);
        assertThat(r1).isInstanceOf(ProposalResult.Updated.class);
        String url = ((ProposalResult.Updated) r1).url().orElseThrow();
        assertThat(web.openPulls()).hasSize(1);
        assertThat(url).endsWith("/acme/web/pull/1");
        assertThat(web.commit(web.requireHead(ProposalRequest.DEFAULT_BRANCH)).parents()).containsExactly(base);
        assertThat(web.file(ProposalRequest.DEFAULT_BRANCH, "CODEOWNERS")).contains("* @acme/platform\n");
        assertThat(web.requireHead("main")).isEqualTo(base); // the base branch is never written

        fake.resetStats();
        assertThat(host.propose(ref("web"), first)).isInstanceOf(ProposalResult.Unchanged.class);
        assertThat(web.stats().writes()).isZero();

        // The base moves and the templates change: the branch is rebuilt on the new base, same PR updated.
        String newBase = web.push("main", ALICE, "feature", Map.of("app.txt", "v2\n"));
        ProposalResult r3 = host.propose(ref("web"), proposal(newBase, "* @acme/core\n"));
        assertThat(r3).isInstanceOf(ProposalResult.Updated.class);
        String proposalHead = web.requireHead(ProposalRequest.DEFAULT_BRANCH);
        assertThat(web.commit(proposalHead).parents()).containsExactly(newBase);
        assertThat(web.file(ProposalRequest.DEFAULT_BRANCH, "CODEOWNERS")).contains("* @acme/core\n");
        assertThat(web.pulls()).hasSize(1);
        assertThat(web.openPulls().get(0).body()).contains("* @acme/core");

        // Someone pushes to the proposal branch while orgctl rewrites it: moved, nothing overwritten.
        fake.beforeNextMutation(() -> web.push(ProposalRequest.DEFAULT_BRANCH, ALICE, "tweak", Map.of("t", "t\n")));
        ProposalResult moved = host.propose(ref("web"), proposal(newBase, "* @acme/other\n"));
        assertThat(moved).isInstanceOf(ProposalResult.MovedHead.class);
        assertThat(web.file(ProposalRequest.DEFAULT_BRANCH, "t")).contains("t\n");

        // No longer needed: closed with a comment, branch deleted.
        assertThat(host.closeProposal(ref("web"), ProposalRequest.DEFAULT_BRANCH, "the templates produce no change"))
                .isTrue();
        FakePull pr = web.pulls().get(0);
        assertThat(pr.state()).isEqualTo("closed");
        assertThat(pr.comments()).isEqualTo(1);
        assertThat(web.head(ProposalRequest.DEFAULT_BRANCH)).isEmpty();
        assertThat(host.closeProposal(ref("web"), ProposalRequest.DEFAULT_BRANCH, "again")).isFalse();
    }

    private static ProposalRequest proposal(String base, String codeowners) {
        return new ProposalRequest("main", base, ProposalRequest.DEFAULT_BRANCH, "orgctl: regenerate managed files",
                "Regenerated:\n\n```\n" + codeowners + "```\n", "chore: regenerate [skip-regen]",
                List.of(new FileChange.Put("CODEOWNERS", RepoFile.of(codeowners))), CommitIdentity.ORGCTL);
    }

    @Test
    void aRunThatExhaustsThePrimaryLimitPausesAndCompletesNothingLostNothingDoubled() {
        for (int i = 0; i < 12; i++) {
            acme.createRepo("svc-" + i);
        }
        fake.limits().primary("graphql", 8, Duration.ofSeconds(1));
        RegenDriver driver = new RegenDriver(host, Map.of("CODEOWNERS", "* @acme/platform\n", "LICENSE", "MIT\n"));
        for (int i = 0; i < 12; i++) {
            assertThat(driver.regenerate(ref("svc-" + i), "main", "run-rl").outcome())
                    .isEqualTo(RegenDriver.Outcome.COMMITTED);
        }
        assertThat(host.client().counters().rateLimitPauses()).isGreaterThanOrEqualTo(2);
        for (int i = 0; i < 12; i++) {
            FakeRepo r = acme.requireRepo("svc-" + i);
            assertThat(r.log("main")).hasSize(2); // exactly one regeneration commit each
            assertThat(r.file("main", "LICENSE")).contains("MIT\n");
        }
        // A second pass finds nothing to do.
        for (int i = 0; i < 12; i++) {
            assertThat(driver.regenerate(ref("svc-" + i), "main", "run-rl2").outcome())
                    .isEqualTo(RegenDriver.Outcome.UNCHANGED);
        }
    }

    @Test
    void aSecondaryLimitOnTheCommitIsWaitedOutAndCommitsOnce() {
        FakeRepo web = acme.createRepo("web");
        fake.limits().secondaryNext(2, 403, Optional.empty(), c -> c.equals("POST /graphql OrgctlCommit"));
        RegenDriver.Result r = new RegenDriver(host, Map.of("CODEOWNERS", "x\n")).regenerate(ref("web"), "main", "s");
        assertThat(r.outcome()).isEqualTo(RegenDriver.Outcome.COMMITTED);
        assertThat(host.client().counters().secondaryRetries()).isEqualTo(2);
        assertThat(web.log("main")).hasSize(2);
    }
}
