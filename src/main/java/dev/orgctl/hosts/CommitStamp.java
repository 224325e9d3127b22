package dev.orgctl.hosts;

import java.time.Instant;
import java.util.Objects;

/**
 * What a read learns of the commit it read at, beside its files: the message (whose trailers say
 * whether orgctl wrote it, and under which lock token) and when it was committed.
 */
public record CommitStamp(String message, Instant committedAt) {
    public CommitStamp {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(committedAt, "committedAt");
    }
}
