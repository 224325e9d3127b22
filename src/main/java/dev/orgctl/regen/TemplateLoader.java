package dev.orgctl.regen;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the templates repository ({@code <org>/.github}) in one call and compiles it, keeping the
 * last compiled revision so that repeated loads of an unchanged repository cost one read of the
 * branch head.
 */
public final class TemplateLoader {
    private final RepositoryHost host;
    private final AtomicReference<TemplateSnapshot> last = new AtomicReference<>();

    public TemplateLoader(RepositoryHost host) {
        this.host = host;
    }

    public static RepoRef templatesRepo(String org) {
        return new RepoRef(org, TemplateSnapshot.TEMPLATES_REPO);
    }

    /** The templates of {@code org} at the head of the templates repository's default branch. */
    public TemplateSnapshot load(String org) {
        return load(templatesRepo(org));
    }

    public TemplateSnapshot load(RepoRef templatesRepo) {
        RepositoryInfo info = host.repository(templatesRepo).orElseThrow(() -> new TemplateException(
                templatesRepo.fullName(), 0, "the templates repository does not exist on the " + host.kind()
                + " host"));
        Optional<String> head = host.branchHead(templatesRepo, info.defaultBranch());
        if (head.isEmpty()) {
            throw new TemplateException(templatesRepo.fullName(), 0, "the templates repository has no commit on "
                    + info.defaultBranch());
        }
        TemplateSnapshot cached = last.get();
        if (cached != null && cached.templatesRepo().equals(templatesRepo) && cached.revision().equals(head.get())) {
            return cached;
        }
        return loadAt(templatesRepo, head.get());
    }

    /** The templates at a given revision (for a job that names the template revision it is for). */
    public TemplateSnapshot loadAt(RepoRef templatesRepo, String revision) {
        TemplateSnapshot cached = last.get();
        if (cached != null && cached.templatesRepo().equals(templatesRepo) && cached.revision().equals(revision)) {
            return cached;
        }
        RepoSnapshot files = host.readCommit(templatesRepo, revision, TemplateSnapshot.selection());
        TemplateSnapshot snap = TemplateSnapshot.compile(templatesRepo, files.commitId(), files.files());
        last.set(snap);
        return snap;
    }
}
