package dev.orgctl.regen;

import dev.orgctl.hosts.RepoRef;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where orgctl remembers, per repository, the state it last verified: the default branch's head
 * and the {@link TemplateSnapshot#fingerprint fingerprint} of what applies to it. The controller
 * keeps it in the KV bucket {@code ORGCTL_VERIFIED}; {@link #NONE} remembers nothing (every run
 * reads every repository).
 */
public interface VerifiedRepos {
    /** The repository was equal to its rendered templates at {@code head}, with templates of {@code fingerprint}. */
    record Verified(String head, String fingerprint) {
    }

    Optional<Verified> get(RepoRef repo);

    void put(RepoRef repo, Verified verified);

    /** Forgets the repository (its next run reads it). */
    void forget(RepoRef repo);

    VerifiedRepos NONE = new VerifiedRepos() {
        @Override
        public Optional<Verified> get(RepoRef repo) {
            return Optional.empty();
        }

        @Override
        public void put(RepoRef repo, Verified verified) {
        }

        @Override
        public void forget(RepoRef repo) {
        }
    };

    /** In this process only (the benchmark; tests). */
    static VerifiedRepos inMemory() {
        Map<RepoRef, Verified> map = new ConcurrentHashMap<>();
        return new VerifiedRepos() {
            @Override
            public Optional<Verified> get(RepoRef repo) {
                return Optional.ofNullable(map.get(repo));
            }

            @Override
            public void put(RepoRef repo, Verified verified) {
                map.put(repo, verified);
            }

            @Override
            public void forget(RepoRef repo) {
                map.remove(repo);
            }
        };
    }
}
