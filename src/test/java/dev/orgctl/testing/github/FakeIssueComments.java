package dev.orgctl.testing.github;

import java.util.ArrayList;
import java.util.List;

/**
 * Reading and editing a pull request's comments ({@code GET /repos/{o}/{r}/issues/{n}/comments},
 * {@code PATCH /repos/{o}/{r}/issues/comments/{id}}); creating one is {@code FakeRest}'s. GitHub
 * needs {@code pull_requests} (or {@code issues}) permission; a body over 65536 characters is 422.
 */
final class FakeIssueComments {
    private static final List<String> REPO_SCOPES = List.of("repo", "public_repo");
    static final int MAX_BODY = 65_536;

    private final GitHubFake f;

    FakeIssueComments(GitHubFake fake) {
        this.f = fake;
    }

    void register() {
        f.http.route("GET", "/repos/{owner}/{repo}/issues/{number}/comments", this::list);
        f.http.route("PATCH", "/repos/{owner}/{repo}/issues/comments/{id}", this::update);
    }

    private Reply list(Call c) {
        FakeRepo repo = c.requireRepo();
        c.require(REPO_SCOPES, "pull_requests", "read");
        FakePull p = repo.pulls.stream().filter(x -> String.valueOf(x.number).equals(c.param("number"))).findFirst()
                .orElseThrow(HttpError::notFound);
        List<Object> out = new ArrayList<>();
        p.commentBodies.forEach((id, body) -> out.add(FakeRestJson.comment(f, p, id, body, c.principal)));
        return Reply.json(200, out);
    }

    private Reply update(Call c) {
        FakeRepo repo = c.requireRepo();
        c.require(REPO_SCOPES, "pull_requests", "write");
        String body = c.json().path("body").asText("");
        if (body.codePointCount(0, body.length()) > MAX_BODY) {
            throw HttpError.validation("IssueComment", "custom", "body is too long (maximum is " + MAX_BODY
                    + " characters)");
        }
        long id;
        try {
            id = Long.parseLong(c.param("id"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound();
        }
        for (FakePull p : repo.pulls) {
            if (p.commentBodies.containsKey(id)) {
                p.commentBodies.put(id, body);
                return Reply.json(200, FakeRestJson.comment(f, p, id, body, c.principal));
            }
        }
        throw HttpError.notFound();
    }
}
