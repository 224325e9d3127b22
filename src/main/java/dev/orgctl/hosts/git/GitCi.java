package dev.orgctl.hosts.git;

import dev.orgctl.hosts.RepoRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The git backend's simulated CI (docs/git-backend.md, "Simulated CI"). When the ref watcher sees a
 * new head of a repository's default branch, and that commit has an executable {@code .orgctl/ci},
 * the script runs ({@link GitCiRun}) and its result is sent as a signed {@code check_suite}
 * {@code completed} delivery ({@link CheckSuitePayloads}) through the watcher's own sink, so the
 * controller learns CI results on the git backend as it does from GitHub.
 *
 * <p>Runs happen on a small pool of their own ({@code parallel} threads, the queue unbounded): the
 * watcher only hands a head over, so a slow script never holds up push deliveries. A head whose log
 * ({@code <root>/.orgctl-ci/<org>/<repo>/<sha>.log}) exists has run: it is not run again, also after
 * a restart (the log is written whole, only once the run ended). The templates repository has no CI
 * here: its pushes are template changes, which the controller handles.
 */
public final class GitCi implements RefWatcher.HeadListener, AutoCloseable {
    /** The script a repository carries to get CI, an executable file (git mode 100755). */
    public static final String SCRIPT = ".orgctl/ci";
    /** The folder under the git root that keeps the logs. */
    public static final String LOG_DIR = ".orgctl-ci";
    private static final Logger log = LoggerFactory.getLogger(GitCi.class);

    private final GitHost host;
    private final DeliverySink sink;
    private final Duration timeout;
    private final String templatesRepo;
    private final ThreadPoolExecutor pool;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final AtomicLong reported = new AtomicLong();

    /**
     * @param host          the git backend (its root holds the logs)
     * @param sink          where the check suite deliveries go: the ref watcher's sink
     * @param timeout       how long a script may run before it is killed (conclusion {@code timed_out})
     * @param parallel      scripts running at once
     * @param templatesRepo the templates repository's name, which gets no CI
     */
    public GitCi(GitHost host, DeliverySink sink, Duration timeout, int parallel, String templatesRepo) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("the CI timeout must be positive: " + timeout);
        }
        if (parallel < 1) {
            throw new IllegalArgumentException("at least one CI run at a time: " + parallel);
        }
        this.host = host;
        this.sink = sink;
        this.timeout = timeout;
        this.templatesRepo = templatesRepo;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(parallel, parallel, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "git-ci-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Where the log of {@code sha} of {@code repo} is kept under the git root {@code root}. */
    public static Path logFile(Path root, RepoRef repo, String sha) {
        return root.resolve(LOG_DIR).resolve(repo.org()).resolve(repo.name()).resolve(sha + ".log");
    }

    /** Check suites delivered since this was created (results of runs, not heads without CI). */
    public long reportedCount() {
        return reported.get();
    }

    @Override
    public void defaultBranchMoved(RefWatcher.DefaultHead head) {
        if (head.repo().name().equals(templatesRepo)) {
            return;
        }
        String key = head.repo().fullName() + "@" + head.after();
        if (!queued.add(key)) {
            return; // already waiting or running
        }
        try {
            pool.execute(() -> {
                try {
                    runAndReport(head);
                } finally {
                    queued.remove(key);
                }
            });
        } catch (RejectedExecutionException e) {
            queued.remove(key); // closing
        }
    }

    private void runAndReport(RefWatcher.DefaultHead head) {
        RepoRef repo = head.repo();
        Path logFile = logFile(host.root(), repo, head.after());
        if (Files.exists(logFile)) {
            log.atDebug().addKeyValue("repo", repo.fullName()).addKeyValue("sha", head.after())
                    .log("CI of this head already ran; not again");
            return;
        }
        Optional<GitCiRun.Outcome> outcome;
        try {
            outcome = GitCiRun.run(host.gitDir(repo), repo, head.after(), timeout, logFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // stopping: no log, so a later sighting of the head runs it
        } catch (IOException | RuntimeException e) {
            log.atError().setCause(e).addKeyValue("repo", repo.fullName()).addKeyValue("sha", head.after())
                    .addKeyValue("error", e.getMessage()).log("CI could not be run or its log not written");
            return;
        }
        if (outcome.isEmpty()) {
            return; // no .orgctl/ci: no CI configured
        }
        GitCiRun.Outcome o = outcome.get();
        CheckSuitePayloads.Completed completed = new CheckSuitePayloads.Completed(head.context(), head.branch(),
                head.before(), o.head(), o.conclusion(), logFile.toUri().toString(), o.startedAt(), o.completedAt());
        String guid = CheckSuitePayloads.guid(repo, head.after());
        try {
            sink.deliver(new OutgoingDelivery("check_suite", guid, CheckSuitePayloads.completedBody(completed),
                    repo.fullName()));
            reported.incrementAndGet();
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("sha", head.after())
                    .addKeyValue("conclusion", o.conclusion().apiName()).addKeyValue("delivery", guid)
                    .addKeyValue("log", logFile).log("CI result delivered");
        } catch (DeliveryException e) {
            log.atError().addKeyValue("repo", repo.fullName()).addKeyValue("sha", head.after())
                    .addKeyValue("conclusion", o.conclusion().apiName()).addKeyValue("log", logFile)
                    .addKeyValue("error", e.getMessage()).log("CI result not delivered; it stays in the log only");
        }
    }

    /** Stops: runs in progress are killed (and leave no log), queued ones dropped. */
    @Override
    public void close() {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(15, TimeUnit.SECONDS)) {
                log.atWarn().log("git CI runs still ending after 15 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "GitCi[%s, timeout %ss]", host.root(), timeout.toSeconds());
    }
}
