package dev.orgctl.controller;

import dev.orgctl.controller.GitHubEvent.Commit;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.regen.OwnershipManifest;
import dev.orgctl.regen.TemplateSnapshot;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the classifier needs to know, answered from the shared records and the repository host:
 * orgctl's own commits (ORGCTL_COMMITS and the commit message form) and the files orgctl owns (the
 * ownership manifest committed in each repository).
 */
public final class ControllerKnowledge implements EventClassifier.Knowledge {
    private static final Logger log = LoggerFactory.getLogger(ControllerKnowledge.class);
    private final OwnCommits ownCommits;
    private final RepositoryHost host;

    public ControllerKnowledge(OwnCommits ownCommits, RepositoryHost host) {
        this.ownCommits = ownCommits;
        this.host = host;
    }

    @Override
    public String templatesRepo(String org) {
        return TemplateSnapshot.TEMPLATES_REPO;
    }

    @Override
    public boolean isOwnCommit(String org, String repo, Commit commit) {
        return ownCommits.isOwn(commit.id(), commit.message());
    }

    @Override
    public Set<String> ownedPaths(String org, String repo, String commit) {
        try {
            Optional<RepoFile> manifest = host.readCommit(new RepoRef(org, repo), commit,
                    FileSelection.paths(List.of(OwnershipManifest.PATH))).file(OwnershipManifest.PATH);
            if (manifest.isEmpty()) {
                return Set.of();
            }
            return OwnershipManifest.parse(manifest.get().content()).ownedPaths();
        } catch (IOException | HostException e) {
            // Unknown ownership: the periodic reconcile compares content and catches any drift.
            log.atWarn().addKeyValue("repo", org + "/" + repo).addKeyValue("commit", commit)
                    .addKeyValue("error", e.getMessage()).log("cannot read the ownership manifest");
            return Set.of();
        }
    }
}
