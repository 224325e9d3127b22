package dev.orgctl.regen;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Expressions inside {@code <% %>} tags: dotted names ({@code repo.name}, {@code vars.team.lead}),
 * string, number and boolean literals, {@code ==}, {@code !=}, {@code in}, {@code not in},
 * {@code and}, {@code or}, {@code not}, parentheses, and filters ({@code value | join(", ")}).
 *
 * <p>A closed set of record nodes, like {@link Template}'s; {@link ExpressionParser} builds them,
 * {@link Values} says what a value means (display, truth, iteration, equality) and {@link Filters}
 * is the filter table. Every node keeps its source text, file and line for error messages.
 */
sealed interface Expression permits Expression.Literal, Expression.Path, Expression.Not, Expression.Logic,
        Expression.Compare, Expression.Filter {

    /** The expression as written, for messages. */
    String source();

    String file();

    int line();

    Object eval(Template.Scope scope);

    static Expression parse(String text, String file, int line) {
        return ExpressionParser.parse(text, file, line);
    }

    record Literal(Object value, String source, String file, int line) implements Expression {
        @Override
        public Object eval(Template.Scope scope) {
            return value;
        }
    }

    record Path(List<String> segments, String file, int line) implements Expression {
        public Path {
            segments = List.copyOf(segments);
        }

        @Override
        public String source() {
            return String.join(".", segments);
        }

        @Override
        public Object eval(Template.Scope scope) {
            Object v = scope.lookup(segments.get(0));
            for (int i = 1; i < segments.size() && v != Values.UNDEFINED; i++) {
                if (v instanceof Map<?, ?> m && m.containsKey(segments.get(i))) {
                    Object next = m.get(segments.get(i));
                    v = next == null ? Values.NULL : next;
                } else {
                    v = Values.UNDEFINED;
                }
            }
            return v;
        }
    }

    record Not(Expression inner, String source, String file, int line) implements Expression {
        @Override
        public Object eval(Template.Scope scope) {
            return !Values.truthy(inner.eval(scope), file, line, inner.source());
        }
    }

    /** {@code and} when {@code and} is true, else {@code or}; both short-circuit. */
    record Logic(boolean and, Expression left, Expression right, String source, String file, int line)
            implements Expression {
        @Override
        public Object eval(Template.Scope scope) {
            boolean l = Values.truthy(left.eval(scope), file, line, left.source());
            if (and ? !l : l) {
                return l;
            }
            return Values.truthy(right.eval(scope), file, line, right.source());
        }
    }

    /** {@code op} is one of {@code ==}, {@code !=}, {@code in}, {@code not in}. */
    record Compare(String op, Expression left, Expression right, String source, String file, int line)
            implements Expression {
        @Override
        public Object eval(Template.Scope scope) {
            Object l = left.eval(scope);
            Object r = right.eval(scope);
            if (l == Values.UNDEFINED) {
                throw Values.undefined(file, line, left.source());
            }
            if (r == Values.UNDEFINED) {
                throw Values.undefined(file, line, right.source());
            }
            return switch (op) {
                case "==" -> Values.equal(l, r);
                case "!=" -> !Values.equal(l, r);
                case "in" -> contains(r, l);
                case "not in" -> !contains(r, l);
                default -> throw new IllegalStateException(op);
            };
        }

        private boolean contains(Object container, Object item) {
            if (container instanceof Collection<?> c) {
                for (Object o : c) {
                    if (Values.equal(o, item)) {
                        return true;
                    }
                }
                return false;
            }
            if (container instanceof Map<?, ?> m) {
                return m.containsKey(Values.scalarString(item));
            }
            if (container instanceof String s) {
                return s.contains(Values.scalarString(item));
            }
            if (container == Values.NULL || container == null) {
                return false;
            }
            throw new TemplateException(file, line, "'" + right.source() + "' is not a list, map or string: "
                    + "cannot use 'in'");
        }
    }

    /** {@code input | filter(args)}; the filter's name and argument count are checked when parsed. */
    record Filter(Expression input, Filters filter, List<Expression> args, String source, String file, int line)
            implements Expression {
        public Filter {
            args = List.copyOf(args);
            filter.checkArity(args.size(), file, line);
        }

        @Override
        public Object eval(Template.Scope scope) {
            return filter.apply(this, scope);
        }
    }
}
