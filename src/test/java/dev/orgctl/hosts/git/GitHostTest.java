package dev.orgctl.hosts.git;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitHostTest {
    @TempDir
    Path tmp;
    GitTestRepos repos;
    GitHost host;

    @BeforeEach
    void setUp() {
        repos = new GitTestRepos(tmp);
        host = repos.host();
    }

    @AfterEach
    void tearDown() {
        repos.close();
    }

    @Test
    void listsRepositoriesWithMetadataFromGitConfigAndHead() throws Exception {
        repos.create("acme", ".github");
        repos.create("acme", "api", GitRepoSettings.defaults().withTopics("java", "Service")
                .withVisibility(Visibility.PRIVATE).withLanguage("Java"));
        repos.create("acme", "old", GitRepoSettings.defaults().withArchived(true).withDefaultBranch("master"));
        // A repository made by plain git, configured with the git command line.
        Path plain = tmp.resolve("acme/web.git");
        GitTestRepos.git(tmp, "init", "--quiet", "--bare", "--initial-branch=trunk", plain.toString());
        GitTestRepos.git(plain, "config", "orgctl.topics", "frontend");
        GitTestRepos.git(plain, "config", "--add", "orgctl.topics", "typescript");
        GitTestRepos.git(plain, "config", "orgctl.visibility", "internal");
        // Not repositories: ignored.
        java.nio.file.Files.createDirectories(tmp.resolve("acme/notes"));
        java.nio.file.Files.createDirectories(tmp.resolve("acme/empty.git"));

        List<RepositoryInfo> list = host.listRepositories("acme");

        assertThat(list).extracting(RepositoryInfo::name).containsExactly(".github", "api", "old", "web");
        RepositoryInfo api = list.get(1);
        assertThat(api.topics()).containsExactly("java", "service");
        assertThat(api.visibility()).isEqualTo(Visibility.PRIVATE);
        assertThat(api.language()).contains("Java");
        assertThat(api.archived()).isFalse();
        assertThat(api.defaultBranch()).isEqualTo("main");
        assertThat(list.get(2).archived()).isTrue();
        assertThat(list.get(2).defaultBranch()).isEqualTo("master");
        RepositoryInfo web = list.get(3);
        assertThat(web.defaultBranch()).isEqualTo("trunk");
        assertThat(web.topics()).containsExactly("frontend", "typescript");
        assertThat(web.visibility()).isEqualTo(Visibility.INTERNAL);
        assertThat(web.language()).isEmpty();
        assertThat(host.organizations()).containsExactly("acme");
        assertThat(host.repository(new RepoRef("acme", "nope"))).isEmpty();
    }

    @Test
    void readsSelectedPathsAndSubtreesAtABranchHeadInOneCall() {
        RepoRef r = repos.create("acme", "api");
        assertThat(host.readBranch(r, "main", FileSelection.paths(List.of("a")))).isEmpty();
        String c1 = repos.commit(r, files("README.md", "hi\n", "templates/ci/a.yml", "a\n",
                "templates/ci/sub/b.yml", "b\n", "templates-not/x", "x\n", "other/y", "y\n"), "one");

        RepoSnapshot s = host.readBranch(r, "main",
                FileSelection.of(List.of("README.md", "missing.txt", "other"), List.of("templates"))).orElseThrow();

        assertThat(s.commitId()).isEqualTo(c1);
        assertThat(s.files().keySet()).containsExactlyInAnyOrder("README.md", "templates/ci/a.yml",
                "templates/ci/sub/b.yml");
        assertThat(s.file("templates/ci/sub/b.yml").orElseThrow().utf8()).isEqualTo("b\n");
        String c2 = repos.commit(r, files("README.md", "changed\n"), "two");
        assertThat(host.readCommit(r, c1, FileSelection.paths(List.of("README.md"))).file("README.md")
                .orElseThrow().utf8()).isEqualTo("hi\n");
        assertThat(host.branchHead(r, "main")).contains(c2);
    }

    @Test
    void commitsOnTheExpectedHeadAndRefusesAStaleOneWithoutWriting() {
        RepoRef r = repos.create("acme", "api");
        CommitResult first = host.commit(r, new CommitRequest("main", Optional.empty(), "init",
                List.of(new FileChange.Put("a.txt", RepoFile.of("a\n")),
                        new FileChange.Put("bin/run.sh", new RepoFile("#!/bin/sh\n".getBytes(UTF_8), true))),
                CommitIdentity.ORGCTL));
        assertThat(first).isInstanceOf(CommitResult.Committed.class);
        String head = ((CommitResult.Committed) first).commitId();

        // Creating again "on an empty branch" is stale: the branch exists now.
        CommitResult again = host.commit(r, new CommitRequest("main", Optional.empty(), "init again",
                List.of(new FileChange.Put("b.txt", RepoFile.of("b\n"))), CommitIdentity.ORGCTL));
        assertThat(again).isEqualTo(new CommitResult.MovedHead(Optional.of(head)));

        String human = repos.commit(r, files("a.txt", "human\n"), "human edit");
        CommitResult stale = host.commit(r, new CommitRequest("main", Optional.of(head), "orgctl",
                List.of(new FileChange.Put("a.txt", RepoFile.of("orgctl\n"))), CommitIdentity.ORGCTL));
        assertThat(stale).isEqualTo(new CommitResult.MovedHead(Optional.of(human)));
        assertThat(host.branchHead(r, "main")).contains(human);
        assertThat(repos.file(r, "a.txt")).isEqualTo("human\n");

        CommitResult ok = host.commit(r, new CommitRequest("main", Optional.of(human), "orgctl\n\nbody\n",
                List.of(new FileChange.Delete("a.txt"), new FileChange.Put("c/d.txt", RepoFile.of("d\n"))),
                new CommitIdentity("bot", "bot@example.com")));
        String id = ((CommitResult.Committed) ok).commitId();
        RevCommit c = repos.log(r, "main").get(0);
        assertThat(c.name()).isEqualTo(id);
        assertThat(c.getParent(0).name()).isEqualTo(human);
        assertThat(c.getAuthorIdent().getName()).isEqualTo("bot");
        assertThat(c.getCommitterIdent().getEmailAddress()).isEqualTo("bot@example.com");
        assertThat(c.getFullMessage()).isEqualTo("orgctl\n\nbody\n");
        assertThat(repos.read(r, "main")).containsOnlyKeys("bin/run.sh", "c/d.txt");
        assertThat(host.readBranch(r, "main", FileSelection.paths(List.of("bin/run.sh"))).orElseThrow()
                .file("bin/run.sh").orElseThrow().executable()).isTrue();
    }

    @Test
    void rejectsChangesThatCannotFormATree() {
        RepoRef r = repos.create("acme", "api");
        String head = repos.commit(r, files("dir/file", "x\n", "plain", "y\n"), "init");
        CommitResult fileOverDir = host.commit(r, new CommitRequest("main", Optional.of(head), "m",
                List.of(new FileChange.Put("dir", RepoFile.of("z\n"))), CommitIdentity.ORGCTL));
        CommitResult underFile = host.commit(r, new CommitRequest("main", Optional.of(head), "m",
                List.of(new FileChange.Put("plain/x", RepoFile.of("z\n"))), CommitIdentity.ORGCTL));
        CommitResult noop = host.commit(r, new CommitRequest("main", Optional.of(head), "m",
                List.of(new FileChange.Delete("nothing-here")), CommitIdentity.ORGCTL));
        assertThat(fileOverDir).isInstanceOf(CommitResult.Rejected.class);
        assertThat(underFile).isInstanceOf(CommitResult.Rejected.class);
        assertThat(noop).isInstanceOf(CommitResult.Rejected.class);
        assertThat(host.branchHead(r, "main")).contains(head);
    }

    @Test
    void readsAndWritesSymlinksAndNamesWhatIsNotAFile() throws Exception {
        RepoRef api = repos.create("acme", "api");
        repos.gitPush(api, "links and dirs", w -> {
            java.nio.file.Files.createDirectories(w.resolve("docs"));
            java.nio.file.Files.writeString(w.resolve("docs/guide.md"), "guide\n");
            java.nio.file.Files.createSymbolicLink(w.resolve("GUIDE.md"), Path.of("docs/guide.md"));
        });
        RepoSnapshot s = host.readBranch(api, "main", FileSelection.paths(List.of("GUIDE.md", "docs", "nope")))
                .orElseThrow();
        assertThat(s.file("GUIDE.md")).contains(RepoFile.symlink("docs/guide.md"));
        assertThat(s.notFiles()).containsExactly(Map.entry("docs", RepoSnapshot.NotFile.DIRECTORY));

        repos.commitFiles(api, Map.of("LINK", RepoFile.symlink("GUIDE.md")), "orgctl writes a link");
        String tree = GitTestRepos.git(tmp, "--git-dir", host.gitDir(api).toString(), "ls-tree", "main", "LINK");
        assertThat(tree).startsWith("120000 blob ");
        assertThat(repos.repoFile(api, "LINK")).isEqualTo(RepoFile.symlink("GUIDE.md"));
    }

    @Test
    void seesPushesMadeWithTheGitCommandLine() throws Exception {
        RepoRef r = repos.create("acme", "api");
        String first = repos.commit(r, files("a.txt", "a\n"), "init");
        assertThat(host.branchHead(r, "main")).contains(first); // the host has the repository open now
        String pushed = repos.gitPush(r, files("a.txt", "from the CLI\n"), "cli edit");
        assertThat(host.branchHead(r, "main")).contains(pushed);
        assertThat(repos.file(r, "a.txt")).isEqualTo("from the CLI\n");
        CommitResult stale = host.commit(r, new CommitRequest("main", Optional.of(first), "m",
                List.of(new FileChange.Put("a.txt", RepoFile.of("orgctl\n"))), CommitIdentity.ORGCTL));
        assertThat(stale).isEqualTo(new CommitResult.MovedHead(Optional.of(pushed)));
    }

    /** Many writers on one head: exactly one wins each round, the others get MovedHead, nothing is overwritten. */
    @Test
    void racingWritersNeverOverwriteEachOther() throws Exception {
        RepoRef r = repos.create("acme", "api");
        repos.commit(r, files("counter", "0\n"), "init");
        int threads = 8;
        int rounds = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (GitHost other = new GitHost(tmp)) { // a second host: another process's view of the same repositories
            for (int round = 0; round < rounds; round++) {
                String head = host.branchHead(r, "main").orElseThrow();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<CommitResult>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int n = t;
                    int rnd = round;
                    GitHost h = t % 2 == 0 ? host : other;
                    results.add(pool.submit(() -> {
                        start.await();
                        return h.commit(r, new CommitRequest("main", Optional.of(head), "writer " + n,
                                List.of(new FileChange.Put("counter", RepoFile.of("round " + rnd + " writer " + n + "\n"))),
                                CommitIdentity.ORGCTL));
                    }));
                }
                start.countDown();
                int won = 0;
                String winner = null;
                for (Future<CommitResult> f : results) {
                    CommitResult res = f.get();
                    if (res instanceof CommitResult.Committed c) {
                        won++;
                        winner = c.commitId();
                    } else {
                        assertThat(res).isInstanceOf(CommitResult.MovedHead.class);
                    }
                }
                assertThat(won).as("round %d winners", round).isEqualTo(1);
                assertThat(host.branchHead(r, "main")).contains(winner);
                assertThat(repos.log(r, "main").get(0).getParent(0).name()).isEqualTo(head);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(repos.log(r, "main")).hasSize(rounds + 1);
    }

    @Test
    void proposalBranchIsRebuiltOnTheBaseAndLeftAloneWhenUpToDate() {
        RepoRef r = repos.create("acme", "api");
        String base = repos.commit(r, files("a.txt", "a\n"), "init");
        ProposalRequest req = new ProposalRequest("main", base, "orgctl/regenerate", "t", "b", "orgctl: m",
                List.of(new FileChange.Put("a.txt", RepoFile.of("generated\n"))), CommitIdentity.ORGCTL);

        ProposalResult first = host.propose(r, req);
        assertThat(first).isInstanceOf(ProposalResult.Updated.class);
        String p1 = ((ProposalResult.Updated) first).commitId();
        assertThat(host.branchHead(r, "main")).contains(base);
        assertThat(host.branchHead(r, "orgctl/regenerate")).contains(p1);

        assertThat(host.propose(r, req)).isEqualTo(new ProposalResult.Unchanged("orgctl/regenerate", p1,
                Optional.empty(), List.of()));

        String base2 = repos.commit(r, files("other.txt", "o\n"), "human");
        ProposalResult second = host.propose(r, new ProposalRequest("main", base2, "orgctl/regenerate", "t", "b",
                "orgctl: m", req.changes(), CommitIdentity.ORGCTL));
        String p2 = ((ProposalResult.Updated) second).commitId();
        assertThat(repos.log(r, "orgctl/regenerate").get(0).getParent(0).name()).isEqualTo(base2);
        assertThat(p2).isNotEqualTo(p1);

        assertThat(host.closeProposal(r, "orgctl/regenerate", "done")).isTrue();
        assertThat(host.branchHead(r, "orgctl/regenerate")).isEmpty();
        assertThat(host.closeProposal(r, "orgctl/regenerate", "done")).isFalse();
        assertThat(Set.copyOf(repos.read(r, "main").keySet())).containsExactlyInAnyOrder("a.txt", "other.txt");
    }

    @Test
    void commitAndProposalGoThroughOneCommitPathThatNamesALeftOverRefLock() throws Exception {
        // A writer killed while holding a ref lock leaves <ref>.lock behind. Commit and propose share
        // one commit path: both wait it out, then refuse naming the file, and write nothing.
        RepoRef r = repos.create("acme", "api");
        String base = repos.commit(r, files("a.txt", "a\n"), "init");
        Path heads = host.gitDir(r).resolve("refs/heads");
        java.nio.file.Files.createDirectories(heads.resolve("orgctl"));
        java.nio.file.Files.writeString(heads.resolve("main.lock"), base + "\n");
        java.nio.file.Files.writeString(heads.resolve("orgctl/regenerate.lock"), base + "\n");
        List<FileChange> changes = List.of(new FileChange.Put("a.txt", RepoFile.of("generated\n")));

        CommitResult commit = host.commit(r, new CommitRequest("main", Optional.of(base), "orgctl", changes,
                CommitIdentity.ORGCTL));
        ProposalResult proposal = host.propose(r, new ProposalRequest("main", base, "orgctl/regenerate", "t", "b",
                "orgctl: m", changes, CommitIdentity.ORGCTL));

        assertThat(commit).isInstanceOf(CommitResult.Rejected.class);
        assertThat(((CommitResult.Rejected) commit).reason()).contains("LOCK_FAILURE", "main.lock", "left over");
        assertThat(proposal).isInstanceOf(ProposalResult.Rejected.class);
        assertThat(((ProposalResult.Rejected) proposal).reason())
                .contains("LOCK_FAILURE", "orgctl/regenerate.lock", "left over");
        assertThat(host.branchHead(r, "main")).contains(base);
        assertThat(host.branchHead(r, "orgctl/regenerate")).isEmpty();
    }
}
