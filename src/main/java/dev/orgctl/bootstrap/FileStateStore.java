package dev.orgctl.bootstrap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Phase one: the state as a JSON file in the data directory, replaced atomically so a crash
 * mid-write leaves the previous state, never half a file. Concurrent writers are kept out by the
 * bootstrap lock, not here.
 */
public final class FileStateStore implements StateStore {
    private final Path file;

    public FileStateStore(Path dataDir) {
        this.file = dataDir.resolve("bootstrap").resolve("state.json");
    }

    public Path file() {
        return file;
    }

    @Override
    public BootstrapState load() {
        try {
            return StateCodec.decode(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            return BootstrapState.empty();
        } catch (IOException e) {
            throw new BootstrapException("cannot read the bootstrap state " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void save(BootstrapState state) {
        try {
            replace(file, StateCodec.encode(state));
        } catch (IOException e) {
            throw new BootstrapException("cannot write the bootstrap state " + file + ": " + e.getMessage()
                    + "; check that the data directory is writable", e);
        }
    }

    /** Replaces {@code file} with {@code bytes} through a synced temporary file and an atomic move. */
    static void replace(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public String describe() {
        return file.toString();
    }
}
