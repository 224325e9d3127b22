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

    /** A pull request was merged: {@code pull_request closed} with {@code merged: true}. */
    void merged(FakePull p, FakeWebhooks.Actor who) {
        Map<String, Object> payload = payload("closed", p, who);
        @SuppressWarnings("unchecked")
        Map<String, Object> pull = (Map<String, Object>) payload.get("pull_request");
        pull.put("merged_by", f.webhooks.user(who));
        f.webhooks.deliver(p.repo.org, "pull_request", "closed", p.repo.id, payload);
    }

    /** Someone asks for the checks of {@code headSha} again ("Re-run all checks"). */
    void rerequest(FakeRepo repo, String headSha, long appId, Person who) {
        List<FakePull> pulls = repo.openPulls().stream().filter(p -> repo.head(p.head).orElse("").equals(headSha))
                .toList();
        long id = f.ids.incrementAndGet();
        org.eclipse.jgit.revwalk.RevCommit head = repo.git.parse(headSha);
        Optional<String> before = head.getParentCount() > 0 ? Optional.of(head.getParent(0).name()) : Optional.empty();
        java.time.Instant now = f.clock.instant();
        Map<String, Object> suite = new FakeCiJson.SuiteFields(id, repo, pulls.isEmpty() ? null : pulls.get(0).head,
                headSha, before, "completed", "failure", FakeChecks.appJson(f, appId, repo.org, now), now, now).json(f);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("action", "rerequested");
        payload.put("check_suite", suite);
        payload.put("repository", f.webhooks.repository(FakeJson.repo(f, repo), repo));
        payload.put("organization", f.webhooks.organization(repo.org));
        payload.put("sender", f.webhooks.user(FakeWebhooks.Actor.of(who)));
        f.webhooks.deliver(repo.org, "check_suite", "rerequested", repo.id, payload);
    }

    private Map<String, Object> payload(String action, FakePull p, FakeWebhooks.Actor who) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("action", action);
        m.put("number", p.number);
        m.put("pull_request", pullRequest(p, who));
        m.put("repository", f.webhooks.repository(FakeJson.repo(f, p.repo), p.repo));
        m.put("organization", f.webhooks.organization(p.repo.org));
        m.put("sender", f.webhooks.user(who));
        return m;
    }

    /**
     * GitHub's {@code pull-request} object of webhook payloads: the REST object with the webhook's
     * own fields, its author, and head and base carrying the webhook shapes of user and repository.
     */
    private Map<String, Object> pullRequest(FakePull p, FakeWebhooks.Actor author) {
        Map<String, Object> m = FakeRestJson.pull(f, p);
        String head = p.repo.head(p.head).orElse("0000000000000000000000000000000000000000");
        m.put("user", f.webhooks.user(author));
        m.put("head", side(p.repo, p.head));
        m.put("base", side(p.repo, p.base));
        m.put("author_association", "MEMBER");
        m.put("active_lock_reason", null);
        // GitHub computes mergeability in the background: null until it has.
        m.put("rebaseable", null);
        m.put("commits", p.repo.git.between(p.repo.head(p.base), head).size());
        // Line counts are not modelled; the number of files that differ is.
        m.put("changed_files", changedFiles(p));
        return m;
    }

    /** How many paths differ between the base's and the head's trees. */
    private static int changedFiles(FakePull p) {
        Map<String, FakeGit.Entry> base = p.repo.git.files(p.repo.head(p.base).orElseThrow());
        Map<String, FakeGit.Entry> head = p.repo.git.files(p.repo.head(p.head).orElseThrow());
        java.util.Set<String> paths = new java.util.HashSet<>(base.keySet());
        paths.addAll(head.keySet());
        return (int) paths.stream().filter(path -> !java.util.Objects.equals(base.get(path), head.get(path))).count();
    }

    private Map<String, Object> side(FakeRepo repo, String branch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", repo.org.login + ":" + branch);
        m.put("ref", branch);
        m.put("sha", repo.head(branch).orElse("0000000000000000000000000000000000000000"));
        m.put("user", f.webhooks.repository(FakeJson.repo(f, repo), repo).get("owner"));
        m.put("repo", f.webhooks.repository(FakeJson.repo(f, repo), repo));
        return m;
    }

    /** The pull request inside a check suite: url, id, number, and head and base with a minimal repo. */
    Map<String, Object> minimalPull(FakePull p) {
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
