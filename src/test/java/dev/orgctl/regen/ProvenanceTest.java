package dev.orgctl.regen;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.OutgoingDelivery;
import dev.orgctl.hosts.git.FileRefStateStore;
import dev.orgctl.hosts.git.RefWatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String tplHead(RegenFixture fx) {
        return fx.host.branchHead(fx.templates, "main").orElseThrow();
    }

    @TempDir
    Path tmp;

    @Test
    void trailersAreTheLastParagraphOfKeyValueLines() {
        assertThat(Provenance.trailers("subject\n\nbody\n\nA-Key: 1\nOther: two words\n"))
                .containsExactly(java.util.Map.entry("A-Key", "1"), java.util.Map.entry("Other", "two words"));
        assertThat(Provenance.trailers("subject\n\nA-Key: 1\nnot a trailer\n")).isEmpty();
        assertThat(Provenance.trailers("only a subject: with colon")).isEmpty();
    }

    @Test
    void recognisesOrgctlsOwnCommitMessagesOnly() {
        String own = "orgctl: regenerate from acme/.github@abc [skip-regen]\n\nupdate x\n\n"
                + "Orgctl-Run-Id: r1\nOrgctl-Template-Rev: abcdef\n";
        assertThat(Provenance.isOrgctlCommit(own)).isTrue();
        assertThat(Provenance.isOrgctlCommit(own.replace(" [skip-regen]", ""))).isFalse();
        assertThat(Provenance.isOrgctlCommit(own.replace("Orgctl-Run-Id: r1\n", ""))).isFalse();
        assertThat(Provenance.isOrgctlCommit("fix typo [skip-regen]")).isFalse();
        assertThat(Provenance.isOrgctlCommit("Update ci.yml\n\nOrgctl-Run-Id: r1\n")).isFalse();
        assertThat(Provenance.isOrgctlCommit(null)).isFalse();
    }

    @Test
    void touchesOwnedFile() {
        Set<String> owned = Set.of(".github/workflows/ci.yml", OwnershipManifest.PATH);
        assertThat(Provenance.touchesOwnedFile(List.of("src/a.java", ".github/workflows/ci.yml"), owned)).isTrue();
        assertThat(Provenance.touchesOwnedFile(List.of("src/a.java", ".github/workflows/other.yml"), owned)).isFalse();
        OwnershipManifest m = new OwnershipManifest("acme/.github", java.util.Map.of(
                "a.yml", new OwnershipManifest.Entry(Policy.OVERWRITE, "ci", Optional.of("x")),
                "README.md", new OwnershipManifest.Entry(Policy.MANAGED_BLOCK, "docs", Optional.of("y")),
                "LICENSE", new OwnershipManifest.Entry(Policy.CREATE_ONLY, "legal", Optional.empty())));
        assertThat(m.ownedPaths()).containsExactly(OwnershipManifest.PATH, "README.md", "a.yml");
    }

    /** End to end with the watcher's real payloads: orgctl's push is its own, a person's drift push is not. */
    @Test
    void pushPayloadsOfTheGitBackendClassify() throws Exception {
        try (RegenFixture fx = new RegenFixture(tmp.resolve("root"))) {
            fx.standardTemplates();
            RepoRef api = fx.target("api");
            List<JsonNode> pushes = new ArrayList<>();
            RefWatcher w = new RefWatcher(fx.host, new FileRefStateStore(tmp.resolve("state")),
                    (OutgoingDelivery d) -> {
                        try {
                            pushes.add(JSON.readTree(d.body()));
                        } catch (java.io.IOException e) {
                            throw new AssertionError(e);
                        }
                    }, Duration.ofSeconds(1), Optional.empty());
            w.scanOnce();

            RegenResult.Committed c = (RegenResult.Committed) fx.regenerate(api);
            w.scanOnce();
            JsonNode own = pushes.get(0);
            assertThat(Provenance.commitIds(own)).containsExactly(c.commitId());
            assertThat(Provenance.isOwnPush(own, id -> id.equals(c.commitId()))).isTrue();
            assertThat(Provenance.isOwnPush(own, id -> false)).isFalse();
            assertThat(Provenance.isTemplateChange(own)).isFalse();

            String ci = fx.repos.file(api, ".github/workflows/ci.yml");
            fx.repos.gitPush(api, files(".github/workflows/ci.yml", ci + "# tweak\n"), "tweak");
            w.scanOnce();
            JsonNode drift = pushes.get(1);
            assertThat(Provenance.isOwnPush(drift, id -> true)).isFalse();
            OwnershipManifest m = OwnershipManifest.read(fx.host, api, drift.path("before").asText()).orElseThrow();
            assertThat(m).isEqualTo(OwnershipManifest.parse(fx.repos.file(api, OwnershipManifest.PATH).getBytes(UTF_8)));
            assertThat(OwnershipManifest.read(fx.host, fx.templates, tplHead(fx))).isEmpty();
            assertThat(Provenance.touchesOwnedFile(Provenance.changedPaths(drift), m.ownedPaths())).isTrue();

            fx.templates(files("templates/ci/.github/CODEOWNERS", "* @x\n"));
            w.scanOnce();
            JsonNode tpl = pushes.get(2);
            assertThat(tpl.path("repository").path("name").asText()).isEqualTo(".github");
            assertThat(Provenance.isTemplateChange(tpl)).isTrue();
            fx.templates(files("docs.md", "not a template\n"));
            w.scanOnce();
            assertThat(Provenance.isTemplateChange(pushes.get(3))).isFalse();
        }
    }
}
