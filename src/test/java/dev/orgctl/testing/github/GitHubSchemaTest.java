package dev.orgctl.testing.github;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.GraphQLError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GitHub's schema as graphql-java loads it: what it refuses, and what loading it costs. */
class GitHubSchemaTest {

    @Test
    void loadsOnceAndSaysWhatItCost() {
        assertThat(GitHubSchema.schema().getObjectType("Repository")).isNotNull();
        assertThat(GitHubSchema.schema()).isSameAs(GitHubSchema.schema());
        System.out.println("GitHub's GraphQL schema (" + GitHubSchema.version() + ") loaded in "
                + GitHubSchema.loadMillis() + " ms");
    }

    @Test
    void onlyTheKnownDuplicateFieldsOfThePublishedSdlAreDropped() {
        assertThat(GitHubSchema.duplicateFields()).containsExactly(
                "EnterpriseOwnerInfo.repositoryDeployKeySetting",
                "EnterpriseOwnerInfo.repositoryDeployKeySettingOrganizations");
    }

    @Test
    void anUnknownFieldIsRefusedNamingIt() {
        List<GraphQLError> problems = GitHubSchema.problems(
                "query Q($o: String!, $n: String!) { repository(owner: $o, name: $n) { nameWithOwnr } }", null,
                Map.of("o", "acme", "n", "web"));
        assertThat(problems).singleElement().extracting(GraphQLError::getMessage).asString()
                .contains("nameWithOwnr", "Repository");
    }

    @Test
    void aNumberForAGitObjectIdIsRefused() {
        List<GraphQLError> problems = GitHubSchema.problems(
                "query Q($oid: GitObjectID!) { repository(owner: \"a\", name: \"b\") { object(oid: $oid) { oid } } }",
                null, Map.of("oid", 42));
        assertThat(problems).singleElement().extracting(GraphQLError::getMessage).asString().contains("oid");
    }

    @Test
    void anInputWithoutARequiredFieldIsRefusedNamingIt() {
        Map<String, Object> input = Map.of("branch", Map.of("repositoryNameWithOwner", "a/b", "branchName", "main"),
                "message", Map.of("headline", "h"));
        List<GraphQLError> problems = GitHubSchema.problems("mutation M($input: CreateCommitOnBranchInput!) { "
                + "createCommitOnBranch(input: $input) { commit { oid } } }", null, Map.of("input", input));
        assertThat(problems).singleElement().extracting(GraphQLError::getMessage).asString().contains("expectedHeadOid");
    }

    @Test
    void aFragmentOnATypeThatCannotBeThereIsRefused() {
        List<GraphQLError> problems = GitHubSchema.problems(
                "{ repository(owner: \"a\", name: \"b\") { object(oid: \"0\") { ... on PullRequest { number } } } }",
                null, Map.of());
        assertThat(problems).singleElement().extracting(GraphQLError::getMessage).asString().contains("PullRequest");
    }

    @Test
    void aValidDocumentHasNoProblems() {
        assertThat(GitHubSchema.problems("{ rateLimit { cost remaining } }", null, Map.of())).isEmpty();
    }
}
