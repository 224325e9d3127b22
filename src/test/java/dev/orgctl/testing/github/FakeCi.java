package dev.orgctl.testing.github;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous integration of the fake, configured per repository by tests (none by default, as a
 * repository without workflows): when a commit lands on a branch of a repository with CI (any push:
 * {@code createCommitOnBranch}, the Git Data API's ref updates, a person's push, a merge), the fake
 * creates a GitHub Actions check suite for it and, after the configured delay, completes it and
 * sends {@code check_suite} {@code completed} and {@code workflow_run} {@code completed} to the
 * org's hooks, signed, in GitHub's shapes ({@link FakeCiJson}). Tests may also set commit statuses
 * (the older Statuses API), delivered as {@code status}. REST: {@code GET
 * .../commits/{ref}/check-suites} and {@code GET .../commits/{ref}/status}. A pull request with
 * auto-merge is merged when its head's CI succeeds ({@link FakeAutoMerge}).
 *
 * <p>One check suite per commit and repository: GitHub keeps one suite per commit and App, so a
 * branch created at a commit that already has one gets no second.
 */
public final class FakeCi {
    /** What a repository's CI concludes for every commit. */
    public enum Result {
        SUCCESS("success"), FAILURE("failure"), TIMED_OUT("timed_out"), CANCELLED("cancelled"),
        /** Started and never finished: a runner that never came. */
        PENDING_FOREVER(null),
        /**
         * A suite GitHub created for an App that never runs a check (every App with the Checks
         * permission gets one per push): {@code queued} with no check run, for good.
         */
        IDLE_APP(null);

        final String conclusion;

        Result(String conclusion) {
            this.conclusion = conclusion;
        }
    }

    private record Setup(Result result, Duration delay) {
    }

    /** A check suite of GitHub Actions and its one workflow run, as the fake keeps them. */
    public static final class Suite {
        final long id;
        final long runId;
        final FakeRepo repo;
        final String headSha;
        final String headBranch;
        final Optional<String> before;
        final Instant createdAt;
        final FakeWebhooks.Actor pusher;
        volatile String status = "in_progress";
        volatile String conclusion;
        volatile Instant updatedAt;

        Suite(long id, long runId, FakeRepo repo, String headSha, String headBranch, Optional<String> before,
              Instant now, FakeWebhooks.Actor pusher) {
            this.id = id;
            this.runId = runId;
            this.repo = repo;
            this.headSha = headSha;
            this.headBranch = headBranch;
            this.before = before;
            this.createdAt = now;
            this.updatedAt = now;
            this.pusher = pusher;
        }

        public long id() {
            return id;
        }

        /** The id of its workflow run (the {@code workflow_run} delivery's). */
        public long runId() {
            return runId;
        }

        public String headSha() {
            return headSha;
        }

        public String headBranch() {
            return headBranch;
        }

        public String status() {
            return status;
        }

        public Optional<String> conclusion() {
            return Optional.ofNullable(conclusion);
        }
    }

    /** A commit status (one context's latest state), as the Statuses API keeps it. */
    public record Status(long id, FakeRepo repo, String sha, String context, String state, String targetUrl,
                         Instant at) {
    }

    /** Who sets commit statuses: an external CI service's account. */
    private static final FakeWebhooks.Actor STATUS_SENDER = FakeWebhooks.Actor.of(Person.of("ci-service"));

    private final GitHubFake f;
    private final FakeCiJson json;
    private final FakeAutoMerge autoMerge;
    private final Map<FakeRepo, Setup> setups = new ConcurrentHashMap<>();
    private final List<Suite> suites = new CopyOnWriteArrayList<>();
    private final List<Status> statuses = new CopyOnWriteArrayList<>();
    private final AtomicInteger scheduled = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private volatile boolean webhooks = true;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "github-fake-ci");
        t.setDaemon(true);
        return t;
    });

    FakeCi(GitHubFake fake) {
        this.f = fake;
        this.json = new FakeCiJson(fake);
        this.autoMerge = new FakeAutoMerge(fake);
    }

    void register() {
        f.http.route("GET", "/repos/{owner}/{repo}/commits/{ref+}/check-suites", this::listSuites);
        f.http.route("GET", "/repos/{owner}/{repo}/commits/{ref+}/status", this::combinedStatus);
    }

    // ---------------------------------------------------------------- test API

    /** Every commit landing on a branch of {@code repo} from now on gets CI that ends as {@code result} at once. */
    public void configure(FakeRepo repo, Result result) {
        configure(repo, result, Duration.ZERO);
    }

    /** As {@link #configure(FakeRepo, Result)}, the suite completing {@code delay} after the commit landed. */
    public void configure(FakeRepo repo, Result result, Duration delay) {
        setups.put(repo, new Setup(result, delay));
    }

    /** No CI for {@code repo} from now on (the default): its commits get no check suite. */
    public void remove(FakeRepo repo) {
        setups.remove(repo);
    }

    /**
     * Whether completed suites and statuses are delivered to the hooks (default true). Off, results are only
     * readable through the REST API: "results missed while orgctl was down".
     */
    public void sendWebhooks(boolean send) {
        webhooks = send;
    }

    /** The check suites of {@code repo}, oldest first. */
    public List<Suite> suites(FakeRepo repo) {
        return suites.stream().filter(s -> s.repo == repo).toList();
    }

    /** The check suite of a commit, if CI ran for it. */
    public Optional<Suite> suite(FakeRepo repo, String sha) {
        return suites.stream().filter(s -> s.repo == repo && s.headSha.equals(sha)).findFirst();
    }

    /**
     * Sets the state of one status context of a commit ({@code pending}, {@code success},
     * {@code failure}, {@code error}), replacing the context's earlier state, as a CI service
     * calling {@code POST /repos/{o}/{r}/statuses/{sha}} would; {@code status} is delivered (unless
     * webhooks are off).
     */
    public void setStatus(FakeRepo repo, String sha, String context, String state, String targetUrl) {
        if (!List.of("pending", "success", "failure", "error").contains(state)) {
            throw new IllegalArgumentException("not a commit status state: " + state);
        }
        repo.git.parse(sha); // a commit of the repository, or it throws
        statuses.removeIf(s -> s.repo() == repo && s.sha().equals(sha) && s.context().equals(context));
        Status status = new Status(f.ids.incrementAndGet(), repo, sha, context, state, targetUrl, f.clock.instant());
        statuses.add(status);
        if (webhooks) {
            f.webhooks.deliver(repo.org, "status", null, repo.id, json.statusEvent(status, STATUS_SENDER));
        }
    }

    /**
     * Waits until every suite with a result to come has completed (suites pending forever excepted,
     * delayed ones not: a test with a long delay waits for the suite it means instead).
     */
    public void awaitCompletions(Duration timeout) {
        FakeWebhooks.awaitZero(scheduled, timeout, "check suites still running");
    }

    // ---------------------------------------------------------------- commits landing

    /** A ref moved ({@link FakeWebhooks#push}): a branch's new commit gets its suite if the repository has CI. */
    void landed(FakeRepo repo, String ref, Optional<String> before, Optional<String> after, FakeWebhooks.Actor who) {
        Setup setup = setups.get(repo);
        if (setup == null || after.isEmpty() || !ref.startsWith("refs/heads/")) {
            return;
        }
        Suite suite;
        synchronized (suites) {
            if (suite(repo, after.get()).isPresent()) {
                return;
            }
            suite = new Suite(f.ids.incrementAndGet(), f.ids.incrementAndGet(), repo, after.get(),
                    ref.substring("refs/heads/".length()), before, f.clock.instant(), who);
            suites.add(suite);
        }
        if (setup.result() == Result.IDLE_APP) {
            suite.status = "queued";
        }
        if (setup.result().conclusion == null) {
            return;
        }
        later(setup.delay(), () -> complete(suite, setup.result().conclusion));
    }

    /** Runs {@code work} on the CI thread after {@code delay}; a failure of the fake's own is kept for {@link #close()}. */
    private void later(Duration delay, Runnable work) {
        scheduled.incrementAndGet();
        ScheduledFuture<?> unused = timer.schedule(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                failures.add(e.toString());
            } finally {
                scheduled.decrementAndGet();
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void complete(Suite suite, String conclusion) {
        suite.conclusion = conclusion;
        suite.updatedAt = f.clock.instant();
        suite.status = "completed";
        if (webhooks) {
            f.webhooks.deliver(suite.repo.org, "check_suite", "completed", suite.repo.id, json.checkSuiteEvent(suite));
            f.webhooks.deliver(suite.repo.org, "workflow_run", "completed", suite.repo.id, json.workflowRunEvent(suite));
        }
        if (conclusion.equals("success")) {
            autoMerge.succeeded(suite.repo, suite.headSha);
        }
    }

    /**
     * Auto-merge was enabled on {@code p}: if its head's CI already succeeded, it is merged now (on
     * the CI thread, after the mutation's answer). GitHub refuses to enable auto-merge on a pull
     * request that already meets its requirements ("clean status"); the fake merges instead, so a
     * test need not race orgctl's enable against a delay.
     */
    void autoMergeEnabled(FakePull p) {
        String head = p.repo.head(p.head).orElse("");
        boolean green = suite(p.repo, head).map(s -> "success".equals(s.conclusion)).orElse(false);
        if (green) {
            later(Duration.ZERO, () -> autoMerge.succeeded(p.repo, head));
        }
    }

    // ---------------------------------------------------------------- REST

    private Optional<String> sha(Call c, FakeRepo repo) {
        String ref = c.param("ref");
        if (ref.matches("[0-9a-f]{40}")) {
            return repo.git.exists(ref, org.eclipse.jgit.lib.Constants.OBJ_COMMIT) ? Optional.of(ref) : Optional.empty();
        }
        return repo.git.ref(ref.startsWith("heads/") || ref.startsWith("tags/") ? "refs/" + ref : "refs/heads/" + ref);
    }

    private Reply listSuites(Call c) {
        FakeRepo repo = c.requireRepo();
        c.require(List.of("repo", "public_repo"), "checks", "read");
        Optional<String> sha = sha(c, repo);
        String appId = c.query.get("app_id");
        List<Suite> matching = suites(repo).stream()
                .filter(s -> sha.isPresent() && s.headSha.equals(sha.get()))
                .filter(s -> appId == null || appId.equals(Long.toString(FakeCiJson.ACTIONS_APP_ID)))
                .sorted(Comparator.comparingLong(Suite::id)).toList();
        FakeRest.Page page = FakeRest.Page.of(f, c, matching.size());
        List<Object> items = new ArrayList<>();
        matching.subList(page.from(), page.to()).forEach(s -> items.add(json.checkSuite(s)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total_count", matching.size());
        body.put("check_suites", items);
        return new Reply(200, body, page.headers());
    }

    private Reply combinedStatus(Call c) {
        FakeRepo repo = c.requireRepo();
        c.require(List.of("repo", "public_repo"), "statuses", "read");
        String sha = sha(c, repo).orElseThrow(() -> new HttpError(404, "No commit found for SHA: " + c.param("ref")));
        List<Status> latest = statuses.stream().filter(s -> s.repo() == repo && s.sha().equals(sha))
                .sorted(Comparator.comparingLong(Status::id)).toList();
        FakeRest.Page page = FakeRest.Page.of(f, c, latest.size());
        return new Reply(200, json.combinedStatus(repo, sha, latest, latest.subList(page.from(), page.to())),
                page.headers());
    }

    /** Stops the CI thread; returns the failures of the fake's own it met (a defect to fix in the fake). */
    List<String> close() {
        timer.shutdownNow();
        return List.copyOf(failures);
    }
}
