package dev.orgctl.testing.github;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pull requests opened by people and what GitHub tells webhooks about them: {@code pull_request}
 * {@code opened} when one is opened, {@code synchronize} (with {@code before} and {@code after})
 * when its head branch moves, and {@code check_suite} {@code rerequested} when someone asks for
 * the checks of a head again. Payload shapes follow GitHub's webhook reference
 * ({@code @octokit/webhooks-examples}).
 *
 * <p>One deviation, on purpose: GitHub sends {@code check_suite} {@code rerequested} only to the
 * GitHub App that owns the suite (its App webhook), not to repository or organization webhooks;
 * the fake has no App webhooks, so it sends it to the org's hooks that subscribe to
 * {@code check_suite}, standing in for the App's.
 */
final class FakePullEvents {
    private final GitHubFake f;

    FakePullEvents(GitHubFake fake) {
        this.f = fake;
    }

    /** A person opens a pull request from {@code head} into {@code base}: {@code pull_request opened}. */
    FakePull open(FakeRepo repo, String head, String base, Person who, String title) {
        if (repo.head(head).isEmpty() || repo.head(base).isEmpty()) {
            throw new IllegalArgumentException(repo.fullName() + " has no branch " + (repo.head(head).isEmpty() ? head
                    : base));
        }
        FakePull p = new FakePull(f.ids.incrementAndGet(), repo.pulls.size() + 1, repo, title, null, head, base,
                f.clock.instant());
        repo.pulls.add(p);
        Map<String, Object> payload = payload("opened", p, FakeWebhooks.Actor.of(who));
        f.webhooks.deliver(repo.org, "pull_request", "opened", repo.id, payload);
        return p;
    }

    /** A push moved {@code ref}: every open pull request with that head gets {@code synchronize}. */
    void pushed(FakeRepo repo, String ref, Optional<String> before, Optional<String> after, FakeWebhooks.Actor who) {
        if (after.isEmpty() || !ref.startsWith("refs/heads/")) {
            return;
        }
        String branch = ref.substring("refs/heads/".length());
        for (FakePull p : repo.openPulls()) {
            if (p.head.equals(branch)) {
                Map<String, Object> payload = payload("synchronize", p, who);
                payload.put("before", before.orElse("0000000000000000000000000000000000000000"));
                payload.put("after", after.get());
                f.webhooks.deliver(repo.org, "pull_request", "synchronize", repo.id, payload);
            }
        }
    }

    /** Someone asks for the checks of {@code headSha} again ("Re-run all checks"). */
    void rerequest(FakeRepo repo, String headSha, Person who) {
        List<FakePull> pulls = repo.openPulls().stream().filter(p -> repo.head(p.head).orElse("").equals(headSha))
                .toList();
        Map<String, Object> suite = new LinkedHashMap<>();
        suite.put("id", f.ids.incrementAndGet());
        suite.put("head_branch", pulls.isEmpty() ? null : pulls.get(0).head);
        suite.put("head_sha", headSha);
        suite.put("status", "completed");
        suite.put("pull_requests", pulls.stream().map(p -> (Object) minimalPull(p)).toList());
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("action", "rerequested");
        payload.put("check_suite", suite);
        payload.put("repository", FakeJson.repo(f, repo));
        payload.put("organization", FakeJson.orgSimple(f, repo.org));
        payload.put("sender", FakeWebhooks.user(FakeWebhooks.Actor.of(who)));
        f.webhooks.deliver(repo.org, "check_suite", "rerequested", repo.id, payload);
    }

    private Map<String, Object> payload(String action, FakePull p, FakeWebhooks.Actor who) {
        Map<String, Object> pull = FakeJson.pull(f, p);
        pull.put("user", FakeWebhooks.user(who));
        pull.put("draft", false);
        pull.put("merged", false);
        pull.put("head", side(p.repo, p.head));
        pull.put("base", side(p.repo, p.base));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("action", action);
        m.put("number", p.number);
        m.put("pull_request", pull);
        m.put("repository", FakeJson.repo(f, p.repo));
        m.put("organization", FakeJson.orgSimple(f, p.repo.org));
        m.put("sender", FakeWebhooks.user(who));
        return m;
    }

    private Map<String, Object> side(FakeRepo repo, String branch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", repo.org.login + ":" + branch);
        m.put("ref", branch);
        m.put("sha", repo.head(branch).orElse("0000000000000000000000000000000000000000"));
        m.put("repo", FakeJson.repo(f, repo));
        return m;
    }

    /** The pull request inside a check suite: url, id, number, and head and base with a minimal repo. */
    private Map<String, Object> minimalPull(FakePull p) {
        Map<String, Object> repo = Map.of("id", p.repo.id, "url", f.url() + "/repos/" + p.repo.fullName(), "name",
                p.repo.name);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", f.url() + "/repos/" + p.repo.fullName() + "/pulls/" + p.number);
        m.put("id", p.id);
        m.put("number", p.number);
        m.put("head", Map.of("ref", p.head, "sha", p.repo.head(p.head).orElse(""), "repo", repo));
        m.put("base", Map.of("ref", p.base, "sha", p.repo.head(p.base).orElse(""), "repo", repo));
        return m;
    }
}
