package dev.orgctl.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * "count / total, rate, ETA" on stderr for long runs: rewritten in place on a terminal, a line
 * every few seconds otherwise (logs, CI). Silent for a handful of items.
 */
final class ProgressLine {
    private final PrintWriter err;
    private final String label;
    private final int total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private boolean printed;

    ProgressLine(PrintWriter err, String label, int total) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.terminal = System.console() != null;
    }

    synchronized void update(int done) {
        if (total < 5) {
            return;
        }
        long now = System.nanoTime();
        long interval = terminal ? 200_000_000L : 5_000_000_000L;
        if (done < total && now - lastPrint < interval) {
            return;
        }
        lastPrint = now;
        double secs = Math.max(1e-3, (now - start) / 1e9);
        double rate = done / secs;
        long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        String line = String.format("%s %d/%d  %.1f repos/s  ETA %s", label, done, total, rate,
                format(Duration.ofSeconds(eta)));
        if (terminal) {
            err.print("\r" + line + "   ");
            if (done == total) {
                err.println();
            }
        } else {
            err.println(line);
        }
        printed = true;
        err.flush();
    }

    synchronized void finish() {
        if (printed && terminal) {
            err.flush();
        }
    }

    static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
