package dev.orgctl.cli;

import dev.orgctl.config.Backend;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.regen.CommitMode;
import dev.orgctl.regen.ConfigTypos;
import dev.orgctl.regen.FileAction;
import dev.orgctl.regen.FilePlan;
import dev.orgctl.regen.Headers;
import dev.orgctl.regen.ProposalTexts;
import dev.orgctl.regen.RegenBatch;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RepoPlan;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.TemplateError;
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
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "regen", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = {"Render the templates into the org's repositories now, without NATS.",
            "Renders the templates repository (<org>/.github) directly against the",
            "repository host. See docs/templates.md."})
public final class RegenCommand implements Runnable {
    /** Exit code of {@code plan} when some repository would change. */
    public static final int EXIT_CHANGES = 2;
    /** Distinct diff text held for grouping; past it a new diff is printed on the spot, ungrouped. */
    static final long DIFF_BUDGET = 16L << 20;
    /** Distinct error text held for grouping. */
    static final long ERROR_BUDGET = 1L << 20;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: plan, apply or preview");
    }

    /** What both subcommands share: the host, the templates and the repositories to work on. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Option(names = "--repo", paramLabel = "NAME",
                description = "only this repository (repeatable; default: every repository of the org)")
        List<String> only = new ArrayList<>();

        @Option(names = "--parallel", paramLabel = "N",
                description = "repositories worked on at once (default: ${DEFAULT-VALUE})", defaultValue = "4")
        int parallel;

        @Option(names = "--files", description = "also list every file that changes, under its repository")
        boolean files;

        record Run(RepositoryHost host, TemplateSnapshot templates, List<RepositoryInfo> repos,
                   List<String> missing, List<TemplateError> unknownRepos, CommitIdentity author)
                implements AutoCloseable {
            @Override
            public void close() {
                host.close();
            }
        }

        /** The validated configuration, with the organization's existence checked on the git backend. */
        OrgctlConfig config() {
            OrgctlConfig config = settings.resolve();
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
            return config;
        }

        Run open() {
            OrgctlConfig config = config();
            String org = config.github().requireOrg();
            // Without NATS: a one-off run keeps to this process's own share of GitHub's write budget.
            RepositoryHost host = Hosts.open(config, Optional.empty());
            try {
                TemplateSnapshot templates = new TemplateLoader(host).load(org);
                List<RepositoryInfo> all = host.listRepositories(org);
                List<RepositoryInfo> repos = new ArrayList<>();
                List<String> missing = new ArrayList<>();
                if (only.isEmpty()) {
                    repos.addAll(all);
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
                return new Run(host, templates, repos, missing, ConfigTypos.unknown(templates, all), config.commitAuthor());
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

        /** {@code repos.<name>} entries naming no repository: said before anything else. */
        static void printUnknownRepos(PrintWriter out, Run run) {
            for (TemplateError e : run.unknownRepos()) {
                out.println("warning: " + e.message());
            }
        }

        /**
         * Under {@code --files}: the repository's changed files and its errors. Always: the files
         * orgctl refused to write (rare, and a person must act) and the warnings.
         */
        void printDetails(PrintWriter out, RepoPlan p) {
            if (files) {
                printFiles(out, p);
                p.errors().forEach(e -> out.println("  error          " + e.message()));
            } else {
                p.refused().forEach(f -> out.println("  refused        " + f.path() + "  (" + f.note() + ")"));
            }
            p.warnings().forEach(w -> out.println("  warning: " + w));
        }
    }

    /** Counts over a run, for the closing line and the exit code. */
    static final class Tally {
        int total;
        int changing;
        int same;
        int skipped;
        int failed;
        final SameInMany errors = new SameInMany(ERROR_BUDGET);

        /** Records a repository's template errors; true when it had any. */
        boolean errors(PrintWriter out, RepositoryInfo repo, List<TemplateError> list) {
            for (TemplateError e : list) {
                if (!errors.add(e.message(), repo.name())) {
                    out.println("  error: " + e.message());
                }
            }
            return !list.isEmpty();
        }

        /** The template errors, each once, with the repositories it stopped. */
        void printErrors(PrintWriter out) {
            if (errors.isEmpty()) {
                return;
            }
            out.println();
            out.println("errors (a template set that fails is left out where it fails; the other sets still apply):");
            errors.groups().forEach((message, names) -> {
                out.println("  " + message);
                out.println("    in " + SameInMany.where(names));
            });
        }

        String repositories() {
            return Plural.of(total, "repository", "repositories");
        }
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Show what a regeneration would change in each repository; writes nothing.",
                "One line per repository with counts (create, update, delete,",
                "drift-reported, errors, files kept); the files under --files; under",
                "--diff each distinct diff once, with the repositories it applies to.",
                "Results stream as repositories are planned.",
                "With --ref: the impact preview of the templates at a branch, tag or",
                "commit of the templates repository, over the whole organization: counts",
                "per set, problems with file and line, each distinct diff once; with",
                "--base, only what changes between the two revisions' outputs.",
                "Exit code: 0 nothing would change, 2 something would, 1 error.",
                "With --ref: 0 the templates render everywhere, 1 a template would not",
                "render or orgctl.yaml is invalid (a merge gate requires 0)."})
    public static final class Plan extends Base {
        @Option(names = "--diff", description = "also print the unified diffs, each distinct one once")
        boolean diff;

        @Option(names = "--ref", paramLabel = "REF",
                description = "plan against the templates at this branch, tag or commit instead of the default branch")
        String ref;

        @Option(names = "--base", paramLabel = "REF",
                description = "with --ref: show only what changes between the templates at REF and at --ref")
        String base;

        @Override
        public Integer call() {
            if (ref != null || base != null) {
                return new RegenImpact(this).run(ref, Optional.ofNullable(base));
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (Run run = open()) {
                printUnknownRepos(out, run);
                RegenPlanner planner = new RegenPlanner(run.host());
                ProgressLine progress = new ProgressLine(err, "planning", run.repos().size());
                Tally tally = new Tally();
                SameInMany diffs = new SameInMany(DIFF_BUDGET);
                tally.total = run.repos().size() + run.missing().size();
                tally.failed = run.missing().size();
                for (String m : run.missing()) {
                    out.println(m + ": error: no such repository");
                }
                int[] done = {0};
                ProposalTexts proposals = new ProposalTexts(run.templates(), ProposalRequest.DEFAULT_BRANCH);
                RegenBatch.plan(planner, run.templates(), run.repos(), parallel, (repo, o) -> {
                    progress.update(++done[0]);
                    print(out, o, tally, diffs, proposals);
                    out.flush();
                });
                progress.finish();
                tally.printErrors(out);
                if (diff) {
                    diffs.printDiffs(out);
                }
                out.printf("%n%s: %s, %d would change, %d unchanged, %d skipped, %d failed%n",
                        templatesLine(run.templates()), tally.repositories(), tally.changing, tally.same,
                        tally.skipped, tally.failed);
                out.flush();
                return tally.failed > 0 ? 1 : tally.changing > 0 ? EXIT_CHANGES : 0;
            }
        }

        private void print(PrintWriter out, RegenBatch.PlanOutcome o, Tally tally, SameInMany diffs,
                           ProposalTexts proposals) {
            if (o.failed()) {
                tally.failed++;
                out.println(o.repo().fullName() + ": error: " + o.error());
                return;
            }
            RepoPlan p = o.plan();
            out.println(o.repo().fullName() + ": " + p.summary(true));
            if (p.skipped().isPresent()) {
                tally.skipped++;
                return;
            }
            if (tally.errors(out, o.repo(), p.errors())) {
                tally.failed++;
            } else if (p.hasChanges()) {
                tally.changing++;
            } else {
                tally.same++;
            }
            if (p.mode() == CommitMode.PULL_REQUEST && p.hasChanges()) {
                try {
                    out.println("  " + proposals.planLine(o.repo()));
                } catch (TemplateException e) {
                    tally.failed++;
                    out.println("  error          " + e.getMessage());
                }
            }
            printDetails(out, p);
            if (diff) {
                // The ownership manifest's diff is orgctl's bookkeeping (hashes that differ per repository): --files lists it.
                for (FilePlan f : p.files()) {
                    if (f.action() != FileAction.UNCHANGED) {
                        String text = f.unifiedDiff();
                        if (!diffs.add(text, o.repo().name())) {
                            out.println("change in " + SameInMany.where(List.of(o.repo().name())));
                            out.print(text);
                        }
                    }
                }
            }
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Regenerate now: one fenced commit per repository that differs.",
                "In pull-request mode the commit goes to the orgctl/regenerate branch",
                "(or the one orgctl.yaml's pull_request.branch names).",
                "A head that moves meanwhile is planned again. Prints per repository,",
                "as each is done: committed <sha>, no change, or what happened; a",
                "template set that fails is left out where it fails.",
                "Exit code: 0 done, 1 some repository failed or had template errors."})
    public static final class Apply extends Base {
        @Option(names = "--run-id", paramLabel = "ID", description = "the Orgctl-Run-Id trailer (default: random)")
        String runId;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RunContext ctx = runId == null ? RunContext.random() : RunContext.of(runId);
            long start = System.nanoTime();
            try (Run run = open()) {
                printUnknownRepos(out, run);
                RegenExecutor executor = new RegenExecutor(run.host(), new RegenPlanner(run.host()), run.author(), 5,
                        ProposalRequest.DEFAULT_BRANCH);
                ProgressLine progress = new ProgressLine(err, "regenerating", run.repos().size());
                Tally tally = new Tally();
                tally.total = run.repos().size() + run.missing().size();
                tally.failed = run.missing().size();
                for (String m : run.missing()) {
                    out.println(m + ": failed: no such repository");
                }
                int[] done = {0};
                RegenBatch.regenerate(executor, run.templates(), run.repos(), ctx, parallel, (repo, r) -> {
                    progress.update(++done[0]);
                    out.println(r.repo().fullName() + ": " + describe(r, tally));
                    tally.errors(out, r.repo(), r.templateErrors());
                    r.appliedPlan().ifPresent(p -> printDetails(out, p));
                    out.flush();
                });
                progress.finish();
                tally.printErrors(out);
                out.printf("%n%s, run %s: %s, %d changed, %d unchanged, %d skipped, %d failed, in %.1f s%n",
                        templatesLine(run.templates()), ctx.runId(), tally.repositories(), tally.changing, tally.same,
                        tally.skipped, tally.failed, (System.nanoTime() - start) / 1e9);
                out.flush();
                return tally.failed > 0 ? 1 : 0;
            }
        }

        private static String describe(RegenResult r, Tally tally) {
            String moved = r.replans() > 0 ? " after the head moved: re-planned " + r.replans() + "x" : "";
            String what = outcome(r, moved);
            if (r instanceof RegenResult.Skipped) {
                tally.skipped++;
            } else if (r instanceof RegenResult.Failed || r instanceof RegenResult.HeadKeptMoving
                    || !r.templateErrors().isEmpty()) {
                tally.failed++;
            } else if (r instanceof RegenResult.NoChange || r instanceof RegenResult.Unchanged) {
                tally.same++;
            } else {
                tally.changing++;
            }
            return what;
        }

        private static String outcome(RegenResult r, String moved) {
            if (r instanceof RegenResult.Committed c) {
                return "committed " + Headers.shortRev(c.commitId()) + " (" + c.plan().summary() + ")" + moved;
            }
            if (r instanceof RegenResult.NoChange n) {
                boolean say = !n.plan().drifted().isEmpty() || !n.plan().refused().isEmpty() || n.plan().failed();
                return "no change" + (say ? " (" + n.plan().summary() + ")" : "") + moved;
            }
            if (r instanceof RegenResult.Proposed p) {
                return (p.updated() ? "proposal updated on " : "proposal up to date on ") + p.branch() + " at "
                        + Headers.shortRev(p.commitId()) + p.pull().map(pr -> ", pull request #" + pr.number()).orElse("")
                        + " (" + p.plan().summary() + ")" + moved
                        + p.notes().stream().map(n -> "; note: " + n).collect(Collectors.joining());
            }
            if (r instanceof RegenResult.ProposalClosed p) {
                return "proposal " + p.branch() + " closed: nothing left to change" + moved;
            }
            if (r instanceof RegenResult.Skipped s) {
                return "skipped: " + s.reason();
            }
            if (r instanceof RegenResult.Unchanged u) {
                return "no change (unchanged since verified at " + Headers.shortRev(u.head()) + ")";
            }
            if (r instanceof RegenResult.HeadKeptMoving h) {
                return "not done: the head kept moving (re-planned " + h.replans() + "x); run again";
            }
            return "failed: " + ((RegenResult.Failed) r).message();
        }
    }

    /**
     * The command prints every outcome itself (errors included): the engine's per-repository logs
     * would repeat them on stderr. ORGCTL_LOG_LEVEL brings them back.
     */
    static void quietLibraryLogs() {
        if (System.getenv("ORGCTL_LOG_LEVEL") == null
                && org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger("dev.orgctl.regen").setLevel(ch.qos.logback.classic.Level.ERROR);
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
