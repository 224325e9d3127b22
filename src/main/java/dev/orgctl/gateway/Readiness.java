package dev.orgctl.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * What {@code GET /readyz} reports: named checks, each ready or with a problem in words. The
 * gateway registers its own ({@code nats}, {@code jetstream}); the controller adds its consumers'
 * checks through {@link #add}. A check that costs a round trip is wrapped in {@link #cached}, so
 * a load balancer polling {@code /readyz} often costs JetStream at most one call per interval.
 */
public final class Readiness {
    /** One check: empty when ready, else what is wrong. */
    @FunctionalInterface
    public interface Check {
        Optional<String> problem();
    }

    /** The checks' answers by name, and whether all of them are ready. */
    public record Report(boolean ready, Map<String, String> checks) {
    }

    private record Named(String name, Check check) {
    }

    private final CopyOnWriteArrayList<Named> checks = new CopyOnWriteArrayList<>();

    public Readiness add(String name, Check check) {
        checks.add(new Named(name, check));
        return this;
    }

    public Report report() {
        Map<String, String> answers = new LinkedHashMap<>();
        boolean ready = true;
        for (Named n : checks) {
            Optional<String> problem;
            try {
                problem = n.check().problem();
            } catch (RuntimeException e) {
                problem = Optional.of("check failed: " + e.getMessage());
            }
            answers.put(n.name(), problem.orElse("ok"));
            ready &= problem.isEmpty();
        }
        return new Report(ready, answers);
    }

    /**
     * A check that runs {@code expensive} at most once per {@code intervalMillis}; callers in
     * between get the last answer. While one caller refreshes, others get the last answer too.
     */
    public static Check cached(long intervalMillis, Supplier<Optional<String>> expensive) {
        return new Check() {
            private final ReentrantLock lock = new ReentrantLock();
            private volatile Optional<String> last = Optional.of("not checked yet");
            private volatile long checkedAt = Long.MIN_VALUE;

            @Override
            public Optional<String> problem() {
                long now = System.nanoTime();
                if (checkedAt != Long.MIN_VALUE && now - checkedAt < intervalMillis * 1_000_000L) {
                    return last;
                }
                if (lock.tryLock()) {
                    try {
                        last = expensive.get();
                        checkedAt = System.nanoTime();
                    } finally {
                        lock.unlock();
                    }
                }
                return last;
            }
        };
    }
}
