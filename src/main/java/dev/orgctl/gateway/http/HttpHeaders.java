package dev.orgctl.gateway.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A request's header fields in arrival order; names compare without case, as HTTP says. */
public final class HttpHeaders {
    private final List<String> names;
    private final List<String> values;

    HttpHeaders(List<String> names, List<String> values) {
        this.names = names;
        this.values = values;
    }

    public static HttpHeaders of(String... namesAndValues) {
        List<String> n = new ArrayList<>();
        List<String> v = new ArrayList<>();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            n.add(namesAndValues[i]);
            v.add(namesAndValues[i + 1]);
        }
        return new HttpHeaders(n, v);
    }

    /** The first value of {@code name}, or null. */
    public String first(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return values.get(i);
            }
        }
        return null;
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        List<String> out = null;
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(values.get(i));
            }
        }
        return out == null ? List.of() : Collections.unmodifiableList(out);
    }

    /** Whether a comma-separated field such as {@code Connection} lists {@code token}. */
    public boolean hasToken(String name, String token) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                for (String t : values.get(i).split(",")) {
                    if (t.trim().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    public int size() {
        return names.size();
    }
}
