package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs one piece of work per repository on a few threads, for full runs over an organization
 * ({@code orgctl regen}, the benchmark, a full reconcile): results are handed over in the order
 * of the input as soon as they are ready, with a bounded number in flight. The work must not
 * throw for expected failures (the executor returns them as results).
 */
public final class RegenBatch {
    private RegenBatch() {
    }

    /** Called after each repository, in the order of the input, on the thread that called {@link #run}. */
    @FunctionalInterface
    public interface Progress<T> {
        void completed(int done, int total, T result);
    }

    /** A plan, or why there is none. */
    public record PlanOutcome(RepositoryInfo repo, RepoPlan plan, String error) {
        public boolean failed() {
            return plan == null;
        }
    }

    /** Called with each result, in the order of the input, on the thread that called {@link #forEach}. */
    @FunctionalInterface
    public interface Sink<T> {
        void accept(RepositoryInfo repo, T result);
    }

    /** Plans every repository (no writes), handing each plan to {@code sink} as soon as it and those before it are done. */
    public static void plan(RegenPlanner planner, TemplateSnapshot templates, List<RepositoryInfo> repos,
                            int parallelism, Sink<PlanOutcome> sink) {
        forEach(repos, parallelism, r -> planOne(planner, templates, r), sink);
    }

    /** Regenerates every repository, handing each result to {@code sink} as soon as it is ready. */
    public static void regenerate(RegenExecutor executor, TemplateSnapshot templates, List<RepositoryInfo> repos,
                                  RunContext ctx, int parallelism, Sink<RegenResult> sink) {
        forEach(repos, parallelism, r -> regenerateOne(executor, templates, r, ctx), sink);
    }

    private static PlanOutcome planOne(RegenPlanner planner, TemplateSnapshot templates, RepositoryInfo r) {
        try {
            return new PlanOutcome(r, planner.plan(templates, r), null);
        } catch (RuntimeException e) {
            return new PlanOutcome(r, null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static RegenResult regenerateOne(RegenExecutor executor, TemplateSnapshot templates, RepositoryInfo r,
                                             RunContext ctx) {
        try {
            return executor.regenerate(templates, r, ctx);
        } catch (RuntimeException e) {
            return new RegenResult.Failed(r, e.getMessage() == null ? e.toString() : e.getMessage(), true, 0);
        }
    }

    public static <T> List<T> run(List<RepositoryInfo> repos, int parallelism, Function<RepositoryInfo, T> work,
                                  Progress<T> progress) {
        List<T> out = new ArrayList<>(repos.size());
        forEach(repos, parallelism, work, (repo, value) -> {
            out.add(value);
            if (progress != null) {
                progress.completed(out.size(), repos.size(), value);
            }
        });
        return out;
    }

    /**
     * Works {@code parallelism} repositories at once and hands each result to {@code sink} in the
     * order of the input. What is held is bounded by the window ({@code 2 x parallelism}
     * repositories started but not yet handed over), never by the number of repositories: a run
     * over a large organization streams.
     */
    public static <T> void forEach(List<RepositoryInfo> repos, int parallelism, Function<RepositoryInfo, T> work,
                                   Sink<T> sink) {
        int threads = Math.max(1, Math.min(parallelism, repos.size()));
        int window = 2 * threads;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "regen-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            ArrayDeque<Future<T>> inFlight = new ArrayDeque<>();
            int next = 0;
            for (int handed = 0; handed < repos.size(); handed++) {
                while (next < repos.size() && inFlight.size() < window) {
                    RepositoryInfo repo = repos.get(next++);
                    inFlight.add(pool.submit(() -> work.apply(repo)));
                }
                T value = inFlight.poll().get();
                sink.accept(repos.get(handed), value);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
