package dev.orgctl.regen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The filter table: each filter's name, how many arguments it takes and what it does. */
enum Filters {
    UPPER(0, 0),
    LOWER(0, 0),
    TRIM(0, 0),
    JOIN(0, 1),
    DEFAULT(1, 1),
    JSON(0, 0),
    REPLACE(2, 2);

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final int minArgs;
    private final int maxArgs;

    Filters(int minArgs, int maxArgs) {
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
    }

    /** The name a template writes, e.g. {@code join}. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Filters named(String name, String file, int line) {
        for (Filters f : values()) {
            if (f.id().equals(name)) {
                return f;
            }
        }
        throw new TemplateException(file, line, "unknown filter '" + name + "' (filters: "
                + Arrays.stream(values()).map(Filters::id).collect(Collectors.joining(", ")) + ")");
    }

    void checkArity(int args, String file, int line) {
        if (args < minArgs || args > maxArgs) {
            throw new TemplateException(file, line, "filter '" + id() + "' takes "
                    + (minArgs == maxArgs ? minArgs : minArgs + " to " + maxArgs) + " argument(s), got " + args);
        }
    }

    Object apply(Expression.Filter f, Template.Scope scope) {
        Expression input = f.input();
        List<Expression> args = f.args();
        String file = f.file();
        int line = f.line();
        Object v = input.eval(scope);
        if (this == DEFAULT) {
            // The one filter that takes an undefined value: that is what it is for.
            return v == Values.UNDEFINED || v == Values.NULL || v == null || "".equals(v) ? args.get(0).eval(scope) : v;
        }
        if (v == Values.UNDEFINED) {
            throw Values.undefined(file, line, input.source());
        }
        return switch (this) {
            case UPPER -> Values.display(v, file, line, input.source()).toUpperCase(Locale.ROOT);
            case LOWER -> Values.display(v, file, line, input.source()).toLowerCase(Locale.ROOT);
            case TRIM -> Values.display(v, file, line, input.source()).strip();
            case REPLACE -> Values.display(v, file, line, input.source()).replace(
                    Values.display(args.get(0).eval(scope), file, line, args.get(0).source()),
                    Values.display(args.get(1).eval(scope), file, line, args.get(1).source()));
            case JOIN -> {
                String sep = args.isEmpty() ? ", "
                        : Values.display(args.get(0).eval(scope), file, line, args.get(0).source());
                List<String> parts = new ArrayList<>();
                for (Object o : Values.iterable(v, file, line, input.source())) {
                    parts.add(Values.display(o, file, line, input.source() + " item"));
                }
                yield String.join(sep, parts);
            }
            case JSON -> {
                try {
                    yield MAPPER.writeValueAsString(v == Values.NULL ? null : v);
                } catch (JsonProcessingException e) {
                    throw new TemplateException(file, line, "cannot write '" + input.source() + "' as JSON");
                }
            }
            case DEFAULT -> throw new IllegalStateException("handled above");
        };
    }
}
