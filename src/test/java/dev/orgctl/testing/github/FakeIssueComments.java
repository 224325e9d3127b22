package dev.orgctl.testing.github;

import dev.orgctl.testing.github.GitHubFake.Call;
import dev.orgctl.testing.github.GitHubFake.HttpError;
import dev.orgctl.testing.github.GitHubFake.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        f.route("GET", "/repos/{owner}/{repo}/issues/{number}/comments", this::list);
        f.route("PATCH", "/repos/{owner}/{repo}/issues/comments/{id}", this::update);
    }

    private Reply list(Call c) {
        FakeRepo repo = c.requireRepo();
        c.require(REPO_SCOPES, "pull_requests", "read");
        FakePull p = repo.pulls.stream().filter(x -> String.valueOf(x.number).equals(c.param("number"))).findFirst()
                .orElseThrow(HttpError::notFound);
        List<Object> out = new ArrayList<>();
        p.commentBodies.forEach((id, body) -> out.add(json(repo, id, body)));
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
                return Reply.json(200, json(repo, id, body));
            }
        }
        throw HttpError.notFound();
    }

    private Map<String, Object> json(FakeRepo repo, long id, String body) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("node_id", "IC_" + id);
        m.put("url", f.url() + "/repos/" + repo.fullName() + "/issues/comments/" + id);
        m.put("body", body);
        return m;
    }
}
