package dev.orgctl.regen;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Repository names that look like typos of one another ({@code apii} for {@code api}). */
public final class RepoNames {
    /** Edits (insert, delete, replace one character) that still count as a typo. */
    static final int MAX_EDITS = 2;

    private RepoNames() {
    }

    /** Whether {@code a} and {@code b} differ by case only or by at most {@link #MAX_EDITS} edits. */
    public static boolean close(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        return Math.abs(x.length() - y.length()) <= MAX_EDITS && distance(x, y) <= MAX_EDITS;
    }

    /** The closest of {@code names} to {@code name}, when one is {@link #close}. */
    public static Optional<String> closest(String name, Collection<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int d = distance(name.toLowerCase(Locale.ROOT), n.toLowerCase(Locale.ROOT));
            if (d < bestDistance && close(name, n)) {
                best = n;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
