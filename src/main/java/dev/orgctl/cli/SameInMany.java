package dev.orgctl.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Identical texts (a file's diff, a template error) seen in many repositories, kept once each with
 * the names of the repositories, in the order they first appeared: a template change reads as one
 * diff, not 300. What is held is bounded by the distinct texts, up to {@code budget} characters;
 * past it {@link #add} refuses a new text and the caller prints it on the spot.
 */
final class SameInMany {
    /** Names listed in a group's heading; the rest are counted. */
    static final int NAMES_SHOWN = 20;

    private final long budget;
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private long held;

    SameInMany(long budget) {
        this.budget = budget;
    }

    /** Records {@code text} for {@code repo}; false when it is new and over the budget (print it now). */
    boolean add(String text, String repo) {
        List<String> names = groups.get(text);
        if (names != null) {
            names.add(repo);
            return true;
        }
        if (held + text.length() > budget) {
            return false;
        }
        held += text.length();
        names = new ArrayList<>();
        names.add(repo);
        groups.put(text, names);
        return true;
    }

    boolean isEmpty() {
        return groups.isEmpty();
    }

    Map<String, List<String>> groups() {
        return groups;
    }

    /** {@code 3 repositories: api, web, worker} (names past {@link #NAMES_SHOWN} counted, not listed). */
    static String where(List<String> names) {
        StringJoiner j = new StringJoiner(", ");
        for (int i = 0; i < Math.min(names.size(), NAMES_SHOWN); i++) {
            j.add(names.get(i));
        }
        String more = names.size() > NAMES_SHOWN ? ", … (" + (names.size() - NAMES_SHOWN) + " more)" : "";
        return Plural.of(names.size(), "repository", "repositories") + ": " + j + more;
    }

    /** Prints each diff once under the repositories it applies to. */
    void printDiffs(PrintWriter out) {
        groups.forEach((diff, names) -> {
            out.println();
            out.println((names.size() > 1 ? "the same change in " : "change in ") + where(names));
            out.print(diff);
        });
    }
}
