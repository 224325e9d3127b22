package dev.orgctl.testing.github.conformance;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which operation of the description a request targets: its path template and method. GitHub marks
 * the path parameters that may span segments ({@code x-multi-segment}, a ref such as
 * {@code heads/feature-a}); the validator's own matcher knows only one segment a parameter, so the
 * referee matches here and hands the validator the path with those slashes encoded.
 */
final class OperationIndex {
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");

    /** One operation: its id, method and template, the statuses it documents and what it answers in. */
    record Op(String operationId, String method, String template, Set<String> statuses, Set<String> mediaTypes) {
        String describe() {
            return method + " " + template;
        }
    }

    /** A request matched to an operation; {@code validatorPath} has multi-segment values encoded. */
    record Match(Op op, String validatorPath) {
    }

    private record Template(String template, Pattern pattern, List<Boolean> multi, int literal, Map<String, Op> byMethod) {
    }

    private final List<Template> templates;

    private OperationIndex(List<Template> templates) {
        this.templates = templates;
    }

    static OperationIndex of(OpenAPI api) {
        List<Template> out = new ArrayList<>();
        api.getPaths().forEach((template, item) -> {
            Map<String, Op> byMethod = new java.util.LinkedHashMap<>();
            Set<String> multiSegment = new LinkedHashSet<>();
            item.readOperationsMap().forEach((method, op) -> {
                String m = method.name();
                byMethod.put(m, new Op(op.getOperationId(), m, template, statuses(op), mediaTypes(op)));
                multiSegment.addAll(multiSegmentParams(api, item, op));
            });
            StringBuilder re = new StringBuilder("^");
            List<Boolean> multi = new ArrayList<>();
            Matcher mt = PARAM.matcher(template);
            int last = 0;
            int literal = 0;
            while (mt.find()) {
                re.append(Pattern.quote(template.substring(last, mt.start())));
                literal += mt.start() - last;
                boolean spans = multiSegment.contains(mt.group(1));
                re.append(spans ? "(.+)" : "([^/]+)");
                multi.add(spans);
                last = mt.end();
            }
            re.append(Pattern.quote(template.substring(last))).append("$");
            literal += template.length() - last;
            out.add(new Template(template, Pattern.compile(re.toString()), multi, literal, Map.copyOf(byMethod)));
        });
        return new OperationIndex(List.copyOf(out));
    }

    /** The templates a path matches, most literal first (GitHub's router prefers fixed segments). */
    private List<Template> candidates(String path) {
        List<Template> hits = new ArrayList<>();
        for (Template t : templates) {
            if (t.pattern().matcher(path).matches()) {
                hits.add(t);
            }
        }
        hits.sort((a, b) -> Integer.compare(b.literal(), a.literal()));
        return hits;
    }

    /** The operation, or empty with the reason in {@code why} (unknown path, or method not allowed). */
    Optional<Match> match(String method, String rawPath, List<String> why) {
        List<Template> hits = candidates(rawPath);
        if (hits.isEmpty()) {
            why.add("no operation of GitHub's REST description has the path " + rawPath);
            return Optional.empty();
        }
        for (Template t : hits) {
            Op op = t.byMethod().get(method.toUpperCase(Locale.ROOT));
            if (op != null) {
                return Optional.of(new Match(op, encodeMultiSegments(t, rawPath)));
            }
        }
        Template best = hits.get(0);
        why.add(method + " is not an operation of " + best.template() + " (it has " + best.byMethod().keySet() + ")");
        return Optional.empty();
    }

    private static String encodeMultiSegments(Template t, String rawPath) {
        if (!t.multi().contains(true)) {
            return rawPath;
        }
        Matcher m = t.pattern().matcher(rawPath);
        if (!m.matches()) {
            throw new IllegalStateException("matched before: " + rawPath);
        }
        StringBuilder sb = new StringBuilder();
        int last = 0;
        for (int g = 1; g <= m.groupCount(); g++) {
            sb.append(rawPath, last, m.start(g));
            String value = m.group(g);
            sb.append(t.multi().get(g - 1) ? value.replace("/", "%2F") : value);
            last = m.end(g);
        }
        sb.append(rawPath.substring(last));
        return sb.toString();
    }

    private static Set<String> multiSegmentParams(OpenAPI api, PathItem item, Operation op) {
        Set<String> names = new LinkedHashSet<>();
        List<Parameter> all = new ArrayList<>();
        if (item.getParameters() != null) {
            all.addAll(item.getParameters());
        }
        if (op.getParameters() != null) {
            all.addAll(op.getParameters());
        }
        for (Parameter p : all) {
            Parameter resolved = p;
            if (p.get$ref() != null) {
                String name = p.get$ref().substring(p.get$ref().lastIndexOf('/') + 1);
                resolved = api.getComponents().getParameters().get(name);
            }
            if (resolved != null && "path".equals(resolved.getIn()) && resolved.getExtensions() != null
                    && Boolean.TRUE.equals(resolved.getExtensions().get("x-multi-segment"))) {
                names.add(resolved.getName());
            }
        }
        return names;
    }

    private static Set<String> statuses(Operation op) {
        return op.getResponses() == null ? Set.of() : Set.copyOf(op.getResponses().keySet());
    }

    private static Set<String> mediaTypes(Operation op) {
        Set<String> types = new LinkedHashSet<>();
        if (op.getResponses() != null) {
            for (ApiResponse r : op.getResponses().values()) {
                Content c = r.getContent();
                if (c != null) {
                    types.addAll(c.keySet());
                }
            }
        }
        return Set.copyOf(types);
    }
}
