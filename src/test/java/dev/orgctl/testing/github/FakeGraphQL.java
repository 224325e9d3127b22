package dev.orgctl.testing.github;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The GraphQL endpoint of the fake: every document runs through graphql-java against GitHub's
 * public schema ({@link GitHubSchema}), resolved from the fake's state by {@link FakeResolver}.
 * A document GitHub would refuse (syntax, unknown field or argument, a variable of the wrong type,
 * an input object with a field its type lacks) gets GitHub's answer, HTTP 200 with {@code errors}
 * and no {@code data}, and is recorded as a violation that fails the test when the fake closes:
 * orgctl must never send it. An answer the schema refuses to carry (a null in a non-null field, a
 * field the fake does not implement) is a defect of the fake and is recorded the same way.
 * Refusals GitHub gives while running a valid document ({@code NOT_FOUND}, {@code STALE_DATA},
 * {@code FORBIDDEN}, ...) are answered in GitHub's shape: {@code type}, {@code path},
 * {@code locations}, {@code message} (GitHub documents none of this; the shapes are the ones its
 * users report, e.g. github/docs issue 11071). A connection asked without {@code first} or
 * {@code last}, or for more than 100, is refused as GitHub does and is a violation too.
 */
final class FakeGraphQL {
    private final GitHubFake f;
    private final List<GitHubFake.GraphQLRequest> requests = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();

    FakeGraphQL(GitHubFake fake) {
        this.f = fake;
    }

    /** A request as received: enough to route it and to count it before it runs. */
    record Prepared(String query, String operationName, Map<String, Object> variables, boolean mutation) {
        String displayName() {
            return operationName == null ? "(anonymous)" : operationName;
        }
    }

    Prepared prepare(byte[] body) {
        JsonNode req;
        try {
            req = GitHubFake.JSON.readTree(body);
        } catch (Exception e) {
            throw new HttpError(400, "Problems parsing JSON");
        }
        String query = req.path("query").asText("");
        String requested = req.path("operationName").isTextual() ? req.path("operationName").asText() : null;
        Map<String, Object> vars = req.path("variables").isObject()
                ? GitHubFake.JSON.convertValue(req.path("variables"), new TypeReference<Map<String, Object>>() { })
                : Map.of();
        Optional<OperationDefinition> op = operation(query, requested);
        String name = requested != null ? requested : op.map(OperationDefinition::getName).orElse(null);
        boolean mutation = op.map(o -> o.getOperation() == OperationDefinition.Operation.MUTATION).orElse(false);
        return new Prepared(query, name, vars, mutation);
    }

    /** The operation that will run, when the document parses and names it unambiguously. */
    private static Optional<OperationDefinition> operation(String query, String requested) {
        Document doc;
        try {
            doc = Parser.parse(query);
        } catch (InvalidSyntaxException e) {
            return Optional.empty(); // graphql-java answers the syntax error when it runs
        }
        List<OperationDefinition> ops = doc.getDefinitionsOfType(OperationDefinition.class);
        return ops.stream().filter(o -> requested == null ? ops.size() == 1 : requested.equals(o.getName()))
                .findFirst();
    }

    Reply execute(Call call, Prepared p) {
        synchronized (this) {
            requests.add(new GitHubFake.GraphQLRequest(p.operationName(), p.query(), p.variables()));
        }
        ExecutionResult r;
        try {
            r = GitHubSchema.execute(p.query(), p.operationName(), p.variables(), new FakeResolver(f, call));
        } catch (GitHubSchema.Unavailable e) {
            // No schema (the npm cache is missing): say so to the client and to the test, not a dropped connection.
            synchronized (this) {
                violations.add(e.getMessage());
            }
            throw new HttpError(500, e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (GitHubSchema.rejectedBeforeExecution(r)) {
            violation("GitHub's schema refuses " + p.displayName(), r.getErrors(), p);
        } else {
            out.put("data", r.getData());
            List<GraphQLError> defects = r.getErrors().stream().filter(e -> GitHubSchema.refusalType(e).isEmpty())
                    .toList();
            if (!defects.isEmpty()) {
                violation("the fake's answer to " + p.displayName() + " does not fit GitHub's schema", defects, p);
            }
            List<GraphQLError> refused = r.getErrors().stream()
                    .filter(e -> GitHubSchema.refusalType(e).filter(GitHubSchema.DOCUMENT_ERRORS::contains).isPresent())
                    .toList();
            if (!refused.isEmpty()) {
                violation("GitHub refuses " + p.displayName() + " while running it", refused, p);
            }
        }
        if (!r.getErrors().isEmpty()) {
            out.put("errors", r.getErrors().stream().map(FakeGraphQL::githubShape).toList());
        }
        return Reply.json(200, out);
    }

    private synchronized void violation(String what, List<GraphQLError> errors, Prepared p) {
        StringBuilder sb = new StringBuilder(what).append(':');
        for (GraphQLError e : errors) {
            sb.append("\n  ").append(e.getMessage());
        }
        sb.append("\n  document: ").append(p.query()).append("\n  variables: ").append(p.variables());
        violations.add(sb.toString());
    }

    /** GitHub's error object: {@code type} at the top for its own refusals, else the spec's shape. */
    private static Map<String, Object> githubShape(GraphQLError e) {
        Map<String, Object> spec = new LinkedHashMap<>(e.toSpecification());
        Optional<String> type = GitHubSchema.refusalType(e);
        if (type.isPresent()) {
            spec.remove("extensions");
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("type", type.get());
            out.putAll(spec);
            return out;
        }
        return spec;
    }

    synchronized List<GitHubFake.GraphQLRequest> requests() {
        return List.copyOf(requests);
    }

    synchronized List<String> takeViolations() {
        List<String> out = List.copyOf(violations);
        violations.clear();
        return out;
    }
}
