package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.Provenance;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.UpProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;

/**
 * {@code orgctl up} as a deployment configures it, through the environment only: the configured
 * commit author signs the controller's commits (it used to be ignored: always orgctl), and the
 * controller's tunables (reconcile off, a fast ref watcher) are read from the environment too.
 */
class UpCommitAuthorTest {
    private static final String MARKER = "@acme/author-check";

    @Test
    void theControllersCommitsCarryTheConfiguredAuthor() throws Exception {
        try (OrgFixture f = OrgFixture.create(1, SampleTemplates.files())) {
            Map<String, String> env = new LinkedHashMap<>(OrgFixture.env(f.nats.url(), f.gitRoot,
                    f.root.resolve("unused"), 0));
            env.put("ORGCTL_COMMIT_AUTHOR", "Release Bot <release-bot@acme.example>");
            env.put("ORGCTL_RECONCILE_EVERY", "0");
            env.put("ORGCTL_WATCH_INTERVAL", "100ms");
            try (UpProcess up = UpProcess.start(f.root, "author", env)) {
                Path initialized = up.dataDir().resolve("git-watcher").resolve("initialized");
                await("orgctl up ready with its watcher's baseline", Duration.ofSeconds(120),
                        () -> up.ready() && Files.exists(initialized));
                f.pushGit(f.templates, GitTestRepos.files("templates/github/.github/CODEOWNERS",
                        "* <%= vars.owners %> " + MARKER + "\n"), "owners");

                RepoRef target = f.targets.get(0);
                await(target.fullName() + " regenerated", Duration.ofSeconds(120),
                        () -> String.valueOf(f.file(target, ".github/CODEOWNERS")).contains(MARKER));
                RevCommit orgctls = f.log(target).stream().filter(c -> Provenance.isOrgctlCommit(c.getFullMessage()))
                        .findFirst().orElseThrow();
                assertThat(orgctls.getAuthorIdent().getName()).isEqualTo("Release Bot");
                assertThat(orgctls.getAuthorIdent().getEmailAddress()).isEqualTo("release-bot@acme.example");
                assertThat(orgctls.getCommitterIdent().getEmailAddress()).isEqualTo("release-bot@acme.example");
            }
        }
    }
}
