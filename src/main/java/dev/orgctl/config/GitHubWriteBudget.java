package dev.orgctl.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The ceiling orgctl keeps its content-creating GitHub requests under ({@code
 * ORGCTL_GITHUB_WRITE_BUDGET}). github.com allows 80 a minute and 500 an hour per account, the
 * default. GitHub Enterprise Server has no such ceiling unless its admin set one, so there it is
 * {@code off} (no pacing, no shared bookkeeping in NATS) or the admin's numbers.
 *
 * @param limits at most {@link Limit#max} writes in any {@link Limit#window}; empty means off
 */
public record GitHubWriteBudget(List<Limit> limits) {
    /** github.com's ceiling, from "Rate limits for the REST API" (secondary limits). */
    public static final String GITHUB_COM = "80/min,500/h";
    private static final Pattern LIMIT = Pattern.compile("(\\d+)/(\\d*)([a-z]+)");

    /** At most {@code max} writes in any {@code window}. */
    public record Limit(int max, Duration window) {
        public Limit {
            if (max < 1 || window.isZero() || window.isNegative()) {
                throw new IllegalArgumentException("a write limit needs at least one write and a window longer than zero");
            }
        }
    }

    public GitHubWriteBudget {
        limits = List.copyOf(limits);
    }

    public static GitHubWriteBudget off() {
        return new GitHubWriteBudget(List.of());
    }

    public static GitHubWriteBudget githubCom() {
        return parse(GITHUB_COM);
    }

    public boolean isOff() {
        return limits.isEmpty();
    }

    /**
     * {@code off}, or comma-separated {@code N/WINDOW} limits: {@code 80/min,500/h}, {@code 5000/1h},
     * {@code 20/10s}. A window without a number is one of its unit; {@code min} is minutes.
     *
     * @throws IllegalArgumentException one line naming the value and what is allowed
     */
    public static GitHubWriteBudget parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("off")) {
            return off();
        }
        List<Limit> limits = new ArrayList<>();
        for (String part : t.split(",", -1)) {
            Matcher m = LIMIT.matcher(part.trim());
            if (!m.matches()) {
                throw notABudget(text);
            }
            String unit = m.group(3).equals("min") ? "m" : m.group(3);
            try {
                Duration window = Durations.parse((m.group(2).isEmpty() ? "1" : m.group(2)) + unit);
                limits.add(new Limit(Integer.parseInt(m.group(1)), window));
            } catch (IllegalArgumentException e) { // bad unit, zero window or allowance, overflow
                throw notABudget(text);
            }
        }
        return new GitHubWriteBudget(limits);
    }

    private static IllegalArgumentException notABudget(String text) {
        return new IllegalArgumentException("'" + text + "' is not a write budget; expected off, or writes per window "
                + "comma-separated such as " + GITHUB_COM + " (github.com) or 5000/1h (windows in s, min, h or d)");
    }

    /** The canonical spelling, parseable again: {@code off} or {@code 80/1m,500/1h}. */
    @Override
    public String toString() {
        return isOff() ? "off" : limits.stream().map(l -> l.max() + "/" + Durations.format(l.window()))
                .collect(Collectors.joining(","));
    }
}
