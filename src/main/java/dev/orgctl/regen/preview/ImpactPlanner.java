package dev.orgctl.regen.preview;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.regen.RegenBatch;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RepoPlan;
import dev.orgctl.regen.TemplateException;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The organization-wide impact of the templates at a ref (a branch, tag or commit of the templates
 * repository) before it is merged: every repository is planned with {@link RegenPlanner} against
 * the templates at that ref, and, with a base, against the templates at the base too, so that only
 * what the change itself does is shown. Reads only: nothing here writes to any repository.
 *
 * <p>A template that fails breaks its set where it fails and nothing else; a broken
 * {@code orgctl.yaml} at the head is one problem and no repository is planned. A base whose own
 * {@code orgctl.yaml} is broken cannot be rendered: the head is then compared with the
 * repositories' current files (the impact's base is empty), which is what merging it would do.
 */
public final class ImpactPlanner {
    /** Told after each repository, on the thread that called {@link #plan}. */
    @FunctionalInterface
    public interface Listener {
        void planned(int done, int total);
    }

    private final RepositoryHost host;
    private final String org;
    private final int parallelism;

    public ImpactPlanner(RepositoryHost host, String org, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1");
        }
        this.host = host;
        this.org = org;
        this.parallelism = parallelism;
    }

    /**
     * The impact of the templates at {@code headRef}, compared with the templates at {@code baseRef}
     * when given, else with the repositories as they are.
     *
     * @throws UnknownRefException when a ref names nothing in the templates repository
     */
    public Impact plan(String headRef, Optional<String> baseRef) {
        return plan(headRef, baseRef, (done, total) -> { });
    }

    public Impact plan(String headRef, Optional<String> baseRef, Listener listener) {
        RepoRef templatesRepo = TemplateLoader.templatesRepo(org);
        String headSha = resolve(templatesRepo, headRef);
        Optional<String> baseSha = baseRef.map(ref -> resolve(templatesRepo, ref));
        TemplateLoader loader = new TemplateLoader(host);
        ImpactCollector collector = new ImpactCollector(templatesRepo.fullName());
        TemplateSnapshot head;
        try {
            head = loader.loadAt(templatesRepo, headSha);
        } catch (TemplateException e) {
            collector.configProblem(e);
            return collector.impact(headRef, headSha, baseSha);
        }
        Optional<TemplateSnapshot> base = Optional.empty();
        if (baseSha.isPresent()) {
            try {
                base = Optional.of(loader.loadAt(templatesRepo, baseSha.get()));
            } catch (TemplateException e) {
                baseSha = Optional.empty();
            }
        }
        List<RepositoryInfo> candidates = new ArrayList<>();
        for (RepositoryInfo r : host.listRepositories(org)) {
            if (head.isCandidate(r)) {
                candidates.add(r);
            }
        }
        List<RepositoryInfo> repos = base.isPresent() ? head.affected(base.get(), candidates) : candidates;
        Optional<TemplateSnapshot> from = base;
        int[] done = {0};
        RegenBatch.forEach(repos, parallelism, repo -> compare(host, from, head, repo), (repo, result) -> {
            collector.add(repo, result);
            listener.planned(++done[0], repos.size());
        });
        return collector.impact(headRef, headSha, baseSha);
    }

    /**
     * A repository's impact, or why it could not be planned (a host failure: reported, never
     * thrown). The head is planned first: its read usually covers what the base's plan reads, so
     * the repository is read once ({@link PreviewReads}), and nothing can be written to it.
     */
    private static RepoImpact compare(RepositoryHost host, Optional<TemplateSnapshot> base, TemplateSnapshot head,
                                  RepositoryInfo repo) {
        try {
            RegenPlanner planner = new RegenPlanner(new PreviewReads(host));
            RepoPlan after = planner.plan(head, repo);
            Optional<RepoPlan> before = base.map(b -> planner.plan(b, repo));
            return RepoImpact.between(before, after);
        } catch (RuntimeException e) {
            return RepoImpact.failed("could not be planned: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    private String resolve(RepoRef templatesRepo, String ref) {
        return host.resolveCommit(templatesRepo, ref)
                .orElseThrow(() -> new UnknownRefException(templatesRepo.fullName(), ref));
    }
}
