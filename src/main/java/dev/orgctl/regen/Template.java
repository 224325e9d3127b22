package dev.orgctl.regen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * orgctl's template language: a small, safe engine with no access to anything but the values it
 * is given. Syntax (full reference with examples in docs/templates.md):
 *
 * <ul>
 *   <li>{@code <%= expr %>} inserts a value, e.g. {@code <%= repo.name %>},
 *       {@code <%= repo.topics | join(", ") %>}, {@code <%= vars.owner | default("@acme/platform") %>};</li>
 *   <li>{@code <% if expr %>} ... {@code <% elif expr %>} ... {@code <% else %>} ... {@code <% end %>};</li>
 *   <li>{@code <% for x in expr %>} ... {@code <% end %>} (with {@code loop.index}, {@code loop.first},
 *       {@code loop.last});</li>
 *   <li>{@code <%# comment %>}; {@code <%%} writes a literal {@code <%}.</li>
 * </ul>
 *
 * Everything else is copied byte for byte, in particular GitHub Actions expressions
 * {@code ${{ ... }}}, Go/Helm {@code {{ }}}, Jinja {@code {% %}}, shell {@code ${VAR}}: the delimiter
 * {@code <%} appears in none of them. A line holding only a statement or comment tag (and
 * whitespace) disappears entirely, so control flow does not leave blank lines in YAML.
 *
 * <p>A template is parsed once ({@link #parse}) and rendered many times; it is immutable and
 * thread-safe. Unknown variables, unknown filters and syntax errors are {@link TemplateException}s
 * naming the template file and line.
 */
public final class Template {
    private final String name;
    private final List<Node> nodes;
    private final boolean plain;

    private Template(String name, List<Node> nodes, boolean plain) {
        this.name = name;
        this.nodes = nodes;
        this.plain = plain;
    }

    /** The template's file name, used in error messages. */
    public String name() {
        return name;
    }

    /** Whether the template contains no orgctl syntax at all (renders to itself). */
    public boolean isPlain() {
        return plain;
    }

    public static Template parse(String name, String source) {
        Objects.requireNonNull(source, "source");
        return new Parser(name, source).parse();
    }

    /** Renders with the given root values (see {@link TemplateValues}). */
    public String render(Map<String, Object> values) {
        StringBuilder out = new StringBuilder();
        Scope scope = new Scope(name, values);
        for (Node n : nodes) {
            n.render(scope, out);
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // Nodes

    sealed interface Node permits Text, Output, If, For {
        void render(Scope scope, StringBuilder out);
    }

    record Text(String text) implements Node {
        @Override
        public void render(Scope scope, StringBuilder out) {
            out.append(text);
        }
    }

    record Output(Expression expr, int line) implements Node {
        @Override
        public void render(Scope scope, StringBuilder out) {
            out.append(Values.display(expr.eval(scope), scope.file(), line, expr.source()));
        }
    }

    record Branch(Expression condition, List<Node> body) {
    }

    record If(List<Branch> branches, List<Node> otherwise) implements Node {
        @Override
        public void render(Scope scope, StringBuilder out) {
            for (Branch b : branches) {
                if (Values.truthy(b.condition().eval(scope), scope.file(), b.condition().line(),
                        b.condition().source())) {
                    for (Node n : b.body()) {
                        n.render(scope, out);
                    }
                    return;
                }
            }
            for (Node n : otherwise) {
                n.render(scope, out);
            }
        }
    }

    record For(String variable, Expression iterable, List<Node> body, int line) implements Node {
        @Override
        public void render(Scope scope, StringBuilder out) {
            Object v = iterable.eval(scope);
            List<?> items = Values.iterable(v, scope.file(), line, iterable.source());
            for (int i = 0; i < items.size(); i++) {
                scope.push(variable, items.get(i), i, items.size());
                try {
                    for (Node n : body) {
                        n.render(scope, out);
                    }
                } finally {
                    scope.pop();
                }
            }
        }
    }

    /** Variables visible while rendering: the root values and the loop variables in scope. */
    static final class Scope {
        private final String file;
        private final Map<String, Object> root;
        private final ArrayList<Object[]> locals = new ArrayList<>();

        Scope(String file, Map<String, Object> root) {
            this.file = file;
            this.root = root;
        }

        String file() {
            return file;
        }

        void push(String name, Object value, int index, int size) {
            Map<String, Object> loop = Map.of("index", (long) index + 1, "index0", (long) index,
                    "first", index == 0, "last", index == size - 1, "length", (long) size);
            locals.add(new Object[] {name, value, loop});
        }

        void pop() {
            locals.remove(locals.size() - 1);
        }

        /** The value of a first path segment, or {@link Values#UNDEFINED}. */
        Object lookup(String first) {
            for (int i = locals.size() - 1; i >= 0; i--) {
                Object[] l = locals.get(i);
                if (l[0].equals(first)) {
                    return l[1];
                }
            }
            if (first.equals("loop") && !locals.isEmpty()) {
                return locals.get(locals.size() - 1)[2];
            }
            if (root.containsKey(first)) {
                Object v = root.get(first);
                return v == null ? Values.NULL : v;
            }
            return Values.UNDEFINED;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Parser

    private static final class Parser {
        private final String name;
        private final String src;
        private final int[] lineStarts;
        private boolean plain = true;

        Parser(String name, String src) {
            this.name = name;
            this.src = src;
            List<Integer> starts = new ArrayList<>();
            starts.add(0);
            for (int i = 0; i < src.length(); i++) {
                if (src.charAt(i) == '\n') {
                    starts.add(i + 1);
                }
            }
            lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        }

        int line(int offset) {
            int i = Arrays.binarySearch(lineStarts, offset);
            return i >= 0 ? i + 1 : -(i + 1);
        }

        /** A block being filled: the root, an if (with its branches so far) or a for. */
        private static final class Frame {
            final String kind;
            final int line;
            final List<Node> body = new ArrayList<>();
            final List<Branch> branches = new ArrayList<>();
            Expression condition;
            List<Node> otherwise;
            String variable;
            Expression iterable;

            Frame(String kind, int line) {
                this.kind = kind;
                this.line = line;
            }

            List<Node> current() {
                return otherwise != null ? otherwise : body;
            }
        }

        Template parse() {
            ArrayList<Frame> stack = new ArrayList<>();
            stack.add(new Frame("root", 0));
            StringBuilder text = new StringBuilder();
            int pos = 0;
            while (pos < src.length()) {
                int open = src.indexOf("<%", pos);
                if (open < 0) {
                    text.append(src, pos, src.length());
                    break;
                }
                plain = false;
                if (open + 2 < src.length() && src.charAt(open + 2) == '%') {
                    text.append(src, pos, open).append("<%");
                    pos = open + 3;
                    continue;
                }
                int close = findClose(open);
                char kind = open + 2 < close ? src.charAt(open + 2) : ' ';
                int tagLine = line(open);
                if (kind == '=') {
                    text.append(src, pos, open);
                    flush(text, stack);
                    String body = src.substring(open + 3, close).trim();
                    if (body.isEmpty()) {
                        throw new TemplateException(name, tagLine, "empty <%= %>: name a value to insert");
                    }
                    top(stack).current().add(new Output(Expression.parse(body, name, tagLine), tagLine));
                    pos = close + 2;
                    continue;
                }
                // Statement or comment: a line holding only this tag disappears with its newline.
                int lineStart = src.lastIndexOf('\n', open - 1) + 1;
                int lineEnd = src.indexOf('\n', close + 2);
                int afterLine = lineEnd < 0 ? src.length() : lineEnd + 1;
                boolean standalone = lineStart >= pos && isBlank(lineStart, open)
                        && isBlank(close + 2, lineEnd < 0 ? src.length() : lineEnd);
                text.append(src, pos, standalone ? lineStart : open);
                pos = standalone ? afterLine : close + 2;
                if (kind == '#') {
                    continue;
                }
                flush(text, stack);
                statement(src.substring(open + 2, close).trim(), tagLine, stack);
            }
            flush(text, stack);
            if (stack.size() > 1) {
                Frame f = top(stack);
                throw new TemplateException(name, f.line, "'" + f.kind + "' is never closed: add <% end %>");
            }
            return new Template(name, List.copyOf(stack.get(0).body), plain);
        }

        private boolean isBlank(int from, int to) {
            for (int i = from; i < to; i++) {
                char c = src.charAt(i);
                if (c != ' ' && c != '\t' && c != '\r') {
                    return false;
                }
            }
            return true;
        }

        /** The {@code %>} closing the tag opened at {@code open}, skipping quoted strings. */
        private int findClose(int open) {
            char quote = 0;
            for (int i = open + 2; i < src.length(); i++) {
                char c = src.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '%' && i + 1 < src.length() && src.charAt(i + 1) == '>') {
                    return i;
                } else if (c == '\n' && src.charAt(open + 2) != '#') {
                    break;
                }
            }
            throw new TemplateException(name, line(open), "'<%' is not closed by '%>' on the same line "
                    + "(write '<%%' for a literal '<%')");
        }

        private static Frame top(List<Frame> stack) {
            return stack.get(stack.size() - 1);
        }

        private static void flush(StringBuilder text, List<Frame> stack) {
            if (text.length() > 0) {
                top(stack).current().add(new Text(text.toString()));
                text.setLength(0);
            }
        }

        private void statement(String stmt, int line, List<Frame> stack) {
            String word = stmt.split("\\s+", 2)[0];
            String rest = stmt.substring(word.length()).trim();
            Frame top = top(stack);
            switch (word) {
                case "if": {
                    Frame f = new Frame("if", line);
                    f.condition = Expression.parse(required(rest, "if", line), name, line);
                    stack.add(f);
                    return;
                }
                case "elif": {
                    if (!top.kind.equals("if") || top.otherwise != null) {
                        throw new TemplateException(name, line, "'elif' without an open 'if'");
                    }
                    top.branches.add(new Branch(top.condition, List.copyOf(top.body)));
                    top.body.clear();
                    top.condition = Expression.parse(required(rest, "elif", line), name, line);
                    return;
                }
                case "else": {
                    if (!top.kind.equals("if") || top.otherwise != null) {
                        throw new TemplateException(name, line, "'else' without an open 'if'");
                    }
                    if (!rest.isEmpty()) {
                        throw new TemplateException(name, line, "'else' takes no condition (use 'elif')");
                    }
                    top.otherwise = new ArrayList<>();
                    return;
                }
                case "for": {
                    java.util.regex.Matcher m = java.util.regex.Pattern
                            .compile("([A-Za-z_][A-Za-z0-9_]*)\\s+in\\s+(.+)", java.util.regex.Pattern.DOTALL)
                            .matcher(rest);
                    if (!m.matches()) {
                        throw new TemplateException(name, line, "expected '<% for NAME in EXPRESSION %>', got '"
                                + stmt + "'");
                    }
                    Frame f = new Frame("for", line);
                    f.variable = m.group(1);
                    f.iterable = Expression.parse(m.group(2), name, line);
                    stack.add(f);
                    return;
                }
                case "end":
                case "endif":
                case "endfor": {
                    if (stack.size() == 1) {
                        throw new TemplateException(name, line, "'" + word + "' without an open 'if' or 'for'");
                    }
                    if (!rest.isEmpty()) {
                        throw new TemplateException(name, line, "'" + word + "' takes nothing after it");
                    }
                    if (!word.equals("end") && !word.equals("end" + top.kind)) {
                        throw new TemplateException(name, line, "'" + word + "' closes the '" + top.kind
                                + "' opened on line " + top.line);
                    }
                    stack.remove(stack.size() - 1);
                    Node node;
                    if (top.kind.equals("if")) {
                        List<Branch> branches = new ArrayList<>(top.branches);
                        if (top.otherwise != null) {
                            branches.add(new Branch(top.condition, List.copyOf(top.body)));
                            node = new If(List.copyOf(branches), List.copyOf(top.otherwise));
                        } else {
                            branches.add(new Branch(top.condition, List.copyOf(top.body)));
                            node = new If(List.copyOf(branches), List.of());
                        }
                    } else {
                        node = new For(top.variable, top.iterable, List.copyOf(top.body), top.line);
                    }
                    top(stack).current().add(node);
                    return;
                }
                default:
                    throw new TemplateException(name, line, "unknown statement '" + word
                            + "': expected if, elif, else, end, for (or <%= value %> to insert a value)");
            }
        }

        private String required(String rest, String word, int line) {
            if (rest.isEmpty()) {
                throw new TemplateException(name, line, "'" + word + "' needs a condition");
            }
            return rest;
        }
    }
}
