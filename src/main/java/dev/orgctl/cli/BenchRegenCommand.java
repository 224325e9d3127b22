package dev.orgctl.cli;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.hosts.git.GitRepoSettings;
import dev.orgctl.regen.RegenBatch;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RepoPlan;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import dev.orgctl.regen.Verification;
import dev.orgctl.regen.VerifiedRepos;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "regen", mixinStandardHelpOptions = true,
        description = {"Regenerate N local bare repositories, beside clone-and-push on copies.",
            "Measures orgctl's plan, full regeneration and no-op reconcile, and the",
            "same work done the way file-sync Actions do it (git clone, copy, commit,",
            "push per repository), in one run. Reports wall time, repositories per",
            "second, peak heap and the load average. Memory targets:",
            "  ORGCTL_JAVA_OPTS=-Xmx512m ./orgctl bench regen --repos 1000",
            "  ORGCTL_JAVA_OPTS=-Xmx256m ./orgctl bench regen --repos 300 \\",
            "      --template-files 500   (the many-files case)"})
public final class BenchRegenCommand implements Callable<Integer> {
    private static final String ORG = "bench";
    private static final String SYNC_ORG = "sync";

    @Spec
    CommandSpec spec;

    @Option(names = "--repos", paramLabel = "N", defaultValue = "100",
            description = "repositories in each set (default: ${DEFAULT-VALUE})")
    int repos;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2",
            description = "repositories worked on at once, by orgctl and by the baseline alike (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--baseline-repos", paramLabel = "M",
            description = "run the clone-and-push baseline on the first M repositories only and compare rates "
                    + "(default: all N)")
    Integer baselineRepos;

    @Option(names = "--template-files", paramLabel = "F", defaultValue = "0",
            description = "extra template files every repository gets, for the many-files case (default: "
                    + "${DEFAULT-VALUE}: the sample templates only)")
    int templateFiles;

    @Option(names = "--dir", paramLabel = "DIR", description = "work directory (default: a temporary one)")
    Path dir;

    @Option(names = "--keep", description = "keep the repositories afterwards")
    boolean keep;

    record Phase(String name, int repos, double seconds, long peakHeap) {
        double rate() {
            return repos / Math.max(seconds, 1e-9);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (repos < 1 || parallel < 1 || templateFiles < 0) {
            throw new CommandFailure("--repos and --parallel must be at least 1, --template-files at least 0",
                    Main.EXIT_CONFIG);
        }
        int baselineN = baselineRepos == null ? repos : Math.max(1, Math.min(baselineRepos, repos));
        RegenCommand.quietLibraryLogs();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("orgctl-bench-");
        Path root = work.resolve("root");
        Map<String, String> templateRepoFiles = templateRepoFiles();
        out.printf("orgctl bench regen: %d repositories, %d template files, parallel %d, max heap %d MiB%n", repos,
                templateRepoFiles.size() - 1, parallel, Runtime.getRuntime().maxMemory() >> 20);
        out.flush();
        List<Phase> phases = new ArrayList<>();
        try (GitHost host = new GitHost(root)) {
            long t0 = System.nanoTime();
            setUp(host, templateRepoFiles, baselineN, err);
            out.printf("setup: %d bare repositories in %.1f s (%s)%n", repos + baselineN + 1,
                    (System.nanoTime() - t0) / 1e9, root);
            out.flush();

            TemplateLoader loader = new TemplateLoader(host);
            RegenPlanner planner = new RegenPlanner(host);
            RegenExecutor executor = new RegenExecutor(host, planner, CommitIdentity.ORGCTL, 5,
                    ProposalRequest.DEFAULT_BRANCH);

            // Each phase streams: a repository's plan or result is checked and dropped, so the heap holds
            // what is in flight, not the organization.
            phases.add(measure("orgctl plan", repos, () -> {
                TemplateSnapshot t = loader.load(ORG);
                List<RepositoryInfo> targets = t.targets(host.listRepositories(ORG));
                Expect<RegenBatch.PlanOutcome> ok = new Expect<>("plan", err, targets.size(),
                        o -> !o.failed() && o.plan().hasChanges() && !o.plan().failed());
                RegenBatch.plan(planner, t, targets, parallel, ok);
                ok.check(o -> o.repo().fullName() + " planned as " + (o.failed() ? o.error() : o.plan().summary()));
            }));
            // As the controller does: each repository's verified head is recorded (here in memory, in
            // ORGCTL_VERIFIED there), so that the last phase skips what did not move without reading it.
            Verification verification = new Verification(host, VerifiedRepos.inMemory());
            phases.add(measure("orgctl full regeneration", repos, () -> regenerate(loader, host, executor,
                    verification, "bench-full", RegenResult.Committed.class, "full regeneration", err)));
            phases.add(measure("orgctl no-op reconcile", repos, () -> regenerate(loader, host, executor,
                    null, "bench-noop", RegenResult.NoChange.class, "no-op reconcile", err)));
            phases.add(measure("orgctl no-op, verified heads", repos, () -> regenerate(loader, host, executor,
                    verification, "bench-verified", RegenResult.Unchanged.class, "no-op, verified heads", err)));

            Path clones = Files.createDirectories(work.resolve("clones"));
            Path payloads = Files.createDirectories(work.resolve("payloads"));
            stagePayloads(host, loader.load(ORG), planner, baselineN, payloads);
            phases.add(measure("clone-and-push full", baselineN, () ->
                    baseline(host, clones, payloads, baselineN, true, err)));
            phases.add(measure("clone-and-push no-op", baselineN, () ->
                    baseline(host, clones, payloads, baselineN, false, err)));
        } finally {
            if (!keep && dir == null) {
                TempDirs.deleteTree(work);
            }
        }
        report(out, phases);
        return 0;
    }

    /** The sample templates, and under {@code --template-files} a set of that many more. */
    private Map<String, String> templateRepoFiles() {
        Map<String, String> files = new LinkedHashMap<>(SampleTemplates.files());
        for (int i = 0; i < templateFiles; i++) {
            files.put(String.format("templates/many/.github/workflows/dir-%02d/workflow-%04d.yml", i % 20, i),
                    manyFile(i));
        }
        return files;
    }

    /** About 1 KiB, like the starter workflows organizations distribute. */
    private static String manyFile(int i) {
        StringBuilder sb = new StringBuilder();
        sb.append("name: workflow ").append(i).append(" of <%= repo.name %>\n");
        sb.append("on:\n  push:\n    branches: [<%= repo.default_branch %>]\n  pull_request:\n");
        sb.append("jobs:\n  job-").append(i).append(":\n    runs-on: ${{ matrix.os }}\n    steps:\n");
        for (int s = 0; s < 12; s++) {
            sb.append("      - name: step ").append(s).append("\n        run: echo \"${{ github.sha }} ")
                    .append(i).append('.').append(s).append(" <%= repo.full_name %>\"\n");
        }
        return sb.toString();
    }

    /** One pass over the org; with {@code verification}, repositories as last verified are skipped. */
    private void regenerate(TemplateLoader loader, GitHost host, RegenExecutor executor, Verification verification,
                            String runId, Class<? extends RegenResult> expected, String phase, PrintWriter err) {
        TemplateSnapshot t = loader.load(ORG);
        List<RepositoryInfo> targets = t.targets(host.listRepositories(ORG));
        Expect<RegenResult> ok = new Expect<>(phase, err, targets.size(), expected::isInstance);
        RunContext ctx = RunContext.of(runId);
        if (verification == null) {
            RegenBatch.regenerate(executor, t, targets, ctx, parallel, ok);
        } else {
            RegenBatch.forEach(targets, parallel, r -> verification.regenerate(executor, t, r, ctx), ok);
        }
        ok.check(r -> r.repo().fullName() + " ended as " + r);
    }

    /** Counts results as they stream by and keeps the first that is not what the phase expects. */
    private static final class Expect<T> implements RegenBatch.Sink<T> {
        private final String phase;
        private final ProgressLine progress;
        private final java.util.function.Predicate<T> good;
        private int done;
        private T firstBad;

        Expect(String phase, PrintWriter err, int total, java.util.function.Predicate<T> good) {
            this.phase = phase;
            this.progress = new ProgressLine(err, phase, total);
            this.good = good;
        }

        @Override
        public void accept(RepositoryInfo repo, T result) {
            progress.update(++done);
            if (firstBad == null && !good.test(result)) {
                firstBad = result;
            }
        }

        void check(java.util.function.Function<T, String> describe) {
            progress.finish();
            if (firstBad != null) {
                throw new CommandFailure(phase + ": " + describe.apply(firstBad), 1);
            }
        }
    }

    /**
     * The files a sync Action would copy, written to disk before it is timed: what orgctl renders
     * for each of the baseline's repositories (its rendering costs the baseline nothing).
     */
    private static void stagePayloads(GitHost host, TemplateSnapshot t, RegenPlanner planner, int baselineN,
                                      Path payloads) throws IOException {
        for (int i = 0; i < baselineN; i++) {
            RepoPlan plan = planner.plan(t, host.repository(new RepoRef(SYNC_ORG, name(i))).orElseThrow());
            Path dir = payloads.resolve(name(i));
            for (FileChange c : plan.changes()) {
                if (c instanceof FileChange.Put p) {
                    Path f = dir.resolve(p.path());
                    Files.createDirectories(f.getParent());
                    Files.write(f, p.file().content());
                }
            }
        }
    }

    private void setUp(GitHost host, Map<String, String> templateRepoFiles, int baselineN, PrintWriter err) {
        RepoRef templates = new RepoRef(ORG, ".github");
        host.createRepository(templates, GitRepoSettings.defaults());
        List<FileChange> t = new ArrayList<>();
        templateRepoFiles.forEach((p, c) -> t.add(new FileChange.Put(p, RepoFile.of(c))));
        commit(host, templates, t);
        ProgressLine progress = new ProgressLine(err, "setup", repos + baselineN);
        int done = 0;
        for (int i = 0; i < repos; i++) {
            createTarget(host, new RepoRef(ORG, name(i)), i);
            progress.update(++done);
        }
        for (int i = 0; i < baselineN; i++) {
            createTarget(host, new RepoRef(SYNC_ORG, name(i)), i);
            progress.update(++done);
        }
        progress.finish();
    }

    private static String name(int i) {
        return String.format("repo-%05d", i);
    }

    private static void createTarget(GitHost host, RepoRef ref, int i) {
        GitRepoSettings s = GitRepoSettings.defaults();
        if (i % 3 == 0) {
            s = s.withTopics("java", "service").withLanguage("Java");
        }
        host.createRepository(ref, s);
        commit(host, ref, List.of(
                new FileChange.Put("README.md", RepoFile.of("# " + ref.name() + "\n\nWhat this service does.\n")),
                new FileChange.Put("src/main.txt", RepoFile.of("code " + i + "\n"))));
    }

    private static void commit(GitHost host, RepoRef ref, List<FileChange> changes) {
        CommitResult r = host.commit(ref, new CommitRequest("main", Optional.empty(), "initial commit", changes,
                new CommitIdentity("Bench Person", "person@bench.example")));
        if (!(r instanceof CommitResult.Committed)) {
            throw new CommandFailure("setup failed for " + ref + ": " + r, 1);
        }
    }

    /** The file-sync Action's way, per repository: clone, copy the files, commit and push if anything changed. */
    private void baseline(GitHost host, Path clones, Path payloads, int n, boolean expectChange, PrintWriter err) {
        List<RepositoryInfo> infos = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            infos.add(host.repository(new RepoRef(SYNC_ORG, name(i))).orElseThrow());
        }
        List<Boolean> pushed = RegenBatch.run(infos, parallel, info -> {
            Path clone = clones.resolve(info.name() + (expectChange ? "-full" : "-noop"));
            try {
                git(clones, "clone", "--quiet", host.gitDir(info.ref()).toUri().toString(), clone.toString());
                copyTree(payloads.resolve(info.name()), clone);
                git(clone, "add", "-A");
                boolean changed = !git(clone, "status", "--porcelain").isBlank();
                if (changed) {
                    git(clone, "commit", "--quiet", "-m", "chore: sync files from templates");
                    git(clone, "push", "--quiet", "origin", "HEAD:main");
                }
                TempDirs.deleteTree(clone);
                return changed;
            } catch (IOException e) {
                throw new CommandFailure("baseline failed on " + info.fullName() + ": " + e.getMessage(), 1);
            }
        }, progress(err, expectChange ? "clone-and-push full" : "clone-and-push no-op"));
        long changed = pushed.stream().filter(b -> b).count();
        if (changed != (expectChange ? n : 0)) {
            throw new CommandFailure("baseline pushed " + changed + " of " + n
                    + " repositories; expected " + (expectChange ? "all" : "none"), 1);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                Files.createDirectories(target.getParent());
                Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static String git(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.name=Sync Action", "-c",
                "user.email=sync@bench.example", "-c", "init.defaultBranch=main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("git " + args[0] + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (p.exitValue() != 0) {
            throw new IOException("git " + String.join(" ", args) + ": " + output.strip());
        }
        return output;
    }

    private static <T> RegenBatch.Progress<T> progress(PrintWriter err, String label) {
        ProgressLine[] line = new ProgressLine[1];
        return (done, total, r) -> {
            synchronized (line) {
                if (line[0] == null) {
                    line[0] = new ProgressLine(err, label, total);
                }
            }
            line[0].update(done);
        };
    }

    /** Beside every figure: on a loaded machine the process-spawning baseline slows far more than orgctl. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
        } catch (IOException | RuntimeException e) {
            return "unknown (" + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() + " over 1 min)";
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    private static Phase measure(String name, int n, Work work) throws Exception {
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long start = System.nanoTime();
        work.run();
        double secs = (System.nanoTime() - start) / 1e9;
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        return new Phase(name, n, secs, peak);
    }

    private void report(PrintWriter out, List<Phase> phases) {
        out.println();
        out.printf("%-30s %6s %10s %10s %12s%n", "phase", "repos", "wall (s)", "repos/s", "peak heap");
        for (Phase p : phases) {
            boolean ours = p.name().startsWith("orgctl");
            out.printf("%-30s %6d %10.2f %10.1f %12s%n", p.name(), p.repos(), p.seconds(), p.rate(),
                    ours ? (p.peakHeap() >> 20) + " MiB" : "(git CLI)");
        }
        double fullX = phases.get(1).rate() / phases.get(4).rate();
        double noopReadX = phases.get(2).rate() / phases.get(5).rate();
        double noopX = phases.get(3).rate() / phases.get(5).rate();
        long heap = phases.stream().filter(p -> p.name().startsWith("orgctl")).mapToLong(Phase::peakHeap).max()
                .orElse(0) >> 20;
        out.println();
        out.printf("full regeneration: %.1fx the clone-and-push rate (target >= 5x: %s)%n", fullX,
                fullX >= 5 ? "met" : "MISSED");
        out.printf("no-op reconcile:   %.1fx the clone-and-push rate, verified heads skipped unread "
                + "(target >= 20x: %s); %.1fx reading every repository%n", noopX, noopX >= 20 ? "met" : "MISSED",
                noopReadX);
        out.printf("load average:      %s%n", loadAverage());
        long target = templateFiles > 0 ? 256 : 512;
        out.printf("peak heap:         %d MiB of %d MiB max (target < %d MiB%s: %s)%n", heap,
                Runtime.getRuntime().maxMemory() >> 20, target, templateFiles > 0
                        ? " for the many-files case, e.g. 300 repositories x 500 files" : " for 1,000 repositories",
                heap < target ? "met" : "MISSED");
        out.flush();
    }
}
