package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.UpProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What a deployment script does: start {@code orgctl up} on a fresh data dir, wait for
 * {@code /readyz}, push a template at once. The push must be delivered and regenerate the org,
 * not be taken for the starting state by the git ref watcher's first scan (its baseline).
 */
class PushRightAfterReadyTest {
    private static final String MARKER = "@acme/right-after-readyz";
    /** Release tags of a long-lived repository: enough loose refs that the first scan takes seconds. */
    private static final int TAGS = 20_000;

    @Test
    void aTemplatePushMadeAsSoonAsReadyzSaysReadyIsDeliveredNotAbsorbedIntoTheBaseline() throws Exception {
        try (OrgFixture f = OrgFixture.create(1, SampleTemplates.files())) {
            // A repository the watcher reads before the templates repository (names are scanned in
            // order), with many loose tags, as an org's old monorepo has.
            RepoRef archive = f.repos.create(OrgFixture.ORG, ".archive");
            String head = f.repos.commit(archive, GitTestRepos.files("README.md", "archived\n"), "initial");
            writeLooseTags(f.repos.host().gitDir(archive), head);

            try (UpProcess up = UpProcess.start(f.root, "fresh", OrgFixture.env(f.nats.url(), f.gitRoot,
                    f.root.resolve("unused"), 0), "--reconcile-every", "0", "--watch-interval", "100ms")) {
                // No periodic reconcile: only the push's delivery can regenerate anything.
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!up.ready()) {
                    assertThat(System.nanoTime()).as("orgctl up ready in time: " + up.log()).isLessThan(deadline);
                    Thread.sleep(20);
                }
                f.pushGit(f.templates, GitTestRepos.files("templates/github/.github/CODEOWNERS",
                        "* <%= vars.owners %> " + MARKER + "\n"), "owners, pushed the moment orgctl up is ready");

                RepoRef target = f.targets.get(0);
                await("the push delivered and " + target.fullName() + " regenerated", Duration.ofSeconds(120),
                        () -> String.valueOf(f.file(target, ".github/CODEOWNERS")).contains(MARKER));
            }
        }
    }

    private static void writeLooseTags(Path gitDir, String commit) throws IOException {
        Path tags = Files.createDirectories(gitDir.resolve("refs").resolve("tags"));
        byte[] target = (commit + "\n").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < TAGS; i++) {
            Files.write(tags.resolve(String.format("v1.%05d", i)), target);
        }
    }
}
