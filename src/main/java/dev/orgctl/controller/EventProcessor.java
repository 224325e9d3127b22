package dev.orgctl.controller;

import dev.orgctl.controller.Classification.CiReport;
import dev.orgctl.controller.Classification.Drift;
import dev.orgctl.controller.Classification.NewRepository;
import dev.orgctl.controller.Classification.OwnCommit;
import dev.orgctl.controller.Classification.TemplateChange;
import dev.orgctl.controller.Classification.TemplatePreview;
import dev.orgctl.controller.rollout.RolloutEvents;
import dev.orgctl.controller.rollout.RolloutPlanner;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.proto.JobReason;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one event from GITHUB_EVENTS (decoded by {@link EventStage}): classify it, and schedule
 * the regeneration jobs it calls for. Returns when it is fully handled; throws when it should be
 * retried (or, a {@link dev.orgctl.regen.TemplateException}, when the templates cannot be read).
 */
public final class EventProcessor {
    private static final Logger log = LoggerFactory.getLogger(EventProcessor.class);

    private final EventClassifier classifier;
    private final JobScheduler scheduler;
    private final OwnCommits ownCommits;
    private final RepositoryHost host;
    private final ControllerMetrics metrics;
    private final Optional<PreviewTrigger> previews;
    private final PreviewSink checkPreviews;
    private final Optional<RolloutEvents> rollouts;
    private final RolloutPlanner planner;
    private final String actor;
    private final RunLocks runLocks;

    /** Without template previews: a push to another templates branch is logged and acknowledged. */
    public EventProcessor(EventClassifier classifier, JobScheduler scheduler, OwnCommits ownCommits,
                          RepositoryHost host, ControllerSettings settings, ControllerMetrics metrics) {
        this(classifier, scheduler, ownCommits, host, settings, metrics, Optional.empty());
    }

    public EventProcessor(EventClassifier classifier, JobScheduler scheduler, OwnCommits ownCommits,
                          RepositoryHost host, ControllerSettings settings, ControllerMetrics metrics,
                          Optional<PreviewTrigger> previews) {
        this(classifier, scheduler, ownCommits, host, settings, metrics, previews, PreviewSink.DISABLED);
    }

    /** @param checkPreviews where the github backend's pull-request previews (check runs) go */
    public EventProcessor(EventClassifier classifier, JobScheduler scheduler, OwnCommits ownCommits,
                          RepositoryHost host, ControllerSettings settings, ControllerMetrics metrics,
                          Optional<PreviewTrigger> previews, PreviewSink checkPreviews) {
        this(classifier, scheduler, ownCommits, host, settings, metrics, previews, checkPreviews, Optional.empty(),
                RolloutPlanner.FROM_CONFIG, "");
    }

    /**
     * @param rollouts where rollouts begin and CI results are kept (empty: a template change schedules
     *                 every target at once even when the templates configure waves, and CI results are dropped)
     * @param planner  whether the templates of a change roll out in waves, and which
     * @param actor    this process, as rollouts name who began them
     */
    public EventProcessor(EventClassifier classifier, JobScheduler scheduler, OwnCommits ownCommits,
                          RepositoryHost host, ControllerSettings settings, ControllerMetrics metrics,
                          Optional<PreviewTrigger> previews, PreviewSink checkPreviews,
                          Optional<RolloutEvents> rollouts, RolloutPlanner planner, String actor) {
        this(classifier, scheduler, ownCommits, host, settings, metrics, previews, checkPreviews, rollouts, planner,
                actor, RunLocks.NONE);
    }

    /** @param runLocks locks held by GitHub Actions runs, released when a run's end is delivered */
    public EventProcessor(EventClassifier classifier, JobScheduler scheduler, OwnCommits ownCommits,
                          RepositoryHost host, ControllerSettings settings, ControllerMetrics metrics,
                          Optional<PreviewTrigger> previews, PreviewSink checkPreviews,
                          Optional<RolloutEvents> rollouts, RolloutPlanner planner, String actor, RunLocks runLocks) {
        this.runLocks = runLocks;
        this.rollouts = rollouts;
        this.planner = planner;
        this.actor = actor;
        this.checkPreviews = checkPreviews;
        this.classifier = classifier;
        this.scheduler = scheduler;
        this.ownCommits = ownCommits;
        this.host = host;
        this.metrics = metrics;
        this.previews = previews;
    }

    public Classification handle(GitHubEvent e) {
        Classification c = classifier.classify(e);
        metrics.delivery(c.kind());
        var line = log.atInfo().addKeyValue("delivery", e.deliveryId()).addKeyValue("event", e.event())
                .addKeyValue("kind", c.kind());
        if (c instanceof TemplateChange t) {
            TemplateSnapshot now = new TemplateLoader(host).loadAt(TemplateLoader.templatesRepo(t.org()),
                    t.templateRevision());
            List<RepositoryInfo> targets = targets(t, now);
            Optional<RolloutPlanner.Plan> plan = rollouts.isPresent() ? planner.plan(now, targets) : Optional.empty();
            if (plan.isPresent()) {
                var r = rollouts.get().begin(now, plan.get(), t.previousRevision(), t.org(), e.deliveryId(), actor);
                line.addKeyValue("revision", t.templateRevision()).addKeyValue("targets", targets.size())
                        .addKeyValue("waves", r.getWavesCount()).addKeyValue("rollout", r.getId())
                        .log("template change: rollout begun");
                return c;
            }
            rollouts.flatMap(ro -> ro.reachEveryone(t.org(), t.templateRevision(), actor)).ifPresent(r -> log.atInfo()
                    .addKeyValue("rollout", r.getId()).addKeyValue("revision", t.templateRevision())
                    .log("templates without a rollout block: the rollout going is superseded"));
            int queued = 0;
            for (RepositoryInfo r : targets) {
                if (schedule(r.org(), r.name(), JobReason.TEMPLATE_CHANGE, t.templateRevision(), e.deliveryId(), 0)) {
                    queued++;
                }
            }
            line.addKeyValue("revision", t.templateRevision()).addKeyValue("targets", targets.size())
                    .addKeyValue("queued", queued).log("template change: regeneration scheduled");
        } else if (c instanceof Drift d) {
            int depth = d.afterOwnCommit().flatMap(ownCommits::find).map(r -> r.getDepth() + 1).orElse(0);
            schedule(d.org(), d.repo(), JobReason.DRIFT, "", e.deliveryId(), depth);
            line.addKeyValue("repo", d.org() + "/" + d.repo()).addKeyValue("paths", String.join(",", d.paths()))
                    .addKeyValue("depth", depth).log("drift: repair scheduled");
        } else if (c instanceof NewRepository n) {
            schedule(n.org(), n.repo(), JobReason.NEW_REPOSITORY, "", e.deliveryId(), 0);
            line.addKeyValue("repo", n.org() + "/" + n.repo()).log("new repository: regeneration scheduled");
        } else if (c instanceof Classification.Preview p) {
            String outcome = checkPreviews.schedule(p, e.deliveryId());
            line.addKeyValue("pull", p.number()).addKeyValue("head", p.headSha()).addKeyValue("outcome", outcome)
                    .log("pull request to the templates: preview");
        } else if (c instanceof TemplatePreview p) {
            if (previews.isEmpty()) {
                line.addKeyValue("branch", p.branch()).log("templates branch pushed: branch previews are the git backend's; on GitHub its pull request is previewed (orgctl / impact)");
            } else if (p.deleted()) {
                previews.get().forget(p.org(), p.branch());
                line.addKeyValue("branch", p.branch()).log("templates branch deleted: its preview removed");
            } else {
                previews.get().request(new PreviewTrigger.Request(p.org(), p.branch(), p.head()));
                line.addKeyValue("branch", p.branch()).addKeyValue("head", p.head()).log("template preview requested");
            }
        } else if (c instanceof CiReport ci) {
            var r = ci.result();
            if (r.orgctls()) {
                rollouts.ifPresent(ro -> ro.ci(ci.org(), ci.repo(), r));
            }
            // A workflow run that ended (cancelled included) holds no Terraform state lock any more.
            if (ci.runEnded().isPresent()) {
                line = line.addKeyValue("run_locks_released", runLocks.releaseHeldBy(ci.runEnded().get(), e.deliveryId()));
            }
            line.addKeyValue("repo", ci.org() + "/" + ci.repo()).addKeyValue("sha", r.sha())
                    .addKeyValue("check", r.merged() ? "merged" : r.key()).addKeyValue("conclusion", r.conclusion())
                    .log(rollouts.isEmpty() ? "CI result: no rollouts here; dropped"
                            : r.orgctls() ? "CI result recorded" : "CI result of a commit that is not orgctl's: not kept");
        } else if (c instanceof OwnCommit o) {
            metrics.snakeStopped("own_commit");
            line.addKeyValue("repo", o.org() + "/" + o.repo()).addKeyValue("layer", "own_commit")
                    .log("snake prevention: orgctl's own commit dropped");
        } else {
            log.atDebug().addKeyValue("delivery", e.deliveryId()).addKeyValue("event", e.event())
                    .addKeyValue("reason", ((Classification.Irrelevant) c).reason()).log("nothing to do");
        }
        return c;
    }

    private boolean schedule(String org, String repo, JobReason reason, String rev, String causation, int depth) {
        JobScheduler.Outcome o = scheduler.schedule(org, repo, reason, rev, causation, depth);
        metrics.scheduled(o.name().toLowerCase(java.util.Locale.ROOT));
        return o == JobScheduler.Outcome.QUEUED;
    }

    /**
     * The repositories a template change can affect: targets of the new templates and of the
     * previous ones (a repository that stops being a target must lose its files).
     */
    private List<RepositoryInfo> targets(TemplateChange t, TemplateSnapshot now) {
        TemplateLoader loader = new TemplateLoader(host);
        RepoRef templatesRepo = TemplateLoader.templatesRepo(t.org());
        List<RepositoryInfo> repos = host.listRepositories(t.org());
        Optional<TemplateSnapshot> before = Optional.empty();
        if (t.previousRevision().isPresent()) {
            try {
                before = Optional.of(loader.loadAt(templatesRepo, t.previousRevision().get()));
            } catch (RuntimeException e) {
                // The previous templates were broken or are gone: the new targets are all there is.
                log.atDebug().addKeyValue("revision", t.previousRevision().get()).log("previous templates unreadable");
            }
        }
        return before.map(b -> now.affected(b, repos)).orElseGet(() -> now.targets(repos));
    }
}
