package dev.orgctl.regen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Expressions inside {@code <% %>} tags: dotted names ({@code repo.name}, {@code vars.team.lead}),
 * string, number and boolean literals, {@code ==}, {@code !=}, {@code in}, {@code not in},
 * {@code and}, {@code or}, {@code not}, parentheses, and filters ({@code value | join(", ")}).
 */
abstract class Expression {
    /** The value of a name that does not exist: an error wherever it is used, except {@code default}. */
    static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "undefined";
        }
    };
    /** An explicit null (a YAML {@code ~} or empty value). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String file;
    private final int line;

    Expression(String source, String file, int line) {
        this.source = source;
        this.file = file;
        this.line = line;
    }

    String source() {
        return source;
    }

    int line() {
        return line;
    }

    String file() {
        return file;
    }

    abstract Object eval(Template.Scope scope);

    static Expression parse(String text, String file, int line) {
        ExprParser p = new ExprParser(text, file, line);
        Expression e = p.orExpr();
        p.expectEnd();
        return e;
    }

    // ---------------------------------------------------------------------------------------------
    // Value semantics

    static String display(Object v, String file, int line, String expr) {
        if (v == UNDEFINED) {
            throw undefined(file, line, expr);
        }
        if (v == NULL || v == null) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Boolean || v instanceof Long || v instanceof Integer) {
            return v.toString();
        }
        if (v instanceof Number n) {
            return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
        }
        if (v instanceof Collection) {
            throw new TemplateException(file, line, "'" + expr + "' is a list: write '" + expr
                    + " | join(\", \")' or loop over it with <% for %>");
        }
        if (v instanceof Map) {
            throw new TemplateException(file, line, "'" + expr + "' is a map: name one of its keys ("
                    + String.join(", ", keys(v)) + ")");
        }
        return v.toString();
    }

    static boolean truthy(Object v, String file, int line, String expr) {
        if (v == UNDEFINED) {
            throw undefined(file, line, expr);
        }
        if (v == NULL || v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    static List<?> iterable(Object v, String file, int line, String expr) {
        if (v == UNDEFINED) {
            throw undefined(file, line, expr);
        }
        if (v == NULL || v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return l;
        }
        if (v instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        if (v instanceof Map<?, ?> m) {
            List<Object> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
                entries.add(Map.of("key", e.getKey(), "value", e.getValue() == null ? NULL : e.getValue()));
            }
            return entries;
        }
        throw new TemplateException(file, line, "cannot loop over '" + expr + "': it is not a list or map");
    }

    private static boolean equal(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        if ((a == NULL || a == null) && (b == NULL || b == null)) {
            return true;
        }
        if (a instanceof String || b instanceof String) {
            return scalarString(a).equals(scalarString(b));
        }
        return a != null && a.equals(b);
    }

    private static String scalarString(Object o) {
        if (o == null || o == NULL) {
            return "";
        }
        if (o instanceof Number n && !(o instanceof Long) && !(o instanceof Integer)) {
            return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
        }
        return o.toString();
    }

    private static List<String> keys(Object m) {
        List<String> out = new ArrayList<>();
        for (Object k : ((Map<?, ?>) m).keySet()) {
            out.add(String.valueOf(k));
        }
        out.sort(null);
        return out;
    }

    static TemplateException undefined(String file, int line, String expr) {
        return new TemplateException(file, line, "unknown variable '" + expr + "' (built-ins: org, repo.name, "
                + "repo.full_name, repo.default_branch, repo.topics, repo.visibility, repo.language, "
                + "templates.repo; values from orgctl.yaml: vars.<name>; use '| default(...)' for optional values)");
    }

    // ---------------------------------------------------------------------------------------------
    // Nodes

    static final class Literal extends Expression {
        private final Object value;

        Literal(Object value, String source, String file, int line) {
            super(source, file, line);
            this.value = value;
        }

        @Override
        Object eval(Template.Scope scope) {
            return value;
        }
    }

    static final class Path extends Expression {
        private final List<String> segments;

        Path(List<String> segments, String file, int line) {
            super(String.join(".", segments), file, line);
            this.segments = List.copyOf(segments);
        }

        @Override
        Object eval(Template.Scope scope) {
            Object v = scope.lookup(segments.get(0));
            for (int i = 1; i < segments.size() && v != UNDEFINED; i++) {
                if (v instanceof Map<?, ?> m && m.containsKey(segments.get(i))) {
                    Object next = m.get(segments.get(i));
                    v = next == null ? NULL : next;
                } else {
                    v = UNDEFINED;
                }
            }
            return v;
        }
    }

    static final class Not extends Expression {
        private final Expression inner;

        Not(Expression inner, String source, String file, int line) {
            super(source, file, line);
            this.inner = inner;
        }

        @Override
        Object eval(Template.Scope scope) {
            return !truthy(inner.eval(scope), file(), line(), inner.source());
        }
    }

    static final class Logic extends Expression {
        private final boolean and;
        private final Expression left;
        private final Expression right;

        Logic(boolean and, Expression left, Expression right, String source, String file, int line) {
            super(source, file, line);
            this.and = and;
            this.left = left;
            this.right = right;
        }

        @Override
        Object eval(Template.Scope scope) {
            boolean l = truthy(left.eval(scope), file(), line(), left.source());
            if (and ? !l : l) {
                return l;
            }
            return truthy(right.eval(scope), file(), line(), right.source());
        }
    }

    static final class Compare extends Expression {
        private final String op;
        private final Expression left;
        private final Expression right;

        Compare(String op, Expression left, Expression right, String source, String file, int line) {
            super(source, file, line);
            this.op = op;
            this.left = left;
            this.right = right;
        }

        @Override
        Object eval(Template.Scope scope) {
            Object l = left.eval(scope);
            Object r = right.eval(scope);
            if (l == UNDEFINED) {
                throw undefined(file(), line(), left.source());
            }
            if (r == UNDEFINED) {
                throw undefined(file(), line(), right.source());
            }
            switch (op) {
                case "==":
                    return equal(l, r);
                case "!=":
                    return !equal(l, r);
                case "in":
                    return contains(r, l);
                case "not in":
                    return !contains(r, l);
                default:
                    throw new IllegalStateException(op);
            }
        }

        private boolean contains(Object container, Object item) {
            if (container instanceof Collection<?> c) {
                for (Object o : c) {
                    if (equal(o, item)) {
                        return true;
                    }
                }
                return false;
            }
            if (container instanceof Map<?, ?> m) {
                return m.containsKey(scalarString(item));
            }
            if (container instanceof String s) {
                return s.contains(scalarString(item));
            }
            if (container == NULL || container == null) {
                return false;
            }
            throw new TemplateException(file(), line(), "'" + right.source() + "' is not a list, map or string: "
                    + "cannot use 'in'");
        }
    }

    static final class Filter extends Expression {
        private final Expression input;
        private final String name;
        private final List<Expression> args;

        Filter(Expression input, String name, List<Expression> args, String source, String file, int line) {
            super(source, file, line);
            this.input = input;
            this.name = name;
            this.args = List.copyOf(args);
            int[] arity = arity(name);
            if (arity == null) {
                throw new TemplateException(file, line, "unknown filter '" + name + "' (filters: upper, lower, trim, "
                        + "join, default, json, replace)");
            }
            if (args.size() < arity[0] || args.size() > arity[1]) {
                throw new TemplateException(file, line, "filter '" + name + "' takes "
                        + (arity[0] == arity[1] ? arity[0] : arity[0] + " to " + arity[1]) + " argument(s), got "
                        + args.size());
            }
        }

        private static int[] arity(String name) {
            switch (name) {
                case "upper":
                case "lower":
                case "trim":
                case "json":
                    return new int[] {0, 0};
                case "join":
                    return new int[] {0, 1};
                case "default":
                    return new int[] {1, 1};
                case "replace":
                    return new int[] {2, 2};
                default:
                    return null;
            }
        }

        @Override
        Object eval(Template.Scope scope) {
            Object v = input.eval(scope);
            if (name.equals("default")) {
                return v == UNDEFINED || v == NULL || v == null || "".equals(v) ? args.get(0).eval(scope) : v;
            }
            if (v == UNDEFINED) {
                throw undefined(file(), line(), input.source());
            }
            switch (name) {
                case "upper":
                    return display(v, file(), line(), input.source()).toUpperCase(Locale.ROOT);
                case "lower":
                    return display(v, file(), line(), input.source()).toLowerCase(Locale.ROOT);
                case "trim":
                    return display(v, file(), line(), input.source()).strip();
                case "replace":
                    return display(v, file(), line(), input.source()).replace(
                            display(args.get(0).eval(scope), file(), line(), args.get(0).source()),
                            display(args.get(1).eval(scope), file(), line(), args.get(1).source()));
                case "join": {
                    String sep = args.isEmpty() ? ", "
                            : display(args.get(0).eval(scope), file(), line(), args.get(0).source());
                    List<String> parts = new ArrayList<>();
                    for (Object o : iterable(v, file(), line(), input.source())) {
                        parts.add(display(o, file(), line(), input.source() + " item"));
                    }
                    return String.join(sep, parts);
                }
                case "json":
                    try {
                        return JSON.writeValueAsString(v == NULL ? null : v);
                    } catch (JsonProcessingException e) {
                        throw new TemplateException(file(), line(), "cannot write '" + input.source() + "' as JSON");
                    }
                default:
                    throw new IllegalStateException(name);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Parser: or > and > not > comparison > filtered primary

    private static final class ExprParser {
        private final String src;
        private final String file;
        private final int line;
        private int pos;

        ExprParser(String src, String file, int line) {
            this.src = src;
            this.file = file;
            this.line = line;
        }

        private TemplateException error(String what) {
            return new TemplateException(file, line, what + " in '" + src + "'");
        }

        private void skipSpace() {
            while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
                pos++;
            }
        }

        private boolean peekWord(String w) {
            skipSpace();
            if (!src.startsWith(w, pos)) {
                return false;
            }
            int end = pos + w.length();
            return end >= src.length() || !isIdentPart(src.charAt(end));
        }

        private boolean acceptWord(String w) {
            if (peekWord(w)) {
                pos += w.length();
                return true;
            }
            return false;
        }

        private boolean accept(String sym) {
            skipSpace();
            if (src.startsWith(sym, pos)) {
                pos += sym.length();
                return true;
            }
            return false;
        }

        void expectEnd() {
            skipSpace();
            if (pos < src.length()) {
                throw error("unexpected '" + src.substring(pos) + "'");
            }
        }

        Expression orExpr() {
            int start = pos;
            Expression left = andExpr();
            while (acceptWord("or")) {
                Expression right = andExpr();
                left = new Logic(false, left, right, src.substring(start, pos).trim(), file, line);
            }
            return left;
        }

        Expression andExpr() {
            int start = pos;
            Expression left = notExpr();
            while (acceptWord("and")) {
                Expression right = notExpr();
                left = new Logic(true, left, right, src.substring(start, pos).trim(), file, line);
            }
            return left;
        }

        Expression notExpr() {
            int start = pos;
            if (acceptWord("not")) {
                Expression inner = notExpr();
                return new Not(inner, src.substring(start, pos).trim(), file, line);
            }
            return comparison();
        }

        Expression comparison() {
            int start = pos;
            Expression left = filtered();
            String op = null;
            if (accept("==")) {
                op = "==";
            } else if (accept("!=")) {
                op = "!=";
            } else if (acceptWord("in")) {
                op = "in";
            } else {
                int save = pos;
                if (acceptWord("not")) {
                    if (acceptWord("in")) {
                        op = "not in";
                    } else {
                        pos = save;
                    }
                }
            }
            if (op == null) {
                return left;
            }
            Expression right = filtered();
            return new Compare(op, left, right, src.substring(start, pos).trim(), file, line);
        }

        Expression filtered() {
            int start = pos;
            Expression e = primary();
            while (true) {
                skipSpace();
                if (pos < src.length() && src.charAt(pos) == '|') {
                    pos++;
                    String name = identifier();
                    List<Expression> args = new ArrayList<>();
                    if (accept("(")) {
                        if (!accept(")")) {
                            do {
                                args.add(orExpr());
                            } while (accept(","));
                            if (!accept(")")) {
                                throw error("expected ')' after the arguments of '" + name + "'");
                            }
                        }
                    }
                    e = new Filter(e, name, args, src.substring(start, pos).trim(), file, line);
                } else {
                    return e;
                }
            }
        }

        Expression primary() {
            skipSpace();
            if (pos >= src.length()) {
                throw error("expected a value");
            }
            int start = pos;
            char c = src.charAt(pos);
            if (c == '(') {
                pos++;
                Expression e = orExpr();
                if (!accept(")")) {
                    throw error("expected ')'");
                }
                return e;
            }
            if (c == '"' || c == '\'') {
                return new Literal(string(c), src.substring(start, pos), file, line);
            }
            if (Character.isDigit(c) || (c == '-' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1)))) {
                pos++;
                while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '.')) {
                    pos++;
                }
                String num = src.substring(start, pos);
                Object value;
                try {
                    value = num.contains(".") ? (Object) Double.valueOf(num) : (Object) Long.valueOf(num);
                } catch (NumberFormatException ex) {
                    throw error("bad number '" + num + "'");
                }
                return new Literal(value, num, file, line);
            }
            if (acceptWord("true")) {
                return new Literal(true, "true", file, line);
            }
            if (acceptWord("false")) {
                return new Literal(false, "false", file, line);
            }
            if (Character.isLetter(c) || c == '_') {
                List<String> segments = new ArrayList<>();
                segments.add(identifier());
                while (pos < src.length() && src.charAt(pos) == '.') {
                    pos++;
                    segments.add(identifier());
                }
                for (String s : segments) {
                    if (s.equals("and") || s.equals("or") || s.equals("not") || s.equals("in")) {
                        throw error("'" + s + "' is a keyword, not a value");
                    }
                }
                return new Path(segments, file, line);
            }
            throw error("unexpected '" + c + "'");
        }

        private String identifier() {
            skipSpace();
            int start = pos;
            if (pos < src.length() && (Character.isLetter(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
                while (pos < src.length() && isIdentPart(src.charAt(pos))) {
                    pos++;
                }
            }
            if (start == pos) {
                throw error("expected a name");
            }
            return src.substring(start, pos);
        }

        private static boolean isIdentPart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '-';
        }

        private String string(char quote) {
            StringBuilder sb = new StringBuilder();
            pos++;
            while (pos < src.length()) {
                char c = src.charAt(pos++);
                if (c == quote) {
                    return sb.toString();
                }
                if (c == '\\' && pos < src.length()) {
                    char e = src.charAt(pos++);
                    switch (e) {
                        case 'n':
                            sb.append('\n');
                            break;
                        case 't':
                            sb.append('\t');
                            break;
                        default:
                            sb.append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
            throw error("unterminated string");
        }
    }
}
