package dev.orgctl.hosts.git;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.RepoRef;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@link RefStateStore} as small JSON files under a directory (by default
 * {@code <data dir>/git-watcher}): {@code refs/<org>/<repo>.json} per repository and an
 * {@code initialized} marker. Each write is a temporary file moved atomically into place, so a
 * crash leaves the old or the new state, never a torn one.
 */
public final class FileRefStateStore implements RefStateStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final TypeReference<TreeMap<String, String>> MAP = new TypeReference<>() {
    };

    private final Path dir;

    public FileRefStateStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The store of a data directory: {@code <dataDir>/git-watcher}. */
    public static FileRefStateStore inDataDir(Path dataDir) {
        return new FileRefStateStore(dataDir.resolve("git-watcher"));
    }

    public Path directory() {
        return dir;
    }

    @Override
    public boolean initialized() {
        return Files.exists(dir.resolve("initialized"));
    }

    @Override
    public void markInitialized() {
        write(dir.resolve("initialized"), "baseline complete\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public Optional<Map<String, String>> load(RepoRef repo) {
        Path f = file(repo);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), MAP));
        } catch (IOException e) {
            throw new HostException("cannot read ref state " + f + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void save(RepoRef repo, Map<String, String> refs) {
        try {
            write(file(repo), JSON.writeValueAsBytes(new TreeMap<>(refs)));
        } catch (IOException e) {
            throw new HostException("cannot write ref state of " + repo + ": " + e.getMessage(), e);
        }
    }

    private Path file(RepoRef repo) {
        return dir.resolve("refs").resolve(repo.org()).resolve(repo.name() + ".json");
    }

    private static void write(Path target, byte[] bytes) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new HostException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
