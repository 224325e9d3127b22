package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a GraphQL error means for the controller: refused for good, or worth another try. */
class ApiErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GitHubApiException of(String errorJson) throws Exception {
        JsonNode error = JSON.readTree(errorJson);
        return ApiErrors.graphql("OrgctlCommit", List.of(error), "the App");
    }

    @Test
    void githubFailingOnItsSideMayPassLater() throws Exception {
        GitHubApiException e = of("{\"message\":\"Something went wrong while executing your query. This may be the "
                + "result of a timeout, or it could be a GitHub bug.\"}");
        assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.SERVER_ERROR);
        assertThat(e.retryable()).isTrue();
    }

    @Test
    void aRefusedQueryAnswersTheSameUntilAPersonActs() throws Exception {
        assertThat(of("{\"type\":\"NOT_FOUND\",\"message\":\"Could not resolve to a Repository\"}").retryable()).isFalse();
        assertThat(of("{\"type\":\"FORBIDDEN\",\"message\":\"Resource not accessible by integration\"}").retryable())
                .isFalse();
        GitHubApiException invalid = of("{\"message\":\"Expected value to not be null\"}");
        assertThat(invalid.kind()).isEqualTo(GitHubApiException.Kind.GRAPHQL);
        assertThat(invalid.retryable()).isFalse();
    }
}
