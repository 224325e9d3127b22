package dev.orgctl.bootstrap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The ids of the KV leases bootstraps on this data directory took or were about to take
 * ({@code ORGCTL_DATA_DIR/bootstrap/lease}, one id a line). Only the holder of the data
 * directory's file lock reads or writes it, so a lease whose id is listed here belongs to a
 * bootstrap of this data directory that is gone: a live one would still hold the file lock. That
 * is what makes a takeover safe, where the pid and host name written in the lease prove nothing
 * (a SIGKILLed process that is not reaped yet still "exists"; another PID namespace reuses pids
 * and host names).
 *
 * <p>An id is written before its acquire is sent, so a bootstrap killed between the write and the
 * server's answer still leaves its lease recognisable; earlier ids are kept until a lease is held.
 */
final class LeaseRecord {
    private final Path file;

    LeaseRecord(Path dataDir) {
        this.file = dataDir.resolve("bootstrap").resolve("lease");
    }

    Set<String> ids() {
        try {
            Set<String> ids = new LinkedHashSet<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    ids.add(line.trim());
                }
            }
            return ids;
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new BootstrapException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the recorded ids; durable before it returns. */
    void write(List<String> ids) {
        try {
            FileStateStore.replace(file, (String.join("\n", ids) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BootstrapException("cannot write " + file + ": " + e.getMessage()
                    + "; check that the data directory is writable", e);
        }
    }
}
