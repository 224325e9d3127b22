package dev.orgctl.testing.github;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * The writes several surfaces share — a test's {@link FakeOrg}/{@link FakeRepo} calls, REST and
 * GraphQL — with the semantics GitHub gives them all alike: refs move by compare-and-set, the
 * workflow-file rule, the git identity of API commits, and the webhook each write sends. One
 * place, so a REST push and a GraphQL commit cannot drift apart.
 */
final class FakeWrites {
    /** Thrown when a principal may not change workflow files. */
    static final class WorkflowRefused extends RuntimeException {
        final String path;
        final boolean app;

        WorkflowRefused(String path, boolean app) {
            super(app ? "refusing to allow a GitHub App to create or update workflow `" + path
                    + "` without `workflows` permission"
                    : "refusing to allow a Personal Access Token to create or update workflow `" + path
                    + "` without `workflow` scope", null, false, false);
            this.path = path;
            this.app = app;
        }
    }

    private final GitHubFake fake;

    FakeWrites(GitHubFake fake) {
        this.fake = fake;
    }

    FakeRepo createRepo(FakeOrg org, RepoSpec spec, Person creator) {
        FakeRepo repo = new FakeRepo(org, fake.ids.incrementAndGet(), spec, fake.clock.instant());
        if (org.repos.putIfAbsent(spec.name().toLowerCase(Locale.ROOT), repo) != null) {
            throw new IllegalArgumentException("repository exists: " + org.login + "/" + spec.name());
        }
        if (!spec.files().isEmpty()) {
            Map<String, FakeGit.Blob> files = new LinkedHashMap<>();
            spec.files().forEach((p, c) -> files.put(p, new FakeGit.Blob(c.getBytes(StandardCharsets.UTF_8), false)));
            PersonIdent id = new PersonIdent(creator.name(), creator.email());
            String c = repo.git.commit(Optional.empty(), files, List.of(), id, id, "Initial commit");
            repo.git.compareAndSet("refs/heads/" + spec.defaultBranch(), Optional.empty(), c);
        }
        fake.webhooks.repositoryCreated(repo, FakeWebhooks.Actor.of(creator));
        return repo;
    }

    String pushAs(FakeRepo repo, String branch, Person who, String message, Map<String, String> files,
                  List<String> deletions) {
        Map<String, FakeGit.Blob> puts = new LinkedHashMap<>();
        files.forEach((p, c) -> puts.put(p, new FakeGit.Blob(c.getBytes(StandardCharsets.UTF_8), false)));
        return pushBlobs(repo, branch, who, message, puts, deletions);
    }

    String pushBlobs(FakeRepo repo, String branch, Person who, String message, Map<String, FakeGit.Blob> puts,
                     List<String> deletions) {
        String ref = "refs/heads/" + branch;
        while (true) {
            Optional<String> before = repo.git.ref(ref);
            PersonIdent id = new PersonIdent(who.name(), who.email());
            String commit = repo.git.commit(before, puts, deletions, id, id, message);
            if (repo.git.compareAndSet(ref, before, commit)) {
                repo.pushedAt = fake.clock.instant();
                fake.webhooks.push(repo, ref, before, Optional.of(commit), FakeWebhooks.Actor.of(who));
                return commit;
            }
        }
    }

    FakeHook createHook(FakeOrg org, String url, String contentType, String secret, String insecureSsl,
                        List<String> events, boolean active) {
        FakeHook hook = new FakeHook(fake.ids.incrementAndGet(), org, url, contentType, secret, insecureSsl, events,
                active, fake.clock.instant());
        org.hooks.add(hook);
        // GitHub sends a ping to every new webhook.
        fake.webhooks.ping(hook, FakeWebhooks.Actor.of(Person.of("admin")));
        return hook;
    }

    /**
     * Moves a ref with compare-and-set after checking the workflow permission on what changes
     * (GitHub checks it when a ref update would change files under {@code .github/workflows/}).
     * Sends the push webhook. Returns false when the ref was not at {@code expected}.
     */
    boolean updateRef(FakeRepo repo, String ref, Optional<String> expected, String newId, Principal who) {
        if (newId != null) {
            checkWorkflows(repo, expected, newId, who);
        }
        if (!repo.git.compareAndSet(ref, expected, newId)) {
            return false;
        }
        repo.pushedAt = fake.clock.instant();
        fake.webhooks.push(repo, ref, expected, Optional.ofNullable(newId), FakeWebhooks.Actor.of(who));
        return true;
    }

    private void checkWorkflows(FakeRepo repo, Optional<String> before, String after, Principal who) {
        boolean allowed = who.kind() == Principal.Kind.USER ? who.scopes().contains("workflow")
                : "write".equals(who.permissions().get("workflows"));
        if (allowed) {
            return;
        }
        Map<String, FakeGit.Entry> now = repo.git.filesUnder(after, ".github/workflows");
        Map<String, FakeGit.Entry> old = before.map(b -> repo.git.filesUnder(b, ".github/workflows")).orElse(Map.of());
        for (Map.Entry<String, FakeGit.Entry> e : now.entrySet()) {
            FakeGit.Entry o = old.get(e.getKey());
            if (o == null || !o.oid().equals(e.getValue().oid()) || o.mode() != e.getValue().mode()) {
                throw new WorkflowRefused(e.getKey(), who.kind() != Principal.Kind.USER);
            }
        }
        for (String p : old.keySet()) {
            if (!now.containsKey(p)) {
                throw new WorkflowRefused(p, who.kind() != Principal.Kind.USER);
            }
        }
    }

    /** The git identity orgctl's API commits get: the user, or the App's bot. */
    PersonIdent identity(Principal p) {
        return new PersonIdent(p.name(), p.email());
    }
}
