package dev.orgctl.controller.rollout;

import dev.orgctl.controller.OrgFixture;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.regen.Provenance;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A templates repository for rollout tests: one set with one file whose text a test changes to make
 * a new template revision, and an {@code orgctl.yaml} whose {@code rollout} block the test writes.
 * And how a test finds the commits orgctl wrote for a revision, through git.
 */
final class RolloutTemplates {
    static final String FILE = "ROLLOUT.txt";

    private RolloutTemplates() {
    }

    /**
     * The templates repository's files: {@code orgctl.yaml} with {@code rolloutBlock} (YAML lines
     * starting at {@code rollout:}) and {@code templates/base/ROLLOUT.txt} saying {@code marker}.
     */
    static Map<String, String> files(String marker, String... rolloutBlock) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("orgctl.yaml", "version: 1\nmode: direct\n" + String.join("\n", rolloutBlock) + "\n");
        files.put("templates/base/" + FILE, "rolled out: " + marker + "\n");
        return files;
    }

    /** The commits orgctl wrote in {@code repo} for template revision {@code rev}, newest first. */
    static List<RevCommit> orgctlCommits(OrgFixture f, RepoRef repo, String rev) {
        return f.log(repo).stream().filter(c -> Provenance.isOrgctlCommit(c.getFullMessage()))
                .filter(c -> rev.equals(OrgFixture.trailer(c, Provenance.TEMPLATE_REV))).toList();
    }

    /** The one commit orgctl wrote in {@code repo} for {@code rev}, once there is one. */
    static Optional<RevCommit> orgctlCommit(OrgFixture f, RepoRef repo, String rev) {
        List<RevCommit> commits = orgctlCommits(f, repo, rev);
        return commits.isEmpty() ? Optional.empty() : Optional.of(commits.get(commits.size() - 1));
    }
}
