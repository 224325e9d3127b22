package dev.orgctl.controller.preview;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.github.CheckOutput;
import dev.orgctl.hosts.github.GitHubChecks;
import dev.orgctl.hosts.github.GitHubChecks.CheckRun;
import dev.orgctl.hosts.github.GitHubChecks.Conclusion;
import dev.orgctl.hosts.github.PullRequestComments;
import dev.orgctl.hosts.github.PullRequestHeads;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.preview.Impact;
import dev.orgctl.regen.preview.ImpactPlanner;
import dev.orgctl.regen.preview.UnknownRefException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Previews one head of a pull request to the templates repository as the {@code orgctl / impact}
 * check run: the run starts in progress, the templates at the head are planned against every
 * target repository (reads only: a preview writes nothing to a target), and the run completes with
 * the impact. The newest head wins: a run whose head is no longer the pull request's head when its
 * plan is done completes as {@code skipped}, "superseded by" the new head, and a newer head
 * completes the older head's run that is still in progress the same way. No run is left in progress.
 */
public final class PreviewRunner {
    private static final Logger log = LoggerFactory.getLogger(PreviewRunner.class);
    /** The check run's name: a stable name, what branch protection requires. */
    public static final String CHECK_NAME = "orgctl / impact";

    /** How a preview ended. */
    public sealed interface Result {
        /** The run completed with the impact's conclusion. */
        record Published(long runId, Impact impact, Conclusion conclusion) implements Result {
        }

        /** A newer head replaced this one before its result was published (or the pull request closed). */
        record Superseded(long runId, Optional<String> by) implements Result {
        }

        /** The head already has its result (a run completed with a verdict) and nobody asked again: no new run. */
        record AlreadyPublished(long runId) implements Result {
        }
    }

    /** What plans a head against its base: {@link ImpactPlanner} in production. */
    @FunctionalInterface
    public interface Planner {
        Impact plan(String headSha, String baseRef);

        static Planner of(ImpactPlanner p) {
            return (head, base) -> p.plan(head, Optional.of(base));
        }
    }

    /** Marks orgctl's one preview comment on a pull request (invisible on GitHub). */
    static final String COMMENT_MARKER = "<!-- orgctl:impact -->";

    private final GitHubChecks checks;
    private final PullRequestHeads heads;
    private final Planner planner;
    private final Optional<PullRequestComments> comments;

    public PreviewRunner(GitHubChecks checks, PullRequestHeads heads, Planner planner) {
        this(checks, heads, planner, Optional.empty());
    }

    /** @param comments when present, the published preview is also the pull request's one orgctl comment */
    public PreviewRunner(GitHubChecks checks, PullRequestHeads heads, Planner planner,
                         Optional<PullRequestComments> comments) {
        this.checks = checks;
        this.heads = heads;
        this.planner = planner;
        this.comments = comments;
    }

    public Result run(PreviewRequest r) {
        RepoRef repo = TemplateLoader.templatesRepo(r.org());
        r.previousHead().filter(old -> !old.equals(r.headSha())).ifPresent(old -> supersede(repo, old, r.headSha()));
        List<CheckRun> existing = checks.runs(repo, r.headSha(), CHECK_NAME);
        Optional<CheckRun> published = existing.stream().filter(PreviewRunner::verdict).findFirst();
        if (published.isPresent() && !r.again()) {
            // A follow-up run of the same head (pushes that coalesced into the run that published it).
            return new Result.AlreadyPublished(published.get().id());
        }
        // A run of this head left in progress by an attempt that died (a crashed worker) is replaced by this one.
        for (CheckRun old : existing) {
            if (!old.completed()) {
                completeSuperseded(repo, old.id(), Optional.of(r.headSha()));
            }
        }
        CheckRun run = checks.start(repo, CHECK_NAME, r.headSha(), r.causation(), "Planning every repository",
                "orgctl is rendering the templates at `" + r.headSha() + "` for every target repository.");
        Impact impact;
        try {
            impact = planner.plan(r.headSha(), r.baseRef());
        } catch (UnknownRefException e) {
            checks.complete(repo, run.id(), Conclusion.FAILURE, new CheckOutput("Cannot preview this head",
                    CheckOutput.fit(e.getMessage(), CheckOutput.MAX_MARKDOWN, "…"), Optional.empty(), List.of()));
            throw e;
        } catch (RuntimeException e) {
            // Not left in progress: the job is retried and a new run starts; this one says why it stopped.
            checks.complete(repo, run.id(), Conclusion.CANCELLED, new CheckOutput("Stopped, to be tried again",
                    CheckOutput.fit("orgctl could not finish planning: " + e.getMessage()
                            + "\n\nIt tries again by itself.", CheckOutput.MAX_MARKDOWN, "…"), Optional.empty(), List.of()));
            throw e;
        }
        Optional<String> now = heads.openHead(repo, r.number());
        if (!now.equals(Optional.of(r.headSha()))) {
            completeSuperseded(repo, run.id(), now);
            log.atInfo().addKeyValue("pull", r.number()).addKeyValue("head", r.headSha())
                    .addKeyValue("now", now.orElse("closed")).log("preview superseded before it was published");
            return new Result.Superseded(run.id(), now);
        }
        Conclusion conclusion = ImpactCheck.conclusion(impact);
        CheckOutput output = ImpactCheck.render(impact);
        checks.complete(repo, run.id(), conclusion, output);
        comments.ifPresent(c -> c.upsert(repo, r.number(), COMMENT_MARKER, "### `" + CHECK_NAME + "`: "
                + conclusion.api() + " — " + output.title() + "\n\n" + output.summary()));
        log.atInfo().addKeyValue("pull", r.number()).addKeyValue("head", r.headSha())
                .addKeyValue("conclusion", conclusion.api()).addKeyValue("repositories", impact.total().repositories())
                .addKeyValue("problems", impact.problems().size()).log("preview published");
        return new Result.Published(run.id(), impact, conclusion);
    }

    /** A completed run with the impact's verdict (not superseded, not stopped). */
    private static boolean verdict(CheckRun run) {
        return run.completed() && run.conclusion().filter(c -> c == Conclusion.SUCCESS || c == Conclusion.FAILURE
                || c == Conclusion.NEUTRAL).isPresent();
    }

    /** Completes every run of ours on {@code oldHead} that is still in progress: superseded by {@code newHead}. */
    private void supersede(RepoRef repo, String oldHead, String newHead) {
        for (CheckRun old : checks.runs(repo, oldHead, CHECK_NAME)) {
            if (!old.completed()) {
                completeSuperseded(repo, old.id(), Optional.of(newHead));
            }
        }
    }

    private void completeSuperseded(RepoRef repo, long runId, Optional<String> by) {
        String summary = by.map(sha -> "Superseded by " + sha + ": a newer push to the pull request (or a new "
                        + "attempt at the same head) is previewed instead.")
                .orElse("Superseded: the pull request was closed before this preview finished.");
        checks.complete(repo, runId, Conclusion.SKIPPED, new CheckOutput("Superseded", summary, Optional.empty(),
                List.of()));
    }
}
