package dev.orgctl.regen;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the generated-file header can go without changing what a file means: after whatever a
 * tool reads only at the very top. In order, kept first:
 *
 * <ul>
 *   <li>a UTF-8 byte order mark (it must stay at offset 0);</li>
 *   <li>an XML declaration {@code <?xml ... ?>} (on the same line as the root element, as in a
 *       one-line SVG, the header goes on a line of its own after it);</li>
 *   <li>a {@code #!} shebang;</li>
 *   <li>a Python/Ruby encoding cookie ({@code # -*- coding: latin-1 -*-}), which PEP 263 only
 *       honours on line 1 or 2;</li>
 *   <li>Dockerfile parser directives ({@code # syntax=}, {@code # escape=}, {@code # check=}),
 *       which stop being directives after the first comment;</li>
 *   <li>YAML {@code %YAML} / {@code %TAG} directives, up to their {@code ---};</li>
 *   <li>front matter ({@code ---} ... {@code ---}) in Markdown and HTML.</li>
 * </ul>
 *
 * Where there is no safe place (an unclosed XML declaration, directives whose document starts on
 * the {@code ---} line) there is a refusal instead: no header, and the reason for the plan.
 */
record HeaderPlace(int offset, Optional<String> refusal) {
    private static final Pattern CODING = Pattern.compile("^[ \\t\\f]*#.*?coding[:=][ \\t]*[-\\w.]+.*");
    private static final Pattern DOCKER_DIRECTIVE = Pattern.compile("^#[ \\t]*(syntax|escape|check)[ \\t]*=.*",
            Pattern.CASE_INSENSITIVE);

    static HeaderPlace at(int offset) {
        return new HeaderPlace(offset, Optional.empty());
    }

    static HeaderPlace none(String why) {
        return new HeaderPlace(0, Optional.of("no header: " + why));
    }

    static HeaderPlace find(String path, String body, CommentStyle style) {
        int pos = body.startsWith("\uFEFF") ? 1 : 0;
        if (body.startsWith("<?xml", pos)) {
            int close = body.indexOf("?>", pos);
            if (close < 0) {
                return none("the XML declaration is not closed");
            }
            pos = close + 2;
            int eol = lineEnd(body, pos);
            if (body.substring(pos, eol).isBlank()) {
                pos = next(body, eol);
            }
            return at(pos);
        }
        if (body.startsWith("#!", pos)) {
            pos = next(body, lineEnd(body, pos));
        }
        if (style == CommentStyle.HASH) {
            // PEP 263: an encoding cookie counts on line 1 or 2 only.
            int first = bomless(body);
            int second = next(body, lineEnd(body, first));
            if (second < body.length() && CODING.matcher(line(body, second)).matches()) {
                return at(next(body, lineEnd(body, second)));
            }
            if (CODING.matcher(line(body, first)).matches()) {
                return at(next(body, lineEnd(body, first)));
            }
        }
        if (isDockerfile(path)) {
            while (pos < body.length() && DOCKER_DIRECTIVE.matcher(line(body, pos)).matches()) {
                pos = next(body, lineEnd(body, pos));
            }
            return at(pos);
        }
        if (style == CommentStyle.HASH && (body.startsWith("%YAML", pos) || body.startsWith("%TAG", pos))) {
            while (pos < body.length()) {
                String l = line(body, pos).stripTrailing();
                if (l.equals("---") || l.startsWith("--- #") || l.startsWith("---\t#")) {
                    return at(next(body, lineEnd(body, pos)));
                }
                if (l.startsWith("---")) {
                    return none("the YAML document starts on its '---' line, right after the %YAML directive");
                }
                pos = next(body, lineEnd(body, pos));
            }
            return none("%YAML directive without the '---' that must follow it");
        }
        if (style == CommentStyle.HTML && line(body, pos).stripTrailing().equals("---")) {
            int from = next(body, lineEnd(body, pos));
            while (from < body.length()) {
                if (line(body, from).strip().equals("---")) {
                    return at(next(body, lineEnd(body, from)));
                }
                from = next(body, lineEnd(body, from));
            }
        }
        return at(pos);
    }

    private static boolean isDockerfile(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        String lower = file.toLowerCase(Locale.ROOT);
        return file.equals("Dockerfile") || file.equals("Containerfile") || file.startsWith("Dockerfile.")
                || file.startsWith("Containerfile.") || lower.endsWith(".dockerfile");
    }

    private static int bomless(String body) {
        return body.startsWith("\uFEFF") ? 1 : 0;
    }

    /** The end of the line starting at {@code from}: the index of its '\n' (or the end of the body). */
    private static int lineEnd(String body, int from) {
        int nl = body.indexOf('\n', from);
        return nl < 0 ? body.length() : nl;
    }

    /** The start of the next line after a line ending at {@code eol}. */
    private static int next(String body, int eol) {
        return Math.min(body.length(), eol + 1);
    }

    /** The line at {@code from}, without its line ending. */
    private static String line(String body, int from) {
        int eol = lineEnd(body, from);
        String l = body.substring(from, eol);
        return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
    }
}
