package dev.orgctl.hosts.github;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a check run shows: a title, a Markdown summary, optional Markdown details and the
 * annotations on lines of files. The constructor refuses what GitHub would refuse with 422, so a
 * renderer that overflows fails here, in the process, with the field named, rather than on GitHub.
 *
 * <p>GitHub's REST description caps {@code summary} and {@code text} at 65535 characters,
 * an annotation's {@code message} and {@code raw_details} at 64 KB and its {@code title} at 255
 * characters. orgctl measures the long fields in UTF-8 bytes: never more than the characters, so a
 * text within the byte cap is within GitHub's cap however GitHub counts.
 */
public record CheckOutput(String title, String summary, Optional<String> text, List<Annotation> annotations) {
    /** {@code output.summary} and {@code output.text}: at most 65535 characters (GitHub's OpenAPI {@code maxLength}). */
    public static final int MAX_MARKDOWN = 65_535;
    /** An annotation's {@code message} and {@code raw_details}: "The maximum size is 64 KB." */
    public static final int MAX_ANNOTATION_MESSAGE = 64 * 1024;
    /** An annotation's {@code title}: "The maximum size is 255 characters." */
    public static final int MAX_ANNOTATION_TITLE = 255;
    /** The output title has no documented cap; orgctl keeps it to one line of this many characters. */
    public static final int MAX_TITLE = 255;

    public CheckOutput {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(text, "text");
        annotations = List.copyOf(annotations);
        requireWithin("output.title", title, MAX_TITLE);
        requireWithin("output.summary", summary, MAX_MARKDOWN);
        text.ifPresent(t -> requireWithin("output.text", t, MAX_MARKDOWN));
    }

    /** The level GitHub shows an annotation with. */
    public enum Level {
        NOTICE, WARNING, FAILURE;

        public String api() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A remark on lines {@code startLine..endLine} (1-based) of {@code path} in the checked commit. */
    public record Annotation(String path, int startLine, int endLine, Level level, String message,
                             Optional<String> title) {
        public Annotation {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(title, "title");
            if (startLine < 1 || endLine < startLine) {
                throw new IllegalArgumentException("annotation lines " + startLine + ".." + endLine + " of " + path
                        + ": lines start at 1 and end at or after the start");
            }
            requireWithin("annotation message", message, MAX_ANNOTATION_MESSAGE);
            title.ifPresent(t -> requireWithin("annotation title", t, MAX_ANNOTATION_TITLE));
        }
    }

    /** The UTF-8 size of {@code s}: the measure orgctl holds every capped field to. */
    public static int size(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * {@code s} cut to at most {@code max} UTF-8 bytes, ending with {@code marker} when it was cut;
     * never splits a character (a surrogate pair stays whole).
     */
    public static String fit(String s, int max, String marker) {
        if (size(s) <= max) {
            return s;
        }
        int budget = max - size(marker);
        if (budget < 0) {
            throw new IllegalArgumentException("the marker alone is longer than " + max + " bytes");
        }
        StringBuilder out = new StringBuilder();
        int used = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = size(new String(Character.toChars(cp)));
            if (used + n > budget) {
                break;
            }
            out.appendCodePoint(cp);
            used += n;
            i += Character.charCount(cp);
        }
        return out + marker;
    }

    private static void requireWithin(String field, String value, int max) {
        int size = size(value);
        if (size > max) {
            throw new IllegalArgumentException(field + " is " + size + " bytes; GitHub accepts at most " + max);
        }
    }
}
