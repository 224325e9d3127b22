package dev.orgctl.testing.github;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An organization of the fake: its repositories and webhooks. */
public final class FakeOrg {
    final GitHubFake fake;
    final long id;
    final String login;
    final Map<String, FakeRepo> repos = new ConcurrentHashMap<>();
    final List<FakeHook> hooks = new CopyOnWriteArrayList<>();

    FakeOrg(GitHubFake fake, long id, String login) {
        this.fake = fake;
        this.id = id;
        this.login = login;
    }

    public String login() {
        return login;
    }

    public long id() {
        return id;
    }

    /** A repository with defaults: public, branch {@code main}, one commit holding README.md. */
    public FakeRepo createRepo(String name) {
        return createRepo(RepoSpec.named(name));
    }

    /** A repository as specified; its {@code repository} {@code created} event goes to the hooks. */
    public FakeRepo createRepo(RepoSpec spec) {
        return fake.writes.createRepo(this, spec, Person.of("creator"));
    }

    public Optional<FakeRepo> repo(String name) {
        return Optional.ofNullable(repos.get(name.toLowerCase(Locale.ROOT)));
    }

    public FakeRepo requireRepo(String name) {
        return repo(name).orElseThrow(() -> new IllegalArgumentException("no repository " + login + "/" + name));
    }

    public List<FakeRepo> repos() {
        List<FakeRepo> out = new ArrayList<>(repos.values());
        out.sort(Comparator.comparing(FakeRepo::name));
        return out;
    }

    public List<FakeHook> hooks() {
        return List.copyOf(hooks);
    }

    /** Registers a hook directly (as if made in the web UI); GitHub sends it a ping. */
    public FakeHook addHook(String url, String secret, List<String> events) {
        return fake.writes.createHook(this, url, "json", secret, "0", events, true);
    }
}
