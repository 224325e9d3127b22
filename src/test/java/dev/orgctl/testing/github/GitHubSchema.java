package dev.orgctl.testing.github;

import dev.orgctl.testing.GitHubDescriptions;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphQLContext;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherResult;
import graphql.execution.AsyncSerialExecutionStrategy;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLTypeUtil;
import graphql.schema.TypeResolver;
import graphql.schema.idl.FieldWiringEnvironment;
import graphql.schema.idl.InterfaceWiringEnvironment;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.ScalarInfo;
import graphql.schema.idl.ScalarWiringEnvironment;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.UnionWiringEnvironment;
import graphql.schema.idl.WiringFactory;
import graphql.language.FieldDefinition;
import graphql.language.ObjectTypeDefinition;
import graphql.language.StringValue;
import graphql.language.TypeDefinition;
import graphql.language.Value;
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

    private static final String TYPE_KEY = "type";
    private static final int PAGE_LIMIT = 100;
    private static final String MISSING_PAGINATION = "MISSING_PAGINATION_BOUNDARIES";
    private static final String EXCESSIVE_PAGINATION = "EXCESSIVE_PAGINATION";

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
        RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring().wiringFactory(new ByResolver()).build();
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

    /** Every field, interface, union and scalar wired to the request's {@link Resolver}. */
    private static final class ByResolver implements WiringFactory {
        private static final DataFetcher<Object> FIELD = env -> {
            Resolver r = env.getGraphQlContext().get(Resolver.class);
            String parentType = ((GraphQLNamedType) env.getParentType()).getName();
            try {
                paginated(env);
                return r.resolve(parentType, env.getSource(), env.getField().getName(), env.getArguments());
            } catch (Refusal e) {
                return DataFetcherResult.newResult().error(GraphqlErrorBuilder.newError(env).message(e.getMessage())
                        .extensions(Map.of(TYPE_KEY, e.type)).build()).build();
            }
        };
        /**
         * GitHub's rules for connections that the schema cannot say: {@code first} or {@code last}
         * is required, and at most {@value #PAGE_LIMIT}.
         */
        private static void paginated(DataFetchingEnvironment env) {
            GraphQLFieldDefinition def = env.getFieldDefinition();
            if (!(GraphQLTypeUtil.unwrapAll(def.getType()).getName().endsWith("Connection"))
                    || def.getArgument("first") == null || def.getArgument("last") == null) {
                return;
            }
            String name = env.getField().getName();
            Integer first = env.getArgument("first");
            Integer last = env.getArgument("last");
            if (first == null && last == null) {
                throw new Refusal(MISSING_PAGINATION, "You must provide a `first` or `last` value to properly "
                        + "paginate the `" + name + "` connection.");
            }
            for (Map.Entry<String, Integer> bound : Map.of("first", first == null ? 0 : first,
                    "last", last == null ? 0 : last).entrySet()) {
                if (bound.getValue() > PAGE_LIMIT) {
                    throw new Refusal(EXCESSIVE_PAGINATION, "Requesting " + bound.getValue() + " records on the `"
                            + name + "` connection exceeds the `" + bound.getKey() + "` limit of " + PAGE_LIMIT
                            + " records.");
                }
            }
        }

        private static final TypeResolver TYPE = env -> {
            Resolver r = env.getGraphQLContext().get(Resolver.class);
            return env.getSchema().getObjectType(r.typeName(env.getObject()));
        };

        @Override
        public boolean providesScalar(ScalarWiringEnvironment env) {
            return !ScalarInfo.isGraphqlSpecifiedScalar(env.getScalarTypeDefinition().getName());
        }

        @Override
        public GraphQLScalarType getScalar(ScalarWiringEnvironment env) {
            String name = env.getScalarTypeDefinition().getName();
            return GraphQLScalarType.newScalar().name(name).definition(env.getScalarTypeDefinition())
                    .coercing(new StringScalar(name)).build();
        }

        @Override
        public boolean providesTypeResolver(InterfaceWiringEnvironment env) {
            return true;
        }

        @Override
        public TypeResolver getTypeResolver(InterfaceWiringEnvironment env) {
            return TYPE;
        }

        @Override
        public boolean providesTypeResolver(UnionWiringEnvironment env) {
            return true;
        }

        @Override
        public TypeResolver getTypeResolver(UnionWiringEnvironment env) {
            return TYPE;
        }

        @Override
        public DataFetcher<?> getDefaultDataFetcher(FieldWiringEnvironment env) {
            return FIELD;
        }
    }

    /** A GitHub custom scalar: a JSON string in variables, a string literal in documents, a string out. */
    private record StringScalar(String name) implements Coercing<Object, Object> {
        @Override
        @SuppressWarnings("deprecation") // the Locale-taking overloads default to these
        public Object serialize(Object value) {
            return value.toString();
        }

        @Override
        @SuppressWarnings("deprecation")
        public Object parseValue(Object input) {
            if (input instanceof String s) {
                return s;
            }
            throw new CoercingParseValueException("Could not coerce value " + input + " to " + name
                    + ": a string is expected");
        }

        @Override
        @SuppressWarnings("deprecation")
        public Object parseLiteral(Object input) {
            if (input instanceof StringValue s) {
                return s.getValue();
            }
            throw new CoercingParseLiteralException("Could not coerce literal " + input + " to " + name
                    + ": a string is expected");
        }

        @Override
        public Value<?> valueToLiteral(Object input) {
            return StringValue.of(input.toString());
        }
    }
}
