package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.controller.GitHubEvent.Commit;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.github.FakeDelivery;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The deliveries GitHub (the fake) sends for a templates pull request, as the classifier reads them. */
class PreviewClassificationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Person ALICE = Person.of("alice");
    private final EventClassifier classifier = new EventClassifier(new EventClassifier.Knowledge() {
        @Override
        public String templatesRepo(String org) {
            return ".github";
        }

        @Override
        public boolean isOwnCommit(String org, String repo, Commit commit) {
            return false;
        }

        @Override
        public Set<String> ownedPaths(String org, String repo, String commit) {
            return Set.of();
        }
    });
    private GitHubFake fake;
    private FakeOrg acme;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        // Nobody listens there: the fake still logs each delivery with its payload.
        acme.addHook("http://127.0.0.1:9/webhooks/github", "s", List.of("pull_request", "check_suite"));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private List<Classification> classified(String event) throws IOException {
        fake.awaitDeliveries(Duration.ofSeconds(10));
        List<Classification> out = new java.util.ArrayList<>();
        for (FakeDelivery d : fake.deliveries()) {
            if (d.event().equals(event)) {
                out.add(classifier.classify(GitHubEvent.parse(d.event(), d.guid(), JSON.readTree(d.payload()))));
            }
        }
        return out;
    }

    @Test
    void openedThenPushedToIsOnePreviewPerHeadEachNamingTheOneBefore() throws IOException {
        FakeRepo templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        templates.createBranch("change", "main", ALICE);
        String first = templates.push("change", ALICE, "one", Map.of("templates/github/x", "1\n"));
        FakePull pull = templates.openPull("change", "main", ALICE, "Change");
        String second = templates.push("change", ALICE, "two", Map.of("templates/github/x", "2\n"));

        assertThat(classified("pull_request")).containsExactly(
                new Classification.Preview("acme", pull.number(), first, "main", Optional.empty()),
                new Classification.Preview("acme", pull.number(), second, "main", Optional.of(first)));
    }

    @Test
    void checksAskedForAgainArePreviewedAgain() throws IOException {
        FakeRepo templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        templates.createBranch("change", "main", ALICE);
        String head = templates.push("change", ALICE, "one", Map.of("templates/github/x", "1\n"));
        FakePull pull = templates.openPull("change", "main", ALICE, "Change");
        templates.rerequestChecks(head, 91, ALICE);

        assertThat(classified("check_suite")).containsExactly(
                new Classification.Preview("acme", pull.number(), head, "main", Optional.empty(), true));
    }

    @Test
    void aPullRequestToAnotherRepositoryIsNotAPreview() throws IOException {
        FakeRepo api = acme.createRepo(RepoSpec.named("api").files(Map.of("README.md", "api\n")));
        api.createBranch("change", "main", ALICE);
        api.push("change", ALICE, "one", Map.of("README.md", "API\n"));
        api.openPull("change", "main", ALICE, "Change");

        assertThat(classified("pull_request")).singleElement().isInstanceOf(Classification.Irrelevant.class);
    }
}
