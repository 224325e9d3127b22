package dev.orgctl.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The referees are where ./test put them, at the pinned versions; without them this fails. */
class GitHubDescriptionsTest {

    @Test
    void everyPinnedDescriptionIsThere() {
        assertThat(GitHubDescriptions.openapi()).isRegularFile();
        assertThat(GitHubDescriptions.graphqlSchema()).isRegularFile();
        assertThat(GitHubDescriptions.webhookSchemas()).isRegularFile();
        assertThat(GitHubDescriptions.webhookExamples()).isDirectory();
        assertThat(GitHubDescriptions.version("@octokit/openapi")).isEqualTo("23.0.2");
    }

    @Test
    void aMissingCacheFailsWithTheCommandThatFetchesIt() throws Exception {
        String before = System.getProperty(GitHubDescriptions.PROPERTY);
        var empty = Files.createTempDirectory("no-descriptions");
        try {
            System.setProperty(GitHubDescriptions.PROPERTY, empty.toString());
            org.assertj.core.api.Assertions.assertThatThrownBy(GitHubDescriptions::graphqlSchema)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("src/test/npm/fetch")
                    .hasMessageContaining("@octokit/graphql-schema@15.26.1");
        } finally {
            if (before == null) {
                System.clearProperty(GitHubDescriptions.PROPERTY);
            } else {
                System.setProperty(GitHubDescriptions.PROPERTY, before);
            }
            Files.delete(empty);
        }
    }
}
