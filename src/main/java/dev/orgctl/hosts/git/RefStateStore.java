package dev.orgctl.hosts.git;

import dev.orgctl.hosts.RepoRef;
import java.util.Map;
import java.util.Optional;

/**
 * The refs the ref watcher last delivered, per repository: what it compares the repositories
 * with. An entry moves only after the receiver acknowledged the delivery, so after a crash the
 * watcher emits again exactly what was not acknowledged (with the same delivery GUID).
 *
 * <p>Implementations: {@link FileRefStateStore} (files under the data directory); a NATS KV
 * implementation can replace it when the watcher runs beside JetStream. Only one watcher writes
 * a store at a time.
 */
public interface RefStateStore {

    /** Whether the watcher has completed its first scan (the baseline) with this store. */
    boolean initialized();

    /** Records that the baseline scan is complete: repositories seen afterwards are new. */
    void markInitialized();

    /**
     * The last delivered refs of a repository (full ref name to object id), or empty when the
     * repository has never been seen.
     */
    Optional<Map<String, String>> load(RepoRef repo);

    /** Replaces the last delivered refs of a repository (an empty map: known, no refs yet). */
    void save(RepoRef repo, Map<String, String> refs);
}
