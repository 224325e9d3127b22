package dev.orgctl.regen;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies plans: one commit per repository (direct mode) or one proposal branch (pull-request
 * mode), fenced on the head the plan was made from. When the head moved, it plans again from the
 * new head, up to {@code maxAttempts} times, and never overwrites what it did not plan against.
 * A run under a lock writes nothing on a head that a newer holder of the lock wrote ({@link Fence}).
 */
public final class RegenExecutor {
    private static final Logger log = LoggerFactory.getLogger(RegenExecutor.class);

    private final RepositoryHost host;
    private final RegenPlanner planner;
    private final CommitIdentity identity;
    private final int maxAttempts;
    private final String proposalBranch;

    public RegenExecutor(RepositoryHost host, RegenPlanner planner) {
        this(host, planner, CommitIdentity.ORGCTL, 5, ProposalRequest.DEFAULT_BRANCH);
    }

    /**
     * @param identity       author and committer of orgctl's commits
     * @param maxAttempts    plans (first one included) before giving up on a head that keeps moving
     * @param proposalBranch the pull-request mode's branch where {@code orgctl.yaml} names none
     */
    public RegenExecutor(RepositoryHost host, RegenPlanner planner, CommitIdentity identity, int maxAttempts,
                         String proposalBranch) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.host = host;
        this.planner = planner;
        this.identity = identity;
        this.maxAttempts = maxAttempts;
        this.proposalBranch = proposalBranch;
    }

    /** Plans the repository at its head and applies the plan. */
    public RegenResult regenerate(TemplateSnapshot templates, RepositoryInfo repo, RunContext ctx) {
        RepoPlan plan;
        try {
            plan = planner.plan(templates, repo);
        } catch (TemplateException e) {
            return failed(repo, e.getMessage(), false, 0);
        } catch (HostException e) {
            // Retried unless the host says the same call will fail again (GitHub refused it).
            return failed(repo, e.getMessage(), e.retryable(), 0);
        }
        return apply(templates, plan, ctx);
    }

    /** Applies a plan made with {@code templates}, re-planning when the head moved since. */
    public RegenResult apply(TemplateSnapshot templates, RepoPlan first, RunContext ctx) {
        RepoPlan plan = first;
        RepositoryInfo repo = first.repo();
        Optional<String> lastHead = first.baseCommit();
        for (int attempt = 1; ; attempt++) {
            int replans = attempt - 1;
            if (plan.skipped().isPresent()) {
                return new RegenResult.Skipped(repo, plan.skipped().get());
            }
            Optional<String> overtaken = overtaken(ctx, plan);
            if (overtaken.isPresent()) {
                // Retried: the retry takes the lock again, under a newer token, and plans on the newer holder's head.
                return failed(repo, overtaken.get(), true, replans);
            }
            Optional<String> movedTo;
            try {
                if (plan.mode() == CommitMode.DIRECT) {
                    if (!plan.hasChanges()) {
                        logDone(plan, "no change", null, replans);
                        return new RegenResult.NoChange(plan, replans);
                    }
                    CommitResult r = host.commit(repo.ref(), new CommitRequest(plan.branch(), plan.baseCommit(),
                            Provenance.commitMessage(plan, ctx), plan.changes(), identity));
                    if (r instanceof CommitResult.Committed c) {
                        logDone(plan, "committed", c.commitId(), replans);
                        return new RegenResult.Committed(repo, c.commitId(), plan, replans);
                    }
                    if (r instanceof CommitResult.Rejected rej) {
                        return failed(repo, rej.reason(), false, replans);
                    }
                    movedTo = ((CommitResult.MovedHead) r).actualHead();
                } else {
                    if (!plan.hasChanges() && plan.failed()) {
                        // A failed set planned nothing: that is not "nothing to change", keep the proposal open.
                        logDone(plan, "no change", null, replans);
                        return new RegenResult.NoChange(plan, replans);
                    }
                    ProposalTexts texts = new ProposalTexts(templates, proposalBranch);
                    String branch;
                    ProposalRequest request;
                    try {
                        branch = texts.branch(repo);
                        request = plan.hasChanges() && plan.baseCommit().isPresent()
                                ? texts.request(plan, ctx, identity) : null;
                    } catch (TemplateException e) {
                        return failed(repo, e.getMessage(), false, replans);
                    }
                    if (!plan.hasChanges()) {
                        boolean closed = host.closeProposal(repo.ref(), branch,
                                "the templates produce no change on " + plan.branch());
                        logDone(plan, closed ? "proposal closed" : "no change", null, replans);
                        return closed ? new RegenResult.ProposalClosed(repo, branch, plan, replans)
                                : new RegenResult.NoChange(plan, replans);
                    }
                    if (request == null) {
                        return failed(repo, "pull-request mode needs a commit on " + plan.branch(), false, replans);
                    }
                    ProposalResult r = host.propose(repo.ref(), request);
                    if (r instanceof ProposalResult.Updated u) {
                        logDone(plan, "proposal updated", u.commitId(), replans);
                        return new RegenResult.Proposed(repo, u.branch(), u.commitId(), true, u.pull(), u.notes(), plan,
                                replans);
                    }
                    if (r instanceof ProposalResult.Unchanged u) {
                        logDone(plan, "proposal up to date", u.commitId(), replans);
                        return new RegenResult.Proposed(repo, u.branch(), u.commitId(), false, u.pull(), u.notes(),
                                plan, replans);
                    }
                    if (r instanceof ProposalResult.Rejected rej) {
                        return failed(repo, rej.reason(), false, replans);
                    }
                    movedTo = ((ProposalResult.MovedHead) r).actualHead();
                }
            } catch (HostException e) {
                return failed(repo, e.getMessage(), e.retryable(), replans);
            }
            lastHead = movedTo;
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("planned_on", plan.baseCommit().orElse("-"))
                    .addKeyValue("head", movedTo.orElse("-")).addKeyValue("attempt", attempt)
                    .log("head moved during regeneration; planning again from the new head");
            if (attempt >= maxAttempts) {
                log.atWarn().addKeyValue("repo", repo.fullName()).addKeyValue("attempts", attempt)
                        .log("head kept moving; giving up for now");
                return new RegenResult.HeadKeptMoving(repo, replans + 1, lastHead);
            }
            try {
                plan = planner.plan(templates, repo);
            } catch (TemplateException e) {
                return failed(repo, e.getMessage(), false, replans + 1);
            } catch (HostException e) {
                return failed(repo, e.getMessage(), e.retryable(), replans + 1);
            }
        }
    }

    private static Optional<String> overtaken(RunContext ctx, RepoPlan plan) {
        return ctx.fence().flatMap(f -> plan.baseStamp().flatMap(f::overtakenBy));
    }

    private static RegenResult failed(RepositoryInfo repo, String message, boolean retryable, int replans) {
        log.atWarn().addKeyValue("repo", repo.fullName()).addKeyValue("retryable", retryable)
                .addKeyValue("error", message).log("regeneration failed");
        return new RegenResult.Failed(repo, message, retryable, replans);
    }

    private static void logDone(RepoPlan plan, String outcome, String commit, int replans) {
        var b = log.atDebug().addKeyValue("repo", plan.repo().fullName()).addKeyValue("outcome", outcome)
                .addKeyValue("template_rev", Headers.shortRev(plan.templateRev())).addKeyValue("replans", replans)
                .addKeyValue("summary", plan.summary());
        if (commit != null) {
            b = b.addKeyValue("commit", commit);
        }
        for (FilePlan f : plan.drifted()) {
            log.atInfo().addKeyValue("repo", plan.repo().fullName()).addKeyValue("file", f.path())
                    .addKeyValue("action", f.action().label()).log("drift");
        }
        for (FilePlan f : plan.refused()) {
            log.atWarn().addKeyValue("repo", plan.repo().fullName()).addKeyValue("file", f.path())
                    .addKeyValue("reason", f.note()).log("file refused: left as it is");
        }
        b.log("regeneration done");
    }
}
