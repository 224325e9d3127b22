package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs one piece of work per repository on a few threads, for full runs over an organization
 * ({@code orgctl regen}, the benchmark, a full reconcile): results come back in the order of
 * the input, progress is reported as they complete. The work must not throw for expected
 * failures (the executor returns them as results).
 */
public final class RegenBatch {
    private RegenBatch() {
    }

    /** Called after each repository, from the worker thread that finished it. */
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

    /** Plans every repository (no writes). */
    public static List<PlanOutcome> plan(RegenPlanner planner, TemplateSnapshot templates, List<RepositoryInfo> repos,
                                         int parallelism, Progress<PlanOutcome> progress) {
        return run(repos, parallelism, r -> {
            try {
                return new PlanOutcome(r, planner.plan(templates, r), null);
            } catch (RuntimeException e) {
                return new PlanOutcome(r, null, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }, progress);
    }

    /** Regenerates every repository. */
    public static List<RegenResult> regenerate(RegenExecutor executor, TemplateSnapshot templates,
                                               List<RepositoryInfo> repos, RunContext ctx, int parallelism,
                                               Progress<RegenResult> progress) {
        return run(repos, parallelism, r -> {
            try {
                return executor.regenerate(templates, r, ctx);
            } catch (RuntimeException e) {
                return new RegenResult.Failed(r, e.getMessage() == null ? e.toString() : e.getMessage(), true, 0);
            }
        }, progress);
    }

    public static <T> List<T> run(List<RepositoryInfo> repos, int parallelism, Function<RepositoryInfo, T> work,
                                  Progress<T> progress) {
        int threads = Math.max(1, Math.min(parallelism, repos.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "regen-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            ExecutorCompletionService<Object[]> ecs = new ExecutorCompletionService<>(pool);
            for (int i = 0; i < repos.size(); i++) {
                int index = i;
                ecs.submit(() -> new Object[] {index, work.apply(repos.get(index))});
            }
            List<T> out = new ArrayList<>(repos.size());
            for (int i = 0; i < repos.size(); i++) {
                out.add(null);
            }
            AtomicInteger done = new AtomicInteger();
            for (int i = 0; i < repos.size(); i++) {
                Future<Object[]> f = ecs.take();
                Object[] r = f.get();
                @SuppressWarnings("unchecked")
                T value = (T) r[1];
                out.set((Integer) r[0], value);
                if (progress != null) {
                    progress.completed(done.incrementAndGet(), repos.size(), value);
                }
            }
            return out;
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
