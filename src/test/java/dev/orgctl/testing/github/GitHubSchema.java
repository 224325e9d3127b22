package dev.orgctl.testing.github;

import dev.orgctl.testing.GitHubDescriptions;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphQLContext;
import graphql.execution.AsyncSerialExecutionStrategy;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.language.FieldDefinition;
import graphql.language.ObjectTypeDefinition;
import graphql.language.TypeDefinition;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * GitHub's public GraphQL schema ({@code @octokit/graphql-schema}'s {@code schema.graphql}) made
 * executable by graphql-java: the referee of every document orgctl sends and of every answer the
 * fake gives. The schema itself knows nothing of the fake: each field is resolved by the
 * {@link Resolver} the request carries in its {@link GraphQLContext}, and interfaces and unions ask
 * the same resolver for the type name of an object. GitHub's custom scalars (GitObjectID,
 * Base64String, URI, DateTime...) are strings on the wire: a variable of another JSON type is
 * refused, as GitHub refuses it.
 *
 * <p>The SDL is 1.2 MB: it is parsed and made executable once per JVM, on first use
 * ({@link #loadMillis()} says what that cost).
 */
public final class GitHubSchema {
    private GitHubSchema() {
    }

    /** Resolves fields from some state; one per request. */
    public interface Resolver {
        /** The value of {@code field} on {@code parent}, an object of GraphQL type {@code parentType}. */
        Object resolve(String parentType, Object parent, String field, Map<String, Object> args);

        /** The GraphQL object type of a value returned for an interface or union field. */
        String typeName(Object value);
    }

    static final String TYPE_KEY = "type";
    static final int PAGE_LIMIT = 100;
    static final String MISSING_PAGINATION = "MISSING_PAGINATION_BOUNDARIES";
    static final String EXCESSIVE_PAGINATION = "EXCESSIVE_PAGINATION";

    /**
     * Refusal types that mean the document itself is wrong though the schema accepts it: the fake
     * records them as violations like a document the schema refuses.
     */
    public static final Set<String> DOCUMENT_ERRORS = Set.of(MISSING_PAGINATION, EXCESSIVE_PAGINATION);

    /**
     * A refusal GitHub gives while running a valid document, with its {@code type}
     * ({@code NOT_FOUND}, {@code STALE_DATA}, {@code FORBIDDEN}, {@code UNPROCESSABLE}...): the
     * field is null and the answer carries the error.
     */
    public static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String type;

        public Refusal(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    /** The {@code type} of an error raised as a {@link Refusal}; empty for any other error. */
    public static Optional<String> refusalType(GraphQLError e) {
        return e.getExtensions() != null && e.getExtensions().get(TYPE_KEY) instanceof String t
                ? Optional.of(t) : Optional.empty();
    }

    /** GitHub's schema could not be loaded (the npm cache is missing, or graphql-java refused it). */
    public static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(Throwable cause) {
            super("GitHub's GraphQL schema cannot be loaded: " + cause.getMessage(), cause);
        }
    }

    /** The schema as loaded once per JVM, or why it could not be: the same message on every use. */
    private record Loaded(GraphQLSchema schema, GraphQL graphql, List<String> duplicates, long millis,
                          Unavailable failure) {
        static Loaded load() {
            long start = System.nanoTime();
            try {
                List<String> duplicates = new ArrayList<>();
                GraphQLSchema schema = executable(GitHubDescriptions.graphqlSchema(), duplicates);
                GraphQL graphql = GraphQL.newGraphQL(schema)
                        // GitHub runs a mutation's fields one after another; so does the spec.
                        .mutationExecutionStrategy(new AsyncSerialExecutionStrategy())
                        .build();
                return new Loaded(schema, graphql, List.copyOf(duplicates), (System.nanoTime() - start) / 1_000_000,
                        null);
            } catch (AssertionError | RuntimeException e) {
                // Kept, not thrown from a class initializer: later uses would only see NoClassDefFoundError.
                return new Loaded(null, null, List.of(), 0, new Unavailable(e));
            }
        }

        Loaded require() {
            if (failure != null) {
                throw failure;
            }
            return this;
        }
    }

    private static final class Holder {
        static final Loaded LOADED = Loaded.load();
    }

    /** GitHub's schema, executable. */
    public static GraphQLSchema schema() {
        return Holder.LOADED.require().schema();
    }

    /** What parsing the SDL and building the executable schema took in this JVM. */
    public static long loadMillis() {
        return Holder.LOADED.require().millis();
    }

    /** The pinned schema's package and version, for messages and docs. */
    public static String version() {
        return "@octokit/graphql-schema@" + GitHubDescriptions.version("@octokit/graphql-schema");
    }

    /** Runs {@code document} with {@code variables}, resolving fields through {@code resolver}. */
    public static ExecutionResult execute(String document, String operationName, Map<String, Object> variables,
                                          Resolver resolver) {
        ExecutionInput input = ExecutionInput.newExecutionInput(document)
                .operationName(operationName)
                .variables(variables)
                .graphQLContext(Map.of(Resolver.class, resolver))
                .locale(Locale.ROOT)
                .build();
        return Holder.LOADED.require().graphql().execute(input);
    }

    /**
     * What GitHub would refuse before running anything: syntax, validation against the schema
     * (unknown fields, arguments, types, fragments on impossible types) and the coercion of
     * {@code variables} to their declared types (unknown or missing input fields, a number where a
     * string is declared). Empty when GitHub would run the document.
     */
    public static List<GraphQLError> problems(String document, String operationName, Map<String, Object> variables) {
        ExecutionResult r = execute(document, operationName, variables, new Resolver() {
            @Override
            public Object resolve(String parentType, Object parent, String field, Map<String, Object> args) {
                return null; // nothing is run for real: only what fails before execution counts
            }

            @Override
            public String typeName(Object value) {
                throw new IllegalStateException("no value to type in a dry run");
            }
        });
        return rejectedBeforeExecution(r) ? r.getErrors() : List.of();
    }

    /** True when graphql-java refused the request before resolving a field (GitHub answers no data). */
    static boolean rejectedBeforeExecution(ExecutionResult r) {
        return !r.isDataPresent() && !r.getErrors().isEmpty();
    }

    /** Fields GitHub's SDL declares twice on one type; {@link #executable} keeps the first. */
    public static List<String> duplicateFields() {
        return Holder.LOADED.require().duplicates();
    }

    private static GraphQLSchema executable(Path sdl, List<String> duplicates) {
        TypeDefinitionRegistry types;
        try (Reader in = Files.newBufferedReader(sdl, StandardCharsets.UTF_8)) {
            types = new SchemaParser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + sdl, e);
        }
        dropDuplicateFields(types, duplicates);
        RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring().wiringFactory(new ResolverWiring()).build();
        return new SchemaGenerator().makeExecutableSchema(types, wiring);
    }

    /**
     * The published SDL (15.26.1) declares {@code EnterpriseOwnerInfo.repositoryDeployKeySetting}
     * and {@code ...Organizations} twice, identically; graphql-java refuses a type with a repeated
     * field, GitHub's server evidently has one. The first declaration is kept, the others dropped
     * and listed, so that a new pin with more of them is seen in {@code GitHubSchemaTest}.
     */
    private static void dropDuplicateFields(TypeDefinitionRegistry types, List<String> dropped) {
        for (TypeDefinition<?> t : List.copyOf(types.types().values())) {
            if (t instanceof ObjectTypeDefinition o) {
                Set<String> seen = new HashSet<>();
                List<FieldDefinition> kept = new ArrayList<>();
                for (FieldDefinition fd : o.getFieldDefinitions()) {
                    if (seen.add(fd.getName())) {
                        kept.add(fd);
                    } else {
                        dropped.add(o.getName() + "." + fd.getName());
                    }
                }
                if (kept.size() < o.getFieldDefinitions().size()) {
                    types.remove(o);
                    types.add(o.transform(b -> b.fieldDefinitions(kept)));
                }
            }
        }
    }
}
