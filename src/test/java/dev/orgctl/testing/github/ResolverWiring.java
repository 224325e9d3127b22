package dev.orgctl.testing.github;

import dev.orgctl.testing.github.GitHubSchema.Refusal;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherResult;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLTypeUtil;
import graphql.schema.TypeResolver;
import graphql.schema.idl.FieldWiringEnvironment;
import graphql.schema.idl.InterfaceWiringEnvironment;
import graphql.schema.idl.ScalarInfo;
import graphql.schema.idl.ScalarWiringEnvironment;
import graphql.schema.idl.UnionWiringEnvironment;
import graphql.schema.idl.WiringFactory;
import java.util.Map;

/**
 * How GitHub's schema is made executable without knowing the fake: every field and every
 * interface or union is wired to the {@link GitHubSchema.Resolver} the request carries, and every
 * custom scalar to a string. A {@link Refusal} becomes GitHub's error for the field.
 */
final class ResolverWiring implements WiringFactory {
    private static final DataFetcher<Object> FIELD = env -> {
        GitHubSchema.Resolver r = env.getGraphQlContext().get(GitHubSchema.Resolver.class);
        String parentType = ((GraphQLNamedType) env.getParentType()).getName();
        try {
            paginated(env);
            return r.resolve(parentType, env.getSource(), env.getField().getName(), env.getArguments());
        } catch (Refusal e) {
            return DataFetcherResult.newResult().error(GraphqlErrorBuilder.newError(env).message(e.getMessage())
                    .extensions(Map.of(GitHubSchema.TYPE_KEY, e.type)).build()).build();
        }
    };

    /**
     * GitHub's rules for connections that the schema cannot say: {@code first} or {@code last}
     * is required, and at most {@value GitHubSchema#PAGE_LIMIT}.
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
            throw new Refusal(GitHubSchema.MISSING_PAGINATION, "You must provide a `first` or `last` value to "
                    + "properly paginate the `" + name + "` connection.");
        }
        for (Map.Entry<String, Integer> bound : Map.of("first", first == null ? 0 : first,
                "last", last == null ? 0 : last).entrySet()) {
            if (bound.getValue() > GitHubSchema.PAGE_LIMIT) {
                throw new Refusal(GitHubSchema.EXCESSIVE_PAGINATION, "Requesting " + bound.getValue()
                        + " records on the `" + name + "` connection exceeds the `" + bound.getKey() + "` limit of "
                        + GitHubSchema.PAGE_LIMIT + " records.");
            }
        }
    }

    private static final TypeResolver TYPE = env -> {
        GitHubSchema.Resolver r = env.getGraphQLContext().get(GitHubSchema.Resolver.class);
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

    /** A GitHub custom scalar: a JSON string in variables, a string literal in documents, a string out. */
    record StringScalar(String name) implements Coercing<Object, Object> {
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
