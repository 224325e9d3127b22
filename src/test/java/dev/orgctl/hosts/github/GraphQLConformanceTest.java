package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.PullRequestOptions;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.GitHubSchema;
import dev.orgctl.testing.github.Person;
import graphql.GraphQLError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every GraphQL document orgctl sends, as its code builds it, checked against GitHub's published
 * schema by graphql-java. The documents are captured at the fake while the real code paths run
 * (reads of files, subtrees, deeper directories, commits, the Git Data path, proposals), then each
 * is checked again on its own, variables included. The operations the main code names are read
 * from its sources, so a new one that no path here drives fails the test.
 */
class GraphQLConformanceTest {
    private static final Person ALICE = Person.of("alice");
    private static final Pattern OPERATION = Pattern.compile("\"(?:query|mutation) (Orgctl\\w+)\\(");

    private GitHubFake fake;
    private FakeOrg acme;
    private GitHubHost host;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        host = new GitHubHost(TestClients.pat(fake, fake.createToken("octo", "repo", "workflow")));
    }

    @AfterEach
    void stop() {
        host.close();
        fake.close(); // fails on any violation no test took
    }

    @Test
    void everyDocumentOrgctlSendsIsValidAgainstGitHubsSchema() throws IOException {
        FakeRepo web = acme.createRepo("web");
        web.push("main", ALICE, "layout", Map.of(
                "CODEOWNERS", "* @acme\n",
                ".github/workflows/ci.yml", "on: push\n",
                "deep/a/b/c/d/e/f.txt", "deep\n",
                "old.txt", "old\n"));
        RepoRef repo = new RepoRef("acme", "web");
        FileSelection selection = FileSelection.of(List.of("CODEOWNERS", "missing.txt", "old.txt"),
                List.of(".github", "deep"));

        // A branch read (files, subtrees, a directory deeper than one query reaches), then a read at a commit.
        RepoSnapshot snap = host.readBranch(repo, "main", selection).orElseThrow();
        assertThat(snap.file("deep/a/b/c/d/e/f.txt")).isPresent();
        host.readCommit(repo, snap.commitId(), FileSelection.paths(List.of("CODEOWNERS")));
        assertThat(host.readBranch(new RepoRef("acme", "nope"), "main", selection)).isEmpty();

        // createCommitOnBranch with additions and deletions, then the Git Data path (an executable) and updateRefs.
        CommitResult first = host.commit(repo, request(snap.commitId(),
                new FileChange.Put("CODEOWNERS", RepoFile.of("* @acme/core\n")), new FileChange.Delete("old.txt")));
        String second = ((CommitResult.Committed) first).commitId();
        CommitResult exec = host.commit(repo, request(second,
                new FileChange.Put("bin/check", new RepoFile("#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), true))));
        assertThat(exec).isInstanceOf(CommitResult.Committed.class);

        // A proposal branch created with auto-merge (its read asks for autoMergeAllowed and autoMergeRequest),
        // then closed (its ref deleted with updateRefs).
        String base = web.requireHead("main");
        web.setAutoMergeAllowed(true);
        host.propose(repo, new ProposalRequest("main", base, ProposalRequest.DEFAULT_BRANCH, "regenerate", "body",
                "chore: regenerate", List.of(new FileChange.Put("CODEOWNERS", RepoFile.of("* @acme/x\n"))),
                CommitIdentity.ORGCTL, new PullRequestOptions(List.of(), List.of(), List.of(), List.of(), false,
                        Optional.of(PullRequestOptions.MergeMethod.SQUASH))));
        assertThat(web.pulls().get(0).autoMergeMethod()).isEqualTo("SQUASH");
        assertThat(host.closeProposal(repo, ProposalRequest.DEFAULT_BRANCH, "no change")).isTrue();

        List<GitHubFake.GraphQLRequest> sent = fake.graphqlRequests();
        for (GitHubFake.GraphQLRequest r : sent) {
            assertThat(GitHubSchema.problems(r.query(), r.operationName(), r.variables()))
                    .as("%s: %s with %s", r.operationName(), r.query(), r.variables()).isEmpty();
        }
        assertThat(fake.takeGraphQLViolations()).isEmpty();
        Set<String> seen = new TreeSet<>();
        sent.forEach(r -> seen.add(r.operationName()));
        System.out.println("GraphQL operations checked against " + GitHubSchema.version() + ": " + seen
                + " (" + sent.size() + " documents)");
        assertThat(seen).isEqualTo(operationsInMainCode());
    }

    @Test
    void aMisspelledFieldInACreateCommitOnBranchInputIsRefusedAndFailsTheTest() {
        FakeRepo web = acme.createRepo("web");
        String head = web.requireHead("main");
        GitHubClient client = host.client();
        Map<String, Object> input = Map.of(
                "branch", Map.of("repositoryNameWithOwner", "acme/web", "branchName", "main"),
                "expectedHeadOid", head,
                "message", Map.of("headline", "add a file"),
                "fileChange", Map.of("additions", List.of(Map.of("path", "a.txt",
                        "contents", Base64.getEncoder().encodeToString("a\n".getBytes(StandardCharsets.UTF_8))))));

        GitHubClient.GraphQLResult r = client.graphql("mutation OrgctlCommit($input: CreateCommitOnBranchInput!) { "
                + "createCommitOnBranch(input: $input) { commit { oid } } }", Map.of("input", input), true);

        // GitHub's answer: HTTP 200, no data, an error naming the field; nothing is written.
        assertThat(r.ok()).isFalse();
        assertThat(r.data().isMissingNode() || r.data().isNull()).isTrue();
        assertThat(r.errors().get(0).path("message").asText()).contains("fileChange");
        assertThat(web.requireHead("main")).isEqualTo(head);
        List<String> violations = fake.takeGraphQLViolations();
        assertThat(violations).singleElement().asString()
                .contains("GitHub's schema refuses OrgctlCommit", "fileChange", "CreateCommitOnBranchInput");
    }

    @Test
    void aMisspelledFieldInASelectionIsRefusedNamingTypeAndField() {
        List<GraphQLError> problems = GitHubSchema.problems("mutation OrgctlCommit($input: CreateCommitOnBranchInput!) { "
                + "createCommitOnBranch(input: $input) { commit { oidd } } }", null, Map.of());
        assertThat(problems).extracting(GraphQLError::getMessage).anySatisfy(m -> assertThat(m).contains("oidd", "Commit"));
    }

    @Test
    void aViolationNobodyTookFailsTheFakesClose() {
        GitHubFake other = GitHubFake.start();
        other.createOrg("acme").createRepo("web");
        GitHubClient client = TestClients.pat(other, other.createToken("octo", "repo"));
        GitHubClient.GraphQLResult r = client.graphql("query { repository(owner: \"acme\", name: \"web\") { nam } }",
                Map.of(), false);
        assertThat(r.ok()).isFalse(); // a caller that ignores this still cannot pass the test
        assertThatThrownBy(other::close).isInstanceOf(AssertionError.class)
                .hasMessageContaining("Field 'nam' in type 'Repository' is undefined");
    }

    @Test
    void aConnectionWithoutPaginationBoundariesIsRefusedAsGitHubDoes() {
        acme.createRepo("web");
        GitHubClient.GraphQLResult r = host.client().graphql("query OrgctlPulls($o: String!, $n: String!) { "
                + "repository(owner: $o, name: $n) { pullRequests(states: [OPEN]) { nodes { number } } } }",
                Map.of("o", "acme", "n", "web"), false);
        assertThat(r.hasErrorType("MISSING_PAGINATION_BOUNDARIES")).isTrue();
        assertThat(fake.takeGraphQLViolations()).singleElement().asString()
                .contains("You must provide a `first` or `last` value to properly paginate the `pullRequests` connection.");
    }

    /** The named operations in src/main/java, read from the sources that build them. */
    private static Set<String> operationsInMainCode() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = OPERATION.matcher(Files.readString(p));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(names).isNotEmpty();
        return names;
    }

    private static CommitRequest request(String head, FileChange... changes) {
        return new CommitRequest("main", Optional.of(head), "chore: regenerate\n\nbody\n", List.of(changes),
                CommitIdentity.ORGCTL);
    }
}
