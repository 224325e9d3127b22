package dev.orgctl.regen;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a template value means: how it displays, whether it is true, how to loop over it, when two
 * are equal. Values are what YAML and the built-ins give: strings, numbers, booleans, lists, maps,
 * plus {@link #NULL} and {@link #UNDEFINED}.
 */
final class Values {
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

    private Values() {
    }

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

    static boolean equal(Object a, Object b) {
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

    static String scalarString(Object o) {
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
}
