package dev.orgctl.testing.github;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough GraphQL for the fake to answer the documents orgctl really sends: operations
 * (query/mutation, named or not, with variable definitions), fields with aliases and arguments
 * (literals, variables, lists, input objects), inline fragments and named fragments. The executor
 * walks the selection set over resolver results, collects resolver errors with their path and
 * nulls the field, exactly as a GraphQL server does. No validation against a schema: a field the
 * resolver does not know is an error, which is enough to catch a typo in orgctl's queries.
 */
final class MiniGraphQL {

    /** An error a resolver raises; becomes one entry of {@code errors} with {@code type}. */
    static final class GraphQLError extends RuntimeException {
        final String type;

        GraphQLError(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    sealed interface Selection permits Field, InlineFragment, FragmentSpread {
    }

    record Field(String alias, String name, Map<String, Object> args, List<Selection> selections) implements Selection {
        String key() {
            return alias == null ? name : alias;
        }
    }

    record InlineFragment(String typeCondition, List<Selection> selections) implements Selection {
    }

    record FragmentSpread(String name) implements Selection {
    }

    record Fragment(String name, String typeCondition, List<Selection> selections) {
    }

    record Operation(String type, String name, List<Selection> selections) {
    }

    record Document(List<Operation> operations, Map<String, Fragment> fragments) {
        Operation operation(String name) {
            if (name == null || name.isEmpty()) {
                if (operations.size() != 1) {
                    throw new GraphQLError("INVALID", "an operation name is required when the document has several");
                }
                return operations.get(0);
            }
            return operations.stream().filter(o -> name.equals(o.name())).findFirst()
                    .orElseThrow(() -> new GraphQLError("INVALID", "no operation named " + name));
        }
    }

    /** A variable reference inside an argument value, resolved at execution. */
    record Var(String name) {
    }

    /** An enum literal. */
    record EnumValue(String name) {
    }

    /** What the executor asks of the schema. */
    interface Resolver {
        /** The value of {@code field} on {@code parent} (of GraphQL type {@code parentType}). */
        Object resolve(String parentType, Object parent, String field, Map<String, Object> args);

        /** The GraphQL type name of a resolved object. */
        String typeName(Object value);
    }

    // ---------------------------------------------------------------- parsing

    static Document parse(String source) {
        return new Parser(source).document();
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Document document() {
            List<Operation> ops = new ArrayList<>();
            Map<String, Fragment> frags = new LinkedHashMap<>();
            skip();
            while (i < s.length()) {
                if (peek('{')) {
                    ops.add(new Operation("query", null, selectionSet()));
                } else {
                    String kw = name();
                    if (kw.equals("fragment")) {
                        String n = name();
                        expectName("on");
                        String t = name();
                        frags.put(n, new Fragment(n, t, selectionSet()));
                    } else if (kw.equals("query") || kw.equals("mutation")) {
                        String n = null;
                        if (!peek('{') && !peek('(')) {
                            n = name();
                        }
                        if (peek('(')) {
                            variableDefinitions();
                        }
                        ops.add(new Operation(kw, n, selectionSet()));
                    } else {
                        throw error("unexpected '" + kw + "'");
                    }
                }
                skip();
            }
            if (ops.isEmpty()) {
                throw error("no operation");
            }
            return new Document(ops, frags);
        }

        private void variableDefinitions() {
            expect('(');
            while (!peek(')')) {
                expect('$');
                name();
                expect(':');
                type();
                if (peek('=')) {
                    expect('=');
                    value();
                }
            }
            expect(')');
        }

        private void type() {
            if (peek('[')) {
                expect('[');
                type();
                expect(']');
            } else {
                name();
            }
            if (peek('!')) {
                expect('!');
            }
        }

        private List<Selection> selectionSet() {
            expect('{');
            List<Selection> out = new ArrayList<>();
            while (!peek('}')) {
                if (s.startsWith("...", i)) {
                    i += 3;
                    skip();
                    String n = name();
                    if (n.equals("on")) {
                        String t = name();
                        out.add(new InlineFragment(t, selectionSet()));
                    } else {
                        out.add(new FragmentSpread(n));
                    }
                    continue;
                }
                String first = name();
                String alias = null;
                String fname = first;
                if (peek(':')) {
                    expect(':');
                    alias = first;
                    fname = name();
                }
                Map<String, Object> args = new LinkedHashMap<>();
                if (peek('(')) {
                    expect('(');
                    while (!peek(')')) {
                        String an = name();
                        expect(':');
                        args.put(an, value());
                    }
                    expect(')');
                }
                if (peek('@')) {
                    throw error("directives are not supported by the fake");
                }
                List<Selection> sub = peek('{') ? selectionSet() : List.of();
                out.add(new Field(alias, fname, args, sub));
            }
            expect('}');
            if (out.isEmpty()) {
                throw error("a selection set must select at least one field");
            }
            return out;
        }

        private Object value() {
            skip();
            char c = s.charAt(i);
            if (c == '$') {
                i++;
                return new Var(name());
            }
            if (c == '"') {
                return string();
            }
            if (c == '[') {
                expect('[');
                List<Object> list = new ArrayList<>();
                while (!peek(']')) {
                    list.add(value());
                }
                expect(']');
                return list;
            }
            if (c == '{') {
                expect('{');
                Map<String, Object> obj = new LinkedHashMap<>();
                while (!peek('}')) {
                    String k = name();
                    expect(':');
                    obj.put(k, value());
                }
                expect('}');
                return obj;
            }
            if (c == '-' || Character.isDigit(c)) {
                int start = i;
                i++;
                boolean fl = false;
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || "eE.+-".indexOf(s.charAt(i)) >= 0)) {
                    fl |= "eE.".indexOf(s.charAt(i)) >= 0;
                    i++;
                }
                String num = s.substring(start, i);
                skip();
                return fl ? (Object) Double.parseDouble(num) : (Object) Long.parseLong(num);
            }
            String n = name();
            switch (n) {
                case "true":
                    return true;
                case "false":
                    return false;
                case "null":
                    return null;
                default:
                    return new EnumValue(n);
            }
        }

        private String string() {
            if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                if (end < 0) {
                    throw error("unterminated block string");
                }
                String v = s.substring(i + 3, end);
                i = end + 3;
                skip();
                return v;
            }
            i++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n':
                            sb.append('\n');
                            break;
                        case 't':
                            sb.append('\t');
                            break;
                        case 'r':
                            sb.append('\r');
                            break;
                        case 'b':
                            sb.append('\b');
                            break;
                        case 'f':
                            sb.append('\f');
                            break;
                        case 'u':
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                            break;
                        default:
                            sb.append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
            skip();
            return sb.toString();
        }

        private String name() {
            skip();
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            if (start == i) {
                throw error("expected a name");
            }
            String n = s.substring(start, i);
            skip();
            return n;
        }

        private void expectName(String n) {
            String got = name();
            if (!got.equals(n)) {
                throw error("expected '" + n + "' but got '" + got + "'");
            }
        }

        private boolean peek(char c) {
            skip();
            return i < s.length() && s.charAt(i) == c;
        }

        private void expect(char c) {
            skip();
            if (i >= s.length() || s.charAt(i) != c) {
                throw error("expected '" + c + "'");
            }
            i++;
            skip();
        }

        private void skip() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '#') {
                    while (i < s.length() && s.charAt(i) != '\n') {
                        i++;
                    }
                } else if (Character.isWhitespace(c) || c == ',' || c == '\uFEFF') {
                    i++;
                } else {
                    break;
                }
            }
        }

        private GraphQLError error(String msg) {
            return new GraphQLError("PARSE", "Parse error at offset " + i + ": " + msg);
        }
    }

    // ---------------------------------------------------------------- execution

    /** Executes one operation; returns {@code {"data": ..., "errors": [...]}} as plain maps. */
    static Map<String, Object> execute(Document doc, Operation op, Map<String, Object> variables, Resolver resolver) {
        List<Map<String, Object>> errors = new ArrayList<>();
        String rootType = op.type().equals("mutation") ? "Mutation" : "Query";
        Map<String, Object> data = selectObject(doc, rootType, rootType, op.selections(), variables, resolver, errors,
                new ArrayList<>());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data);
        if (!errors.isEmpty()) {
            out.put("errors", errors);
        }
        return out;
    }

    private static Map<String, Object> selectObject(Document doc, String type, Object source, List<Selection> selections,
                                                    Map<String, Object> vars, Resolver r,
                                                    List<Map<String, Object>> errors, List<Object> path) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Field f : flatten(doc, type, selections)) {
            List<Object> fpath = new ArrayList<>(path);
            fpath.add(f.key());
            Object v;
            try {
                if (f.name().equals("__typename")) {
                    v = type;
                } else {
                    v = r.resolve(type, source, f.name(), resolveArgs(f.args(), vars));
                }
                v = complete(doc, v, f, vars, r, errors, fpath);
            } catch (GraphQLError e) {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("type", e.type);
                err.put("path", fpath);
                err.put("locations", List.of());
                err.put("message", e.getMessage());
                errors.add(err);
                v = null;
            }
            out.put(f.key(), v);
        }
        return out;
    }

    private static Object complete(Document doc, Object v, Field f, Map<String, Object> vars, Resolver r,
                                   List<Map<String, Object>> errors, List<Object> path) {
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            int idx = 0;
            for (Object item : list) {
                List<Object> ipath = new ArrayList<>(path);
                ipath.add(idx++);
                out.add(complete(doc, item, f, vars, r, errors, ipath));
            }
            return out;
        }
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (f.selections().isEmpty()) {
            throw new GraphQLError("INVALID", "field '" + f.name() + "' of object type needs a selection");
        }
        return selectObject(doc, r.typeName(v), v, f.selections(), vars, r, errors, path);
    }

    /** The fields of a selection set for a concrete type, fragments applied, in order. */
    private static List<Field> flatten(Document doc, String type, List<Selection> selections) {
        List<Field> out = new ArrayList<>();
        for (Selection s : selections) {
            if (s instanceof Field f) {
                out.add(f);
            } else if (s instanceof InlineFragment in) {
                if (in.typeCondition() == null || in.typeCondition().equals(type)) {
                    out.addAll(flatten(doc, type, in.selections()));
                }
            } else if (s instanceof FragmentSpread sp) {
                Fragment fr = doc.fragments().get(sp.name());
                if (fr == null) {
                    throw new GraphQLError("INVALID", "unknown fragment " + sp.name());
                }
                if (fr.typeCondition().equals(type)) {
                    out.addAll(flatten(doc, type, fr.selections()));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> resolveArgs(Map<String, Object> args, Map<String, Object> vars) {
        Map<String, Object> out = new LinkedHashMap<>();
        args.forEach((k, v) -> out.put(k, resolveValue(v, vars)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object resolveValue(Object v, Map<String, Object> vars) {
        if (v instanceof Var var) {
            return vars.get(var.name());
        }
        if (v instanceof EnumValue e) {
            return e.name();
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(resolveValue(x, vars)));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, x) -> out.put(k, resolveValue(x, vars)));
            return out;
        }
        return v;
    }
}
