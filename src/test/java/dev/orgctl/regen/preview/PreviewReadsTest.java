package dev.orgctl.regen.preview;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.ForwardingHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreviewReadsTest {
    @TempDir
    Path tmp;

    GitTestRepos repos;
    RepoRef api;
    final AtomicInteger branchReads = new AtomicInteger();
    PreviewReads reads;

    @BeforeEach
    void repo() {
        repos = new GitTestRepos(tmp.resolve("root"));
        api = repos.create("acme", "api");
        repos.commit(api, files("a", "1\n", "b", "2\n", "c", "3\n"), "initial");
        reads = new PreviewReads(new ForwardingHost(repos.host()) {
            @Override
            public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
                branchReads.incrementAndGet();
                return super.readBranch(repo, branch, selection);
            }
        });
    }

    @AfterEach
    void close() {
        repos.close();
    }

    @Test
    void aReadThatAnEarlierOneCoversIsAnsweredFromItAndCutToWhatItAsks() {
        RepoSnapshot both = reads.readBranch(api, "main", FileSelection.paths(List.of("a", "b"))).orElseThrow();
        RepoSnapshot one = reads.readBranch(api, "main", FileSelection.paths(List.of("a"))).orElseThrow();

        assertThat(branchReads).hasValue(1);
        assertThat(one.files()).containsOnlyKeys("a");
        assertThat(one.commitId()).isEqualTo(both.commitId());

        RepoSnapshot other = reads.readBranch(api, "main", FileSelection.paths(List.of("a", "c"))).orElseThrow();
        assertThat(branchReads).as("c was not read before").hasValue(2);
        assertThat(other.files()).containsOnlyKeys("a", "c");
    }

    @Test
    void aPreviewCannotWrite() {
        CommitRequest request = new CommitRequest("main", repos.host().branchHead(api, "main"), "change",
                List.of(new FileChange.Put("a", RepoFile.of("changed\n"))), new CommitIdentity("Bob", "bob@example.com"));
        assertThatThrownBy(() -> reads.commit(api, request)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a preview writes nothing");
        assertThat(repos.file(api, "a")).isEqualTo("1\n");
    }
}
