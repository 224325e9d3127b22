package dev.orgctl.testing.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The fake's rate limits, configurable per test: primary limits per account and resource
 * ({@code core}, {@code graphql}) with a window that resets, the content-creation ceiling (sliding
 * windows over accepted writes, refusals answered as secondary limits), and secondary-limit
 * answers on demand. It also records every accepted write's arrival time so a test can prove a
 * ceiling was never exceeded.
 */
public final class FakeLimits {
    /** A primary limit: {@code limit} requests per {@code window}. */
    public record Primary(int limit, Duration window) {
    }

    /** A window of the content-creation ceiling. */
    public record Window(Duration length, int max) {
    }

    /** A scripted secondary-limit answer. */
    public record Secondary(int status, Optional<Duration> retryAfter, boolean remainingZero) {
    }

    private final Clock clock;
    private final Map<String, Primary> primary = new ConcurrentHashMap<>();
    private final Map<String, long[]> used = new ConcurrentHashMap<>(); // account|resource -> {windowStartMs, used}
    private volatile List<Window> ceiling = List.of();
    private final Map<String, List<Long>> writeLog = new ConcurrentHashMap<>();
    private final Deque<Scripted> scripted = new ArrayDeque<>();
    private int ceilingRefusals;
    private int primaryRefusals;
    private int secondaryAnswered;

    private record Scripted(Secondary answer, Predicate<String> matches) {
    }

    FakeLimits(Clock clock) {
        this.clock = clock;
        primary.put("core", new Primary(5000, Duration.ofHours(1)));
        primary.put("graphql", new Primary(5000, Duration.ofHours(1)));
    }

    /** Sets a primary limit for every account; the current windows restart. */
    public synchronized FakeLimits primary(String resource, int limit, Duration window) {
        primary.put(resource, new Primary(limit, window));
        used.keySet().removeIf(k -> k.endsWith("|" + resource));
        return this;
    }

    /** Enforces a content-creation ceiling: a write beyond it gets a secondary-limit 403. */
    public synchronized FakeLimits contentCeiling(List<Window> windows) {
        ceiling = List.copyOf(windows);
        return this;
    }

    /**
     * The next {@code count} requests whose {@code "METHOD /path"} matches get a secondary-limit
     * answer ({@code status} 403 or 429, with {@code retry-after} when given).
     */
    public synchronized FakeLimits secondaryNext(int count, int status, Optional<Duration> retryAfter,
                                                 Predicate<String> matches) {
        for (int i = 0; i < count; i++) {
            scripted.add(new Scripted(new Secondary(status, retryAfter, false), matches));
        }
        return this;
    }

    public synchronized int ceilingRefusals() {
        return ceilingRefusals;
    }

    public synchronized int primaryRefusals() {
        return primaryRefusals;
    }

    public synchronized int secondaryAnswered() {
        return secondaryAnswered;
    }

    /** Arrival times (epoch millis) of every accepted write of an account. */
    public synchronized List<Long> writeTimes(String account) {
        return List.copyOf(writeLog.getOrDefault(account, List.of()));
    }

    /** The most writes of {@code account} that arrived within any sliding window of {@code length}. */
    public synchronized int maxWritesIn(String account, Duration length) {
        List<Long> times = writeLog.getOrDefault(account, List.of());
        int best = 0;
        int lo = 0;
        for (int hi = 0; hi < times.size(); hi++) {
            while (times.get(hi) - times.get(lo) >= length.toMillis()) {
                lo++;
            }
            best = Math.max(best, hi - lo + 1);
        }
        return best;
    }

    // ---------------------------------------------------------------- used by the server

    synchronized Optional<Secondary> scriptedFor(String call) {
        for (Scripted s : scripted) {
            if (s.matches().test(call)) {
                scripted.remove(s);
                secondaryAnswered++;
                return Optional.of(s.answer());
            }
        }
        return Optional.empty();
    }

    /** The state of a primary limit: limit, remaining, used, reset (epoch seconds). */
    record State(int limit, int remaining, int used, long reset) {
    }

    synchronized State state(String account, String resource) {
        Primary p = primary.getOrDefault(resource, primary.get("core"));
        long now = clock.millis();
        // Windows start on whole seconds, so X-RateLimit-Reset (epoch seconds) is the exact reset.
        long aligned = now - now % 1000;
        long[] u = used.computeIfAbsent(account + "|" + resource, k -> new long[] {aligned, 0});
        if (now >= u[0] + p.window().toMillis()) {
            u[0] = aligned;
            u[1] = 0;
        }
        long reset = (u[0] + p.window().toMillis() + 999) / 1000;
        return new State(p.limit(), (int) Math.max(0, p.limit() - u[1]), (int) u[1], reset);
    }

    /** Counts one request against the primary limit; false when none is left. */
    synchronized boolean take(String account, String resource) {
        State s = state(account, resource);
        if (s.remaining() <= 0) {
            primaryRefusals++;
            return false;
        }
        used.get(account + "|" + resource)[1]++;
        return true;
    }

    /** Admits a write under the ceiling (and logs it), or refuses it. */
    synchronized boolean admitWrite(String account) {
        long now = clock.millis();
        List<Long> log = writeLog.computeIfAbsent(account, k -> new ArrayList<>());
        for (Window w : ceiling) {
            long from = now - w.length().toMillis();
            int count = 0;
            for (int i = log.size() - 1; i >= 0 && log.get(i) > from; i--) {
                count++;
            }
            if (count >= w.max()) {
                ceilingRefusals++;
                return false;
            }
        }
        log.add(now);
        return true;
    }

    Instant now() {
        return clock.instant();
    }
}
