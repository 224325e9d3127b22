package dev.orgctl.demo;

import dev.orgctl.controller.ControllerMetrics;
import dev.orgctl.controller.PreviewStore;
import dev.orgctl.controller.rollout.Rollouts;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.hosts.git.GitRepoSettings;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.Provenance;
import dev.orgctl.regen.SampleTemplates;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * {@code orgctl demo}: a local org of bare repositories, the whole pipeline running (embedded
 * NATS, gateway, controller, ref watcher), and the story acted out by people pushing with git:
 * a template change reaches every repository; orgctl's own commits cause nothing; a hand edit of a
 * generated file is repaired; a burst of template pushes is coalesced; a proposed template change is
 * previewed before it is merged ({@link PreviewStep}); a template change that breaks a canary's CI
 * pauses its rollout after the first wave, and the fix reaches every repository ({@link RolloutStep}). Each step checks what it
 * claims, so the demo is also a smoke test: it fails with the reason when a claim does not hold.
 */
public final class Demo {
    static final String CI = ".github/workflows/ci.yml";
    static final String CI_TEMPLATE = "templates/github/.github/workflows/ci.yml";
    static final String CODEOWNERS = ".github/CODEOWNERS";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);

    private final GitHost host;
    private final String org;
    private final List<String> repos;
    private final Workflows workflows;
    private final ControllerMetrics metrics;
    private final Person alice;
    private final PrintWriter out;
    private final List<String> proved = new ArrayList<>();
    private final PreviewStore previews;
    private final Rollouts rollouts;

    /** @param rollouts the org's rollouts (ORGCTL_ROLLOUTS), which the rollout step watches */
    public Demo(GitHost host, String org, List<String> repos, Workflows workflows, ControllerMetrics metrics,
                PreviewStore previews, Rollouts rollouts, Path workspace, PrintWriter out) {
        this.rollouts = rollouts;
        this.host = host;
        this.org = org;
        this.repos = List.copyOf(repos);
        this.workflows = workflows;
        this.metrics = metrics;
        this.previews = previews;
        this.alice = new Person("Alice Example", "alice@example.com", workspace);
        this.out = out;
    }

    /** Creates the templates repository (sample templates) and the target repositories. */
    public static List<String> createOrg(GitHost host, String org, int count) {
        RepoRef templates = new RepoRef(org, ".github");
        host.createRepository(templates, GitRepoSettings.defaults());
        List<FileChange> files = new ArrayList<>();
        SampleTemplates.files().forEach((p, text) -> files.add(new FileChange.Put(p, RepoFile.of(text))));
        commit(host, templates, files, "Templates for every repository of the org");
        String[][] kinds = {{"java"}, {"go"}, {"python"}, {"java", "library"}, {"docs"}};
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String name = String.format("service-%02d", i);
            String[] topics = kinds[(i - 1) % kinds.length];
            host.createRepository(new RepoRef(org, name), GitRepoSettings.defaults().withTopics(topics));
            commit(host, new RepoRef(org, name), List.of(new FileChange.Put("README.md",
                    RepoFile.of("# " + name + "\n\nThe " + topics[0] + " service of " + org + ".\n"))), "Initial commit");
            names.add(name);
        }
        return names;
    }

    private static void commit(GitHost host, RepoRef repo, List<FileChange> files, String message) {
        CommitResult r = host.commit(repo, new CommitRequest("main", Optional.empty(), message, files,
                new CommitIdentity("Alice Example", "alice@example.com")));
        if (!(r instanceof CommitResult.Committed)) {
            throw new DemoFailure("cannot create " + repo + ": " + r);
        }
    }

    /** Acts out the story; returns what it proved. */
    public List<String> run() {
        step1TemplateChange();
        step2NoSnake();
        step3Drift();
        step4Burst();
        step5Preview();
        step6Rollout();
        return proved;
    }

    private void step1TemplateChange() {
        header(1, "A person changes a template: every repository is regenerated");
        Map<String, String> before = heads();
        String rev = alice.edit(gitDir(".github"), CI_TEMPLATE,
                t -> t + "# Rolled out by the platform team.\n", "CI: note who rolls this out");
        out.println("  " + alice.name() + " pushed " + shortId(rev) + " to " + org + "/.github");
        awaitRollout(rev, before);
        String ci = readFile(repos.get(0), CI);
        if (!ci.contains("${{")) {
            throw new DemoFailure("the rendered workflow lost its GitHub Actions expressions");
        }
        say("${{ }} expressions passed through untouched");
        proved.add("a template change reached all " + repos.size() + " repositories, exactly one commit each");
    }

    private void step2NoSnake() {
        header(2, "orgctl's own commits cause nothing (snake prevention)");
        Map<String, String> before = heads();
        quiesce();
        double own = metrics.count("orgctl_controller_snake_stopped", "layer", "own_commit");
        int extra = 0;
        for (String r : repos) {
            extra += commitsSince(r, before.get(r)).total();
        }
        if (extra != 0) {
            throw new DemoFailure(extra + " follow-up commits after orgctl's own commits: a loop");
        }
        out.printf("  %d pushes of orgctl's own commits were recognised and dropped; follow-up commits: 0%n", (long) own);
        proved.add("orgctl's own " + (long) own + " pushes were dropped: no follow-up commit (layer 1)");
    }

    private void step3Drift() {
        header(3, "A person edits a generated file: the drift is repaired");
        String repo = repos.get(0);
        String expected = readFile(repo, CODEOWNERS);
        Instant t0 = Instant.now();
        String edit = alice.edit(gitDir(repo), CODEOWNERS, t -> t + "* @alice\n", "Make me the owner of everything");
        out.println("  " + alice.name() + " pushed " + shortId(edit) + " to " + org + "/" + repo + ": " + CODEOWNERS);
        waitFor(CODEOWNERS + " repaired in " + repo, () -> expected.equals(readFile(repo, CODEOWNERS))
                && headIsOrgctl(repo));
        out.printf("  repaired by orgctl's commit %s in %.1f s%n", shortId(host.branchHead(ref(repo), "main").orElse("")),
                Duration.between(t0, Instant.now()).toMillis() / 1000.0);
        quiesce();
        proved.add("a hand edit of a generated file in " + repo + " was repaired");
    }

    private void step4Burst() {
        header(4, "A burst of 5 template pushes is coalesced");
        Map<String, String> before = heads();
        String last = "";
        for (int i = 1; i <= 5; i++) {
            int n = i;
            last = alice.edit(gitDir(".github"), CI_TEMPLATE, t -> t.replaceAll("(?m)^# burst .*\\n", "")
                    + "# burst " + n + "\n", "CI: burst " + n);
        }
        out.println("  " + alice.name() + " pushed 5 template changes in a row, the last " + shortId(last));
        String newest = last;
        waitFor("every repository at the newest templates", () -> {
            long done = repos.stream().filter(r -> readFile(r, CI).contains("# burst 5")).count();
            progress(done, repos.size(), "at burst 5");
            return done == repos.size();
        });
        endProgress();
        quiesce();
        int max = 0;
        int total = 0;
        for (String r : repos) {
            Counts c = commitsSince(r, before.get(r));
            max = Math.max(max, c.orgctl());
            total += c.orgctl();
            if (!headTemplateRev(r).map(newest::equals).orElse(false) && !readFile(r, CI).contains("# burst 5")) {
                throw new DemoFailure(r + " did not end at the newest template revision");
            }
        }
        if (max > 2) {
            throw new DemoFailure("a repository got " + max + " regeneration commits for one burst (at most 2 expected)");
        }
        out.printf("  %d regeneration commits for 5 pushes x %d repositories (at most %d per repository); "
                + "every repository ends at the newest revision%n", total, repos.size(), max);
        proved.add("5 template pushes in a burst: at most " + max + (max == 1 ? " commit" : " commits") + " per repository, newest revision wins");
    }

    private void step5Preview() {
        header(5, "A person proposes a template change: it is previewed before it is merged");
        proved.add(new PreviewStep(this, alice, previews).run());
        quiesce();
    }

    private void step6Rollout() {
        header(6, "A template change breaks CI in a canary: the rollout pauses, the fix rolls out to all");
        proved.add(new RolloutStep(this, alice, rollouts).run());
    }

    /**
     * Waits until every repository is regenerated from {@code rev}, with one orgctl commit each
     * since {@code before}, and says how long it took.
     */
    void awaitRollout(String rev, Map<String, String> before) {
        Instant t0 = Instant.now();
        waitFor("every repository regenerated from " + shortId(rev), () -> {
            long done = repos.stream().filter(r -> headTemplateRev(r).filter(rev::equals).isPresent()).count();
            progress(done, repos.size(), "regenerated");
            return done == repos.size();
        });
        endProgress();
        for (String r : repos) {
            int own = commitsSince(r, before.get(r)).orgctl();
            if (own != 1) {
                throw new DemoFailure(org + "/" + r + " got " + own + " orgctl commits for one template change");
            }
        }
        say(String.format(Locale.ROOT, "rolled out: %d repositories, one commit each, in %.1f s", repos.size(),
                Duration.between(t0, Instant.now()).toMillis() / 1000.0));
    }

    /** One indented line of the story. */
    void say(String line) {
        out.println("  " + line);
        out.flush();
    }

    String org() {
        return org;
    }

    List<String> repos() {
        return repos;
    }

    /** The closing table: repository, workflow state, last commit, runs. */
    public void table() {
        out.println();
        out.printf("%-14s %-10s %-10s %-44s %s%n", "repository", "state", "commit", "last commit message", "runs");
        for (String r : repos) {
            Optional<WorkflowSnapshot> w = workflows.get("regen/" + org + "/" + r);
            String head = host.branchHead(ref(r), "main").orElse("");
            String subject = message(r, head).lines().findFirst().orElse("");
            out.printf("%-14s %-10s %-10s %-44s %d%n", r,
                    w.map(s -> s.state().name().toLowerCase(Locale.ROOT)).orElse("idle"), shortId(head),
                    subject.length() > 44 ? subject.substring(0, 41) + "..." : subject,
                    w.map(s -> s.record().getRuns()).orElse(0L));
        }
    }

    // ------------------------------------------------------------------ observation

    private record Counts(int orgctl, int people) {
        int total() {
            return orgctl + people;
        }
    }

    private void quiesce() {
        Map<String, String>[] last = new Map[] {heads()};
        Instant[] stableSince = {Instant.now()};
        waitFor("the org to settle", () -> {
            Map<String, String> now = heads();
            boolean busy = workflows.list().stream().anyMatch(w -> w.workflowId().startsWith("regen/" + org + "/")
                    && (w.state() == WorkflowState.PENDING || w.state() == WorkflowState.RUNNING));
            if (!now.equals(last[0]) || busy) {
                last[0] = now;
                stableSince[0] = Instant.now();
                return false;
            }
            return Duration.between(stableSince[0], Instant.now()).toMillis() > 2000;
        });
    }

    void waitFor(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(STEP_TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new DemoFailure("timed out after " + STEP_TIMEOUT.toSeconds() + " s waiting for " + what
                        + "; see the log lines above");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DemoFailure("interrupted");
            }
        }
    }

    private long lastProgress = -1;

    /** Progress on one line in a terminal; one line per change when the output is a file or a pipe. */
    private void progress(long done, int total, String what) {
        if (done == lastProgress) {
            return;
        }
        lastProgress = done;
        if (System.console() != null) {
            out.printf("\r  %s %d/%d", what, done, total);
        } else {
            out.printf("  %s %d/%d%n", what, done, total);
        }
        out.flush();
        if (done == total) {
            lastProgress = -1;
        }
    }

    private void endProgress() {
        if (System.console() != null) {
            out.println();
        }
    }

    private void header(int n, String title) {
        out.println();
        out.println(n + ". " + title);
        out.flush();
    }

    Map<String, String> heads() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String r : repos) {
            m.put(r, host.branchHead(ref(r), "main").orElse(""));
        }
        return m;
    }

    private boolean headIsOrgctl(String repo) {
        return Provenance.isOrgctlCommit(message(repo, host.branchHead(ref(repo), "main").orElse("")));
    }

    private Optional<String> headTemplateRev(String repo) {
        String msg = message(repo, host.branchHead(ref(repo), "main").orElse(""));
        if (!Provenance.isOrgctlCommit(msg)) {
            return Optional.empty();
        }
        return Optional.ofNullable(Provenance.trailers(msg).get(Provenance.TEMPLATE_REV));
    }

    String readFile(String repo, String path) {
        return host.readBranch(ref(repo), "main", dev.orgctl.hosts.FileSelection.paths(List.of(path)))
                .flatMap(s -> s.file(path)).map(RepoFile::utf8).orElse("");
    }

    private Counts commitsSince(String repo, String base) {
        try (Repository git = new FileRepositoryBuilder().setGitDir(gitDir(repo).toFile()).setMustExist(true).build();
             RevWalk walk = new RevWalk(git)) {
            ObjectId head = git.resolve("refs/heads/main");
            if (head == null) {
                return new Counts(0, 0);
            }
            walk.markStart(walk.parseCommit(head));
            if (base != null && !base.isEmpty()) {
                walk.markUninteresting(walk.parseCommit(ObjectId.fromString(base)));
            }
            int own = 0;
            int people = 0;
            for (RevCommit c : walk) {
                if (Provenance.isOrgctlCommit(c.getFullMessage())) {
                    own++;
                } else {
                    people++;
                }
            }
            return new Counts(own, people);
        } catch (IOException e) {
            throw new DemoFailure("cannot read " + repo + ": " + e.getMessage());
        }
    }

    private String message(String repo, String commit) {
        if (commit.isEmpty()) {
            return "";
        }
        try (Repository git = new FileRepositoryBuilder().setGitDir(gitDir(repo).toFile()).setMustExist(true).build();
             RevWalk walk = new RevWalk(git)) {
            return walk.parseCommit(ObjectId.fromString(commit)).getFullMessage();
        } catch (IOException e) {
            return "";
        }
    }

    Path gitDir(String repo) {
        return host.gitDir(ref(repo));
    }

    private RepoRef ref(String repo) {
        return new RepoRef(org, repo);
    }

    static String shortId(String id) {
        return id == null || id.length() < 10 ? String.valueOf(id) : id.substring(0, 10);
    }
}
