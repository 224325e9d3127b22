package dev.orgctl.coordination;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A file shared by every contender (threads and processes) in which each holder writes
 * {@code ENTER <token> <who>} on entering the critical section and {@code EXIT <token> <who>} on
 * leaving it, each line with one append write (atomic on a local file system).
 * {@link #verify} proves that no two holders overlapped and that tokens strictly increased.
 */
final class CriticalSectionLog implements AutoCloseable {
    private final FileChannel channel;

    CriticalSectionLog(Path file) {
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void enter(long token, String who) {
        write("ENTER " + token + " " + who + "\n");
    }

    void exit(long token, String who) {
        write("EXIT " + token + " " + who + "\n");
    }

    private void write(String line) {
        try {
            ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Checks a log: lines alternate ENTER/EXIT of the same holder and token (never two holders at
     * once), and each ENTER's token is larger than the previous one.
     *
     * @return the number of critical sections
     * @throws AssertionError naming the first offending line
     */
    static int verify(List<String> lines) {
        String holder = null;
        long lastToken = Long.MIN_VALUE;
        int sections = 0;
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            if (f.length != 3) {
                throw new AssertionError("line " + (i + 1) + " is torn: '" + lines.get(i) + "'");
            }
            long token = Long.parseLong(f[1]);
            String id = f[1] + " " + f[2];
            if (f[0].equals("ENTER")) {
                if (holder != null) {
                    throw new AssertionError("line " + (i + 1) + ": " + id + " entered while " + holder + " was inside");
                }
                if (token <= lastToken) {
                    throw new AssertionError("line " + (i + 1) + ": token " + token + " after token " + lastToken
                            + ": fencing tokens must strictly increase");
                }
                holder = id;
                lastToken = token;
                sections++;
            } else if (f[0].equals("EXIT")) {
                if (!id.equals(holder)) {
                    throw new AssertionError("line " + (i + 1) + ": " + id + " exited but the holder was " + holder);
                }
                holder = null;
            } else {
                throw new AssertionError("line " + (i + 1) + " is not ENTER/EXIT: '" + lines.get(i) + "'");
            }
        }
        if (holder != null) {
            throw new AssertionError(holder + " never exited");
        }
        return sections;
    }
}
