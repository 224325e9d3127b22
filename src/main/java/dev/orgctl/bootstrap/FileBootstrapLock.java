package dev.orgctl.bootstrap;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * Phase one's bootstrap lock: an OS lock on a file in the data directory. The OS releases it when
 * the holder dies, even by SIGKILL, so a crashed bootstrap never blocks the next one. The file
 * names the holder, for the message the second bootstrap prints.
 */
public final class FileBootstrapLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private FileBootstrapLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, waiting at most {@code wait}; fails with the holder's identity. */
    public static FileBootstrapLock acquire(Path dataDir, Duration wait) {
        Path file = dataDir.resolve("bootstrap").resolve("lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            Instant deadline = Instant.now().plus(wait);
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) {
                    ch.truncate(0);
                    ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on "
                            + ManagementFactory.getRuntimeMXBean().getName() + " since " + Instant.now() + "\n")
                            .getBytes(StandardCharsets.UTF_8)), 0);
                    ch.force(false);
                    return new FileBootstrapLock(ch, l);
                }
                if (Instant.now().isAfter(deadline)) {
                    String holder = Files.readString(file).trim();
                    ch.close();
                    throw new BootstrapException("another bootstrap is running on " + dataDir + " ("
                            + (holder.isEmpty() ? "holder unknown" : holder) + "); wait for it or stop it, then re-run");
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new BootstrapException("cannot take the bootstrap lock " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BootstrapException("interrupted while waiting for the bootstrap lock", e);
        }
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock in any case
        }
    }
}
