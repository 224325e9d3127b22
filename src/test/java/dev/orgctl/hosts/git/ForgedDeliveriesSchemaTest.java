package dev.orgctl.hosts.git;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.testing.WebhookSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of delivery the git backend forges (a new repository, and pushes that create, move,
 * force-move and delete a branch, and create and delete a tag), produced by the real ref watcher on
 * real bare repositories, conforms to GitHub's JSON Schema for its event and action.
 */
class ForgedDeliveriesSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static WebhookSchemas schemas;

    @TempDir
    Path tmp;
    GitTestRepos repos;
    final List<OutgoingDelivery> sent = new ArrayList<>();
    RefWatcher watcher;

    @BeforeAll
    static void loadSchemas() {
        schemas = WebhookSchemas.load();
    }

    @BeforeEach
    void setUp() throws Exception {
        repos = new GitTestRepos(Files.createDirectories(tmp.resolve("root")));
        watcher = new RefWatcher(repos.host(), new FileRefStateStore(tmp.resolve("state")), sent::add,
                Duration.ofSeconds(1), Optional.empty());
        watcher.scanOnce(); // the (empty) baseline
    }

    @AfterEach
    void tearDown() {
        watcher.close();
        repos.close();
    }

    @Test
    void everyKindOfForgedDeliveryConformsToItsSchema() throws Exception {
        RepoRef api = repos.create("acme", "api", GitRepoSettings.defaults().withTopics("java").withLanguage("Java"));
        String first = repos.commit(api, files("README.md", "hello\n"), "init");
        watcher.scanOnce(); // repository created, then the push that creates main
        repos.gitPush(api, files("README.md", "hello again\n", "src/a.txt", "a\n"), "Edit the readme");
        repos.gitPush(api, "feature", files("f.txt", "f\n"), "A feature");
        watcher.scanOnce(); // main moved, feature created
        Path work = Files.createTempDirectory(repos.root(), "force-");
        GitTestRepos.git(repos.root(), "clone", "--quiet", repos.host().gitDir(api).toUri().toString(), work.toString());
        GitTestRepos.git(work, "tag", "-a", "v1", "-m", "release 1", first);
        GitTestRepos.git(work, "push", "--quiet", "origin", "v1");
        GitTestRepos.git(work, "push", "--quiet", "--force", "origin", first + ":refs/heads/main");
        GitTestRepos.git(work, "push", "--quiet", "origin", ":refs/heads/feature");
        watcher.scanOnce(); // tag created, main forced back, feature deleted
        GitTestRepos.git(work, "push", "--quiet", "origin", ":refs/tags/v1");
        watcher.scanOnce(); // tag deleted

        Map<String, Predicate<OutgoingDelivery>> kinds = Map.of(
                "repository created", d -> d.event().equals("repository"),
                "branch created", d -> push(d, "refs/heads/", "created"),
                "branch moved", d -> push(d, "refs/heads/", "") && !body(d).path("forced").asBoolean(),
                "branch forced", d -> push(d, "refs/heads/", "forced"),
                "branch deleted", d -> push(d, "refs/heads/", "deleted"),
                "tag created", d -> push(d, "refs/tags/", "created"),
                "tag deleted", d -> push(d, "refs/tags/", "deleted"));
        kinds.forEach((kind, test) -> assertThat(sent).as(kind).anyMatch(test));
        for (OutgoingDelivery d : sent) {
            assertThat(schemas.violations(d.event(), d.body())).as(d + " " + body(d)).isEmpty();
        }
    }

    @Test
    void aForgedDeliveryWithoutARequiredFieldIsRefused() throws Exception {
        RepoRef api = repos.create("acme", "api");
        repos.commit(api, files("README.md", "hello\n"), "init");
        watcher.scanOnce();
        OutgoingDelivery push = sent.stream().filter(d -> d.event().equals("push")).findFirst().orElseThrow();
        ObjectNode broken = (ObjectNode) body(push);
        ((ObjectNode) broken.path("repository")).remove("full_name");
        assertThat(schemas.violations("push", JSON.writeValueAsBytes(broken)))
                .anyMatch(v -> v.contains("full_name"));
        OutgoingDelivery created = sent.stream().filter(d -> d.event().equals("repository")).findFirst().orElseThrow();
        ObjectNode noSender = (ObjectNode) body(created);
        noSender.remove("sender");
        assertThat(schemas.violations("repository", JSON.writeValueAsBytes(noSender)))
                .anyMatch(v -> v.contains("sender"));
    }

    private static boolean push(OutgoingDelivery d, String refPrefix, String flag) {
        if (!d.event().equals("push")) {
            return false;
        }
        var b = body(d);
        boolean plain = !b.path("created").asBoolean() && !b.path("deleted").asBoolean();
        return b.path("ref").asText().startsWith(refPrefix) && (flag.isEmpty() ? plain : b.path(flag).asBoolean());
    }

    private static com.fasterxml.jackson.databind.JsonNode body(OutgoingDelivery d) {
        try {
            return JSON.readTree(d.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
