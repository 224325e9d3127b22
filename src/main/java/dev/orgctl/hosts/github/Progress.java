package dev.orgctl.hosts.github;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Progress of a long run over many repositories: done/total, rate, ETA, and why it stands still
 * when it waits for a GitHub limit. Thread-safe; prints at most once per {@code every} (and at the
 * end) so a thousand repositories do not flood the terminal. Register it as the client's
 * {@link RateListener} to show pauses.
 *
 * <pre>{@code regenerate  340/1000  34%  12.3/s  ETA 54s  (paused: secondary rate limit, resumes 12:03:04)}</pre>
 */
public final class Progress implements RateListener {
    private static final DateTimeFormatter HMS = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final String what;
    private final int total;
    private final PrintWriter out;
    private final Clock clock;
    private final Duration every;
    private final Instant started;
    private final AtomicInteger done = new AtomicInteger();
    private volatile Instant pausedUntil = Instant.EPOCH;
    private volatile String pauseReason = "";
    private Instant lastPrint = Instant.EPOCH;

    public Progress(String what, int total, PrintWriter out, Clock clock, Duration every) {
        this.what = what;
        this.total = total;
        this.out = out;
        this.clock = clock;
        this.every = every;
        this.started = clock.instant();
    }

    public Progress(String what, int total, PrintWriter out) {
        this(what, total, out, Clock.systemUTC(), Duration.ofSeconds(2));
    }

    /** One more item done; prints when the last line is older than {@code every}. */
    public void step() {
        int d = done.incrementAndGet();
        maybePrint(d == total);
    }

    @Override
    public void paused(String reason, Instant until) {
        boolean news = until.isAfter(pausedUntil.plusSeconds(1));
        if (until.isAfter(pausedUntil)) {
            pausedUntil = until;
            pauseReason = reason;
        }
        // Many threads can wait for the same limit: print once per new pause, not once per thread.
        maybePrint(news);
    }

    public int done() {
        return done.get();
    }

    /** The estimated time left: the remaining items at the rate so far, and at least any pending pause. */
    public Duration eta() {
        Instant now = clock.instant();
        int d = done.get();
        Duration pause = pausedUntil.isAfter(now) ? Duration.between(now, pausedUntil) : Duration.ZERO;
        if (d == 0) {
            return pause;
        }
        double perItemMs = (double) Duration.between(started, now).toMillis() / d;
        Duration rest = Duration.ofMillis((long) (perItemMs * (total - d)));
        return rest.compareTo(pause) >= 0 ? rest : pause;
    }

    /** The current progress line. */
    public String line() {
        Instant now = clock.instant();
        int d = done.get();
        double secs = Math.max(0.001, Duration.between(started, now).toMillis() / 1000.0);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s  %d/%d  %d%%  %.1f/s", what, d, total, total == 0 ? 100 : d * 100 / total, d / secs));
        if (d < total) {
            sb.append("  ETA ").append(format(eta()));
        } else {
            sb.append("  done in ").append(format(Duration.between(started, now)));
        }
        if (pausedUntil.isAfter(now) && d < total) {
            sb.append("  (paused: ").append(pauseReason).append(", resumes ")
                    .append(LocalTime.ofInstant(pausedUntil, ZoneId.systemDefault()).format(HMS)).append(')');
        }
        return sb.toString();
    }

    /** Prints the final line. */
    public void finish() {
        synchronized (this) {
            out.println(line());
            out.flush();
            lastPrint = clock.instant();
        }
    }

    private void maybePrint(boolean force) {
        Instant now = clock.instant();
        synchronized (this) {
            if (!force && Duration.between(lastPrint, now).compareTo(every) < 0) {
                return;
            }
            lastPrint = now;
            out.println(line());
            out.flush();
        }
    }

    static String format(Duration d) {
        long s = Math.max(0, (d.toMillis() + 999) / 1000);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format("%02d", s % 60) + "s";
        }
        return (s / 3600) + "h" + String.format("%02d", (s % 3600) / 60) + "m";
    }
}
