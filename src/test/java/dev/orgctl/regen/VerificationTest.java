package dev.orgctl.regen;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.KvVerifiedRepos;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.git.GitRepoSettings;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository whose head and templates did not move since orgctl verified it is not read; a
 * push, a template or configuration change, or a change of its properties makes it read again.
 * Real bare repositories, the record in ORGCTL_VERIFIED on a real nats-server.
 */
class VerificationTest {
    @TempDir
    Path tmp;
    RegenFixture fx;
    NatsServerFixture nats;
    Connection connection;
    final AtomicInteger reads = new AtomicInteger();
    Verification verification;
    RegenExecutor executor;

    @BeforeEach
    void setUp() throws Exception {
        fx = new RegenFixture(tmp);
        nats = NatsServerFixture.start().withTopology();
        connection = nats.connect();
        ForwardingHost counting = new ForwardingHost(fx.host) {
            @Override
            public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
                reads.incrementAndGet();
                return super.readBranch(repo, branch, selection);
            }

            @Override
            public RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
                reads.incrementAndGet();
                return super.readCommit(repo, commitId, selection);
            }
        };
        executor = new RegenExecutor(counting, new RegenPlanner(counting));
        verification = new Verification(counting,
                new KvVerifiedRepos(connection.keyValue(Topology.VERIFIED_BUCKET)));
    }

    @AfterEach
    void tearDown() throws Exception {
        connection.close();
        nats.close();
        fx.close();
    }

    private RegenResult run(RepoRef r) {
        return verification.regenerate(executor, fx.snapshot(), fx.info(r), RunContext.of("test-run"));
    }

    @Test
    void anUnchangedRepositoryIsNotReadAndAnyChangeIsSeen() {
        fx.templates(files("orgctl.yaml", "sets:\n  java:\n    targets: {names: [api]}\n",
                "templates/ci/ci.yml", "name: <%= repo.name %>\n", "templates/java/pom.txt", "maven\n"));
        RepoRef api = fx.target("api");
        RepoRef web = fx.target("web");
        assertThat(run(api)).isInstanceOf(RegenResult.Committed.class);
        assertThat(run(web)).isInstanceOf(RegenResult.Committed.class);

        reads.set(0);
        assertThat(run(api)).isInstanceOf(RegenResult.Unchanged.class);
        assertThat(run(web)).isInstanceOf(RegenResult.Unchanged.class);
        assertThat(reads).as("reads of unchanged repositories").hasValue(0);

        // A person's push moves the head: the drift is seen and repaired.
        fx.repos.commit(web, files("ci.yml", "name: mine\n"), "edit a generated file");
        assertThat(run(web)).isInstanceOf(RegenResult.Committed.class);
        assertThat(fx.repos.file(web, "ci.yml")).endsWith("name: web\n");
        assertThat(run(web)).isInstanceOf(RegenResult.Unchanged.class);

        // A template change to a set web does not get leaves web unread; api is read and updated.
        reads.set(0);
        fx.templates(files("templates/java/pom.txt", "gradle\n"));
        assertThat(run(web)).isInstanceOf(RegenResult.Unchanged.class);
        assertThat(reads).hasValue(0);
        assertThat(run(api)).isInstanceOf(RegenResult.Committed.class);

        // A template push that changes nothing anywhere (the templates repository's README) reads nothing.
        fx.templates(files("README.md", "how to write templates\n"));
        reads.set(0);
        assertThat(run(api)).isInstanceOf(RegenResult.Unchanged.class);
        assertThat(run(web)).isInstanceOf(RegenResult.Unchanged.class);
        assertThat(reads).hasValue(0);

        // orgctl.yaml changes and repository properties are part of what was verified.
        fx.templates(files("orgctl.yaml", "variables: {x: 1}\nsets:\n  java:\n    targets: {names: [api]}\n"));
        assertThat(run(web)).isInstanceOf(RegenResult.NoChange.class);
        fx.host.writeSettings(web, GitRepoSettings.defaults().withTopics("java"));
        assertThat(run(web)).isInstanceOf(RegenResult.NoChange.class);
        assertThat(run(web)).isInstanceOf(RegenResult.Unchanged.class);
    }

    @Test
    void failedAndPullRequestRunsAreNeverRecorded() {
        fx.templates(files("orgctl.yaml", "repos:\n  web:\n    mode: pull-request\n",
                "templates/ci/ci.yml", "name: <%= repo.name %>\n", "templates/bad/b.yml", "<%= repo.nope %>\n"));
        RepoRef api = fx.target("api");
        RepoRef web = fx.target("web");
        RegenResult first = run(api);
        assertThat(first.templateErrors()).isNotEmpty();
        assertThat(run(api)).isNotInstanceOf(RegenResult.Unchanged.class);
        run(web);
        assertThat(run(web)).isNotInstanceOf(RegenResult.Unchanged.class);
    }
}
