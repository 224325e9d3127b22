package dev.orgctl.regen;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the text of a {@code <% %>} tag into {@link Expression} nodes, by recursive descent with
 * the precedence or &lt; and &lt; not &lt; comparison &lt; filtered primary. Errors name the file, the
 * line and the whole expression.
 */
final class ExpressionParser {
    private final String src;
    private final String file;
    private final int line;
    private int pos;

    private ExpressionParser(String src, String file, int line) {
        this.src = src;
        this.file = file;
        this.line = line;
    }

    static Expression parse(String text, String file, int line) {
        ExpressionParser p = new ExpressionParser(text, file, line);
        Expression e = p.orExpr();
        p.expectEnd();
        return e;
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

    private void expectEnd() {
        skipSpace();
        if (pos < src.length()) {
            throw error("unexpected '" + src.substring(pos) + "'");
        }
    }

    private Expression orExpr() {
        int start = pos;
        Expression left = andExpr();
        while (acceptWord("or")) {
            Expression right = andExpr();
            left = new Expression.Logic(false, left, right, src.substring(start, pos).trim(), file, line);
        }
        return left;
    }

    private Expression andExpr() {
        int start = pos;
        Expression left = notExpr();
        while (acceptWord("and")) {
            Expression right = notExpr();
            left = new Expression.Logic(true, left, right, src.substring(start, pos).trim(), file, line);
        }
        return left;
    }

    private Expression notExpr() {
        int start = pos;
        if (acceptWord("not")) {
            Expression inner = notExpr();
            return new Expression.Not(inner, src.substring(start, pos).trim(), file, line);
        }
        return comparison();
    }

    private Expression comparison() {
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
        return new Expression.Compare(op, left, right, src.substring(start, pos).trim(), file, line);
    }

    private Expression filtered() {
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
                Filters filter = Filters.named(name, file, line);
                e = new Expression.Filter(e, filter, args, src.substring(start, pos).trim(), file, line);
            } else {
                return e;
            }
        }
    }

    private Expression primary() {
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
            return new Expression.Literal(string(c), src.substring(start, pos), file, line);
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
            return new Expression.Literal(value, num, file, line);
        }
        if (acceptWord("true")) {
            return new Expression.Literal(true, "true", file, line);
        }
        if (acceptWord("false")) {
            return new Expression.Literal(false, "false", file, line);
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
            return new Expression.Path(segments, file, line);
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
