package dev.orgctl.cli;

import dev.orgctl.config.Backend;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.regen.FileAction;
import dev.orgctl.regen.FilePlan;
import dev.orgctl.regen.Headers;
import dev.orgctl.regen.RegenBatch;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RepoPlan;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.TemplateException;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "regen", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = {"Render the templates repository (<org>/.github) into the org's repositories, now,",
            "directly against the repository host (no NATS needed). See docs/templates.md."})
public final class RegenCommand implements Runnable {
    /** Exit code of {@code plan} when some repository would change. */
    public static final int EXIT_CHANGES = 2;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: plan or apply");
    }

    /** What both subcommands share: the host, the templates and the repositories to work on. */
    abstract static class Base implements Callable<Integer>, Main.NeedsConfig {
        @Spec
        CommandSpec spec;

        @Option(names = "--repo", paramLabel = "NAME",
                description = "only this repository (repeatable; default: every repository of the org)")
        List<String> only = new ArrayList<>();

        @Option(names = "--parallel", paramLabel = "N",
                description = "repositories worked on at once (default: ${DEFAULT-VALUE})", defaultValue = "4")
        int parallel;

        @Override
        public CommandSpec spec() {
            return spec;
        }

        record Run(RepositoryHost host, TemplateSnapshot templates, List<RepositoryInfo> repos,
                   List<String> missing) implements AutoCloseable {
            @Override
            public void close() {
                host.close();
            }
        }

        Run open() {
            OrgctlConfig config = ConfigOptions.resolve(spec);
            quietLibraryLogs();
            if (parallel < 1) {
                throw new CommandFailure("--parallel must be at least 1", Main.EXIT_CONFIG);
            }
            String org = config.github().requireOrg();
            if (config.backend() == Backend.GIT) {
                Path root = config.requireGitRoot();
                if (!Files.isDirectory(root.resolve(org))) {
                    throw new CommandFailure("no organization '" + org + "' under the git root " + root
                            + " (expected " + root.resolve(org) + "/<repo>.git)", Main.EXIT_CONFIG);
                }
            }
            // Without NATS: a one-off run keeps to this process's own share of GitHub's write budget.
            RepositoryHost host = Hosts.open(config, Optional.empty());
            try {
                TemplateSnapshot templates = new TemplateLoader(host).load(org);
                List<RepositoryInfo> repos = new ArrayList<>();
                List<String> missing = new ArrayList<>();
                if (only.isEmpty()) {
                    repos.addAll(host.listRepositories(org));
                } else {
                    for (String name : only) {
                        Optional<RepositoryInfo> r;
                        try {
                            r = host.repository(new RepoRef(org, name));
                        } catch (IllegalArgumentException e) {
                            r = Optional.empty();
                        }
                        if (r.isPresent()) {
                            repos.add(r.get());
                        } else {
                            missing.add(org + "/" + name);
                        }
                    }
                }
                return new Run(host, templates, repos, missing);
            } catch (TemplateException e) {
                host.close();
                throw new CommandFailure(e.getMessage(), 1);
            } catch (RuntimeException e) {
                host.close();
                throw e;
            }
        }

        static String templatesLine(TemplateSnapshot t) {
            return "templates " + t.templatesRepo().fullName() + "@" + Headers.shortRev(t.revision());
        }
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Show per repository what a regeneration would change: files created, updated,",
                "deleted, and drift reported. Writes nothing.",
                "Exit code: 0 nothing would change, 2 something would, 1 error."})
    public static final class Plan extends Base {
        @Option(names = "--diff", description = "also print the unified diff of every change")
        boolean diff;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (Run run = open()) {
                RegenPlanner planner = new RegenPlanner(run.host());
                ProgressLine progress = new ProgressLine(err, "planning", run.repos().size());
                List<RegenBatch.PlanOutcome> outcomes = RegenBatch.plan(planner, run.templates(), run.repos(),
                        parallel, (done, total, r) -> progress.update(done));
                progress.finish();
                int changing = 0;
                int same = 0;
                int skipped = 0;
                int failed = run.missing().size();
                for (String m : run.missing()) {
                    out.println(m + ": error: no such repository");
                }
                for (RegenBatch.PlanOutcome o : outcomes) {
                    if (o.failed()) {
                        failed++;
                        out.println(o.repo().fullName() + ": error: " + o.error());
                        continue;
                    }
                    RepoPlan p = o.plan();
                    out.println(o.repo().fullName() + ": " + p.summary());
                    if (p.skipped().isPresent()) {
                        skipped++;
                        continue;
                    }
                    if (p.hasChanges()) {
                        changing++;
                    } else {
                        same++;
                    }
                    printFiles(out, p);
                    p.warnings().forEach(w -> out.println("  warning: " + w));
                    if (diff) {
                        for (FilePlan f : p.allFiles()) {
                            if (f.action() != FileAction.UNCHANGED) {
                                out.print(f.unifiedDiff());
                            }
                        }
                    }
                }
                out.printf("%n%s: %d repositories, %d would change, %d unchanged, %d skipped, %d failed%n",
                        templatesLine(run.templates()), outcomes.size() + run.missing().size(), changing, same,
                        skipped, failed);
                out.flush();
                return failed > 0 ? 1 : changing > 0 ? EXIT_CHANGES : 0;
            }
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Regenerate now: one commit per repository that differs (or the orgctl/regenerate",
                "branch in pull-request mode), fenced on the head it planned from; re-planned when the",
                "head moves. Prints per repository: committed <sha>, no change, or what happened.",
                "Exit code: 0 done, 1 some repository failed."})
    public static final class Apply extends Base {
        @Option(names = "--author", paramLabel = "'NAME <EMAIL>'",
                defaultValue = "${env:ORGCTL_COMMIT_AUTHOR:-orgctl <orgctl@localhost>}",
                description = "author and committer of orgctl's commits (env ORGCTL_COMMIT_AUTHOR; default: "
                        + "${DEFAULT-VALUE})")
        String author;

        @Option(names = "--run-id", paramLabel = "ID", description = "the Orgctl-Run-Id trailer (default: random)")
        String runId;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            CommitIdentity identity;
            try {
                identity = CommitIdentity.parse(author);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure("--author: " + e.getMessage(), Main.EXIT_CONFIG);
            }
            RunContext ctx = runId == null ? RunContext.random() : RunContext.of(runId);
            long start = System.nanoTime();
            try (Run run = open()) {
                RegenExecutor executor = new RegenExecutor(run.host(), new RegenPlanner(run.host()), identity, 5,
                        ProposalRequest.DEFAULT_BRANCH);
                ProgressLine progress = new ProgressLine(err, "regenerating", run.repos().size());
                List<RegenResult> results = RegenBatch.regenerate(executor, run.templates(), run.repos(), ctx,
                        parallel, (done, total, r) -> progress.update(done));
                progress.finish();
                int[] counts = new int[4]; // committed, unchanged, skipped, failed
                counts[3] = run.missing().size();
                for (String m : run.missing()) {
                    out.println(m + ": failed: no such repository");
                }
                for (RegenResult r : results) {
                    out.println(r.repo().fullName() + ": " + describe(r, counts));
                    refused(r).forEach(f -> out.println("  refused        " + f.path() + "  (" + f.note() + ")"));
                }
                out.printf("%n%s, run %s: %d repositories, %d changed, %d unchanged, %d skipped, %d failed, in %.1f s%n",
                        templatesLine(run.templates()), ctx.runId(), results.size() + run.missing().size(), counts[0],
                        counts[1], counts[2], counts[3], (System.nanoTime() - start) / 1e9);
                out.flush();
                return counts[3] > 0 ? 1 : 0;
            }
        }

        /** The files a regeneration left alone because it could not write them safely. */
        private static List<FilePlan> refused(RegenResult r) {
            RepoPlan p = r instanceof RegenResult.Committed c ? c.plan() : r instanceof RegenResult.NoChange n ? n.plan()
                    : r instanceof RegenResult.Proposed pr ? pr.plan() : null;
            return p == null ? List.of() : p.refused();
        }

        private static String describe(RegenResult r, int[] counts) {
            String moved = r.replans() > 0 ? " after the head moved: re-planned " + r.replans() + "x" : "";
            if (r instanceof RegenResult.Committed c) {
                counts[0]++;
                return "committed " + Headers.shortRev(c.commitId()) + " (" + c.plan().summary() + ")" + moved;
            }
            if (r instanceof RegenResult.NoChange n) {
                counts[1]++;
                String drift = n.plan().drifted().isEmpty() && n.plan().refused().isEmpty() ? ""
                        : " (" + n.plan().summary() + ")";
                return "no change" + drift + moved;
            }
            if (r instanceof RegenResult.Proposed p) {
                counts[0]++;
                return (p.updated() ? "proposal updated on " : "proposal up to date on ") + p.branch() + " at "
                        + Headers.shortRev(p.commitId()) + " (" + p.plan().summary() + ")" + moved;
            }
            if (r instanceof RegenResult.ProposalClosed p) {
                counts[0]++;
                return "proposal " + p.branch() + " closed: nothing left to change" + moved;
            }
            if (r instanceof RegenResult.Skipped s) {
                counts[2]++;
                return "skipped: " + s.reason();
            }
            if (r instanceof RegenResult.HeadKeptMoving h) {
                counts[3]++;
                return "not done: the head kept moving (re-planned " + h.replans() + "x); run again";
            }
            RegenResult.Failed f = (RegenResult.Failed) r;
            counts[3]++;
            return "failed: " + f.message();
        }
    }

    /**
     * The command prints every outcome itself: the engine's per-repository info logs would repeat
     * them on stderr. ORGCTL_LOG_LEVEL brings them back.
     */
    static void quietLibraryLogs() {
        if (System.getenv("ORGCTL_LOG_LEVEL") == null
                && org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger("dev.orgctl.regen").setLevel(ch.qos.logback.classic.Level.WARN);
            ctx.getLogger("dev.orgctl.hosts").setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    static void printFiles(PrintWriter out, RepoPlan p) {
        for (FilePlan f : p.allFiles()) {
            if (f.action() == FileAction.UNCHANGED) {
                continue;
            }
            out.printf("  %-14s %s%s%n", f.action().label(), f.path(), f.note().isEmpty() ? "" : "  (" + f.note() + ")");
        }
    }
}
