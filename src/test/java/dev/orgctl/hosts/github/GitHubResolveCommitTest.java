package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a preview's {@code --ref} names on GitHub: branches, tags and full commit ids, read over real HTTP. */
class GitHubResolveCommitTest {
    private GitHubFake fake;
    private GitHubClient client;
    private GitHubHost host;
    private FakeRepo templates;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        FakeOrg acme = fake.createOrg("acme");
        client = TestClients.pat(fake, fake.createToken("octo", "repo"));
        host = new GitHubHost(client);
        templates = acme.createRepo(RepoSpec.named(".github"));
    }

    @AfterEach
    void stop() {
        host.close();
        fake.close();
    }

    @Test
    void branchesTagsAndFullCommitIdsResolveAndNothingElseDoes() {
        RepoRef ref = new RepoRef("acme", ".github");
        String first = templates.push("main", Person.of("alice"), "one", Map.of("templates/ci/ci.yml", "name: ci\n"));
        String second = templates.push("feature", Person.of("alice"), "two", Map.of("templates/ci/ci.yml", "v2\n"));
        client.post("/repos/acme/.github/git/refs", Map.of("ref", "refs/tags/v1", "sha", first));

        assertThat(host.resolveCommit(ref, "main")).contains(first);
        assertThat(host.resolveCommit(ref, "feature")).contains(second);
        assertThat(host.resolveCommit(ref, "v1")).contains(first);
        assertThat(host.resolveCommit(ref, second)).contains(second);
        assertThat(host.resolveCommit(ref, "nope")).isEmpty();
        assertThat(host.resolveCommit(ref, "0".repeat(40))).isEmpty();
        assertThat(host.resolveCommit(ref, second.substring(0, 10))).isEmpty();
    }
}
