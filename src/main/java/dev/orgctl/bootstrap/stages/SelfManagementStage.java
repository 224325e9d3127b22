package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapException;
import dev.orgctl.bootstrap.Stage;
import dev.orgctl.bootstrap.StageName;
import dev.orgctl.controller.JobScheduler;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.RegenConfig;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Stage 7: the org manages itself. The templates repository gets an {@code orgctl.yaml} when it has
 * none (committed through the repository host, describing the current setup), the org is recorded
 * as self-managing (key {@value #SELF_MANAGING_KEY} in ORGCTL_BOOTSTRAP), and one full reconcile
 * is scheduled the way the controller's reconciler does it; the stage waits until the running
 * controller has completed every target repository's workflow, and names the ones that failed.
 */
public final class SelfManagementStage implements Stage {
    public static final String SELF_MANAGING_KEY = "self-managing";
    private final Duration timeout;

    public SelfManagementStage(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public StageName name() {
        return StageName.SELF_MANAGEMENT;
    }

    @Override
    public String plan(BootstrapContext ctx) {
        String org = ctx.config().github().requireOrg();
        return "commit " + RegenConfig.FILE + " to " + org + "/" + TemplateSnapshot.TEMPLATES_REPO
                + " if missing, record the org as self-managing, run one full reconcile and wait (up to "
                + timeout.toSeconds() + "s) until every target repository's regen workflow completed";
    }

    @Override
    public void precondition(BootstrapContext ctx) {
        ctx.nats();
    }

    @Override
    public Outcome apply(BootstrapContext ctx) {
        String org = ctx.config().github().requireOrg();
        NatsRuntime nats = ctx.nats();
        Map<String, String> d = new LinkedHashMap<>();
        try (RepositoryHost host = Hosts.open(ctx.config(), Optional.of(nats))) {
            RepoRef templatesRepo = TemplateLoader.templatesRepo(org);
            RepositoryInfo info = host.repository(templatesRepo).orElseThrow(() -> new BootstrapException(
                    "the templates repository " + templatesRepo.fullName() + " does not exist on the " + host.kind()
                            + " host; create it and re-run 'orgctl bootstrap'"));
            boolean committed = ensureConfig(ctx, host, templatesRepo, info);
            d.put("orgctl_yaml", committed ? "committed" : "present");

            TemplateSnapshot templates;
            try {
                templates = new TemplateLoader(host).load(org);
            } catch (RuntimeException e) {
                throw new BootstrapException("the templates in " + templatesRepo.fullName() + " do not load: "
                        + e.getMessage() + "; fix them and re-run 'orgctl bootstrap'", e);
            }
            recordSelfManaging(nats, org, templates.revision(), ctx.by());
            List<RepositoryInfo> targets = templates.targets(host.listRepositories(org));
            d.put("templates_revision", templates.revision());
            d.put("targets", Integer.toString(targets.size()));

            String actor = "bootstrap@" + ProcessHandle.current().pid();
            Workflows workflows = Workflows.open(nats, actor);
            JobScheduler scheduler = new JobScheduler(workflows, nats.jetStream(), actor);
            Instant start = Instant.now();
            String causation = "bootstrap-" + start.toEpochMilli();
            Map<String, Long> scheduledAt = new LinkedHashMap<>();
            for (RepositoryInfo r : targets) {
                scheduler.schedule(org, r.name(), JobReason.RECONCILE, templates.revision(), causation, 0);
                scheduledAt.put(r.name(), workflows.get(JobScheduler.workflowId(org, r.name()))
                        .map(WorkflowSnapshot::revision).orElse(0L));
            }
            ctx.out().print("(reconcile of " + targets.size() + " repositories scheduled) ");
            ctx.out().flush();
            List<String> failed = waitForAll(ctx, workflows, org, scheduledAt);
            d.put("reconcile_seconds", Long.toString(Duration.between(start, Instant.now()).toSeconds()));
            if (!failed.isEmpty()) {
                throw new BootstrapException("the full reconcile failed for " + failed.size() + " of " + targets.size()
                        + " repositories: " + String.join("; ", failed) + " (see 'orgctl workflows get "
                        + "regen/" + org + "/<repo>'; fix and re-run 'orgctl bootstrap')");
            }
            String summary = (committed ? RegenConfig.FILE + " committed; " : "") + "self-managing; full reconcile "
                    + "of " + targets.size() + " repositories completed in " + d.get("reconcile_seconds") + "s";
            return Outcome.done(summary, d);
        }
    }

    /** Until every scheduled workflow ended (COMPLETED or FAILED after its trigger); returns the failed ones. */
    private List<String> waitForAll(BootstrapContext ctx, Workflows workflows, String org,
                                    Map<String, Long> scheduledAt) {
        Instant deadline = Instant.now().plus(timeout);
        Instant nextProgress = Instant.now().plusSeconds(5);
        while (true) {
            List<String> failed = new ArrayList<>();
            List<String> open = new ArrayList<>();
            for (Map.Entry<String, Long> e : scheduledAt.entrySet()) {
                Optional<WorkflowSnapshot> w = workflows.get(JobScheduler.workflowId(org, e.getKey()));
                WorkflowState s = w.map(WorkflowSnapshot::state).orElse(WorkflowState.IDLE);
                boolean afterTrigger = w.isPresent() && w.get().revision() >= e.getValue();
                if (s == WorkflowState.COMPLETED && afterTrigger) {
                    continue;
                }
                if (s == WorkflowState.FAILED && afterTrigger) {
                    String err = w.get().record().getLastError();
                    failed.add(e.getKey() + (err.isEmpty() ? "" : " (" + err + ")"));
                    continue;
                }
                open.add(e.getKey() + " " + s.name().toLowerCase(Locale.ROOT));
            }
            if (open.isEmpty()) {
                return failed;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new BootstrapException("the full reconcile did not finish within " + timeout.toSeconds() + "s: "
                        + open.size() + " of " + scheduledAt.size() + " still open (" + String.join(", ",
                        open.subList(0, Math.min(5, open.size()))) + (open.size() > 5 ? ", ..." : "") + ")"
                        + (failed.isEmpty() ? "" : "; failed: " + String.join("; ", failed))
                        + "; is the controller ('orgctl up') running? re-run 'orgctl bootstrap' to wait again");
            }
            if (Instant.now().isAfter(nextProgress)) {
                ctx.out().print("(" + (scheduledAt.size() - open.size()) + "/" + scheduledAt.size() + " done) ");
                ctx.out().flush();
                nextProgress = Instant.now().plusSeconds(5);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BootstrapException("interrupted while waiting for the reconcile", e);
            }
        }
    }

    private static boolean ensureConfig(BootstrapContext ctx, RepositoryHost host, RepoRef repo, RepositoryInfo info) {
        String branch = info.defaultBranch();
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<RepoSnapshot> snap = host.readBranch(repo, branch, FileSelection.paths(List.of(RegenConfig.FILE)));
            if (snap.isPresent() && snap.get().file(RegenConfig.FILE).isPresent()) {
                return false;
            }
            CommitResult r = host.commit(repo, new CommitRequest(branch, snap.map(RepoSnapshot::commitId),
                    "orgctl bootstrap: add " + RegenConfig.FILE + "\n\nThe org is managed by orgctl from here: change "
                            + "this repository to change every repository.\n",
                    List.of(new FileChange.Put(RegenConfig.FILE, RepoFile.of(initialConfig(ctx)))),
                    CommitIdentity.ORGCTL));
            if (r instanceof CommitResult.Committed) {
                return true;
            }
            if (r instanceof CommitResult.Rejected rej) {
                throw new BootstrapException("cannot commit " + RegenConfig.FILE + " to " + repo.fullName() + ": "
                        + rej.reason());
            }
            // MovedHead: someone pushed meanwhile; read again.
        }
        throw new BootstrapException("cannot commit " + RegenConfig.FILE + " to " + repo.fullName()
                + ": its branch keeps moving; re-run 'orgctl bootstrap'");
    }

    /** An orgctl.yaml describing the current setup; templates go under templates/<set>/. */
    static String initialConfig(BootstrapContext ctx) {
        return String.join("\n",
                "# Written by 'orgctl bootstrap' at " + Instant.now() + ". Reference: docs/templates.md",
                "# Backend: " + ctx.config().backend().name().toLowerCase(Locale.ROOT) + ", org: "
                        + ctx.config().github().requireOrg() + ", mode: " + ctx.mode().name().toLowerCase(Locale.ROOT) + ".",
                "# Put files under templates/<set>/ and declare the set below; every change here is rolled out.",
                "version: 1",
                "mode: direct",
                "");
    }

    private static void recordSelfManaging(NatsRuntime nats, String org, String revision, String by) {
        String value = "{\"org\":\"" + org + "\",\"since\":\"" + Instant.now() + "\",\"templates_revision\":\""
                + revision + "\",\"by\":\"" + by.replace("\"", "'") + "\"}";
        try {
            KeyValue kv = nats.keyValue(Topology.BOOTSTRAP_BUCKET);
            if (kv.get(SELF_MANAGING_KEY) == null) {
                kv.put(SELF_MANAGING_KEY, value.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | JetStreamApiException e) {
            throw new BootstrapException("cannot record the org as self-managing in " + Topology.BOOTSTRAP_BUCKET
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> verify(BootstrapContext ctx) {
        String org = ctx.config().github().requireOrg();
        NatsRuntime nats = ctx.nats();
        try {
            KeyValueEntry e = nats.keyValue(Topology.BOOTSTRAP_BUCKET).get(SELF_MANAGING_KEY);
            if (e == null || e.getValue() == null) {
                return Optional.of("the org is not recorded as self-managing; run 'orgctl bootstrap --from self-management'");
            }
        } catch (IOException | JetStreamApiException ex) {
            return Optional.of("cannot read " + Topology.BOOTSTRAP_BUCKET + ": " + ex.getMessage());
        }
        try (RepositoryHost host = Hosts.open(ctx.config(), Optional.of(nats))) {
            TemplateSnapshot templates = new TemplateLoader(host).load(org);
            Workflows workflows = Workflows.open(nats, "bootstrap-verify");
            List<String> bad = new ArrayList<>();
            for (RepositoryInfo r : templates.targets(host.listRepositories(org))) {
                Optional<WorkflowSnapshot> w = workflows.get(JobScheduler.workflowId(org, r.name()));
                if (w.isEmpty()) {
                    bad.add(r.name() + " never regenerated");
                } else if (w.get().state() == WorkflowState.FAILED) {
                    String err = w.get().record().getLastError();
                    bad.add(r.name() + " failed" + (err.isEmpty() ? "" : " (" + err + ")"));
                }
            }
            return bad.isEmpty() ? Optional.empty() : Optional.of("regeneration workflows not completed: "
                    + String.join("; ", bad) + "; run 'orgctl bootstrap --from self-management'");
        } catch (RuntimeException ex) {
            return Optional.of("cannot check the regeneration workflows: " + ex.getMessage());
        }
    }
}
