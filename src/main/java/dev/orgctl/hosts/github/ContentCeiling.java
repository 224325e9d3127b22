package dev.orgctl.hosts.github;

import dev.orgctl.config.GitHubWriteBudget;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * GitHub's ceiling on content-creating requests, from "Rate limits for the REST API", secondary
 * limits: "In general, no more than 80 content-generating requests per minute and no more than
 * 500 content-generating requests per hour are allowed." It is per account (the App installation
 * or the token's user), so every orgctl replica acting for the org shares it.
 *
 * @param windows every window and how many writes it allows
 * @param margin  each window is treated as this much longer than GitHub's, so clock skew between
 *                replicas and the time a request travels cannot squeeze one write too many into
 *                GitHub's window
 */
public record ContentCeiling(List<Window> windows, Duration margin) {
    /** At most {@code max} writes in any {@code length}. */
    public record Window(Duration length, int max) {
        public Window {
            if (length.isNegative() || length.isZero() || max < 1) {
                throw new IllegalArgumentException("a window needs a positive length and allowance");
            }
        }
    }

    public ContentCeiling {
        windows = List.copyOf(windows);
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("a ceiling needs at least one window");
        }
    }

    /** 80 a minute and 500 an hour, with a one-second margin. */
    public static ContentCeiling github() {
        return of(GitHubWriteBudget.githubCom()).orElseThrow();
    }

    /**
     * The ceiling of an {@code ORGCTL_GITHUB_WRITE_BUDGET} setting, with a one-second margin on
     * every window; empty when the budget is off (a GitHub Enterprise Server without a ceiling).
     */
    public static Optional<ContentCeiling> of(GitHubWriteBudget budget) {
        if (budget.isOff()) {
            return Optional.empty();
        }
        return Optional.of(new ContentCeiling(budget.limits().stream()
                .map(l -> new Window(l.window(), l.max())).toList(), Duration.ofSeconds(1)));
    }

    /** The largest allowance: how many spends must be remembered to decide every window. */
    public int memory() {
        return windows.stream().mapToInt(Window::max).max().orElse(1);
    }

    /** The longest window plus the margin: older spends never matter. */
    public Duration horizon() {
        return windows.stream().map(Window::length).max(Duration::compareTo).orElseThrow().plus(margin);
    }

    /**
     * How long to wait before one more write is allowed, given the earlier spends (epoch millis,
     * ascending). Zero when it may go now. This is a token bucket whose tokens come back exactly
     * one window after they were spent: unlike a bucket refilled at a constant rate (which lets
     * capacity + rate x window through in a window) it never admits more than {@code max} in any
     * window, and it still allows the full 80 in a minute and 500 in an hour.
     */
    public long waitMillis(long[] spends, long now) {
        long wait = 0;
        for (Window w : windows) {
            long span = w.length().plus(margin).toMillis();
            int inWindow = 0;
            int first = spends.length;
            for (int i = spends.length - 1; i >= 0 && spends[i] > now - span; i--) {
                inWindow++;
                first = i;
            }
            if (inWindow >= w.max()) {
                // The oldest spend that must leave the window before one more fits.
                long leaves = spends[first + (inWindow - w.max())] + span;
                wait = Math.max(wait, leaves - now + 1);
            }
        }
        return wait;
    }

    /** The spends plus {@code now}, without those that no window can see any more. */
    public long[] spend(long[] spends, long now) {
        long oldest = now - horizon().toMillis();
        int keep = memory() - 1;
        int from = Math.max(0, spends.length - keep);
        while (from < spends.length && spends[from] <= oldest) {
            from++;
        }
        long[] out = new long[spends.length - from + 1];
        System.arraycopy(spends, from, out, 0, spends.length - from);
        out[out.length - 1] = now;
        // Replicas' clocks differ a little: keep the log sorted whatever order the spends came in.
        java.util.Arrays.sort(out);
        return out;
    }
}
