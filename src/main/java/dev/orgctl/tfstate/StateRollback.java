package dev.orgctl.tfstate;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * {@code orgctl tfstate rollback NAME V}: a new version whose bytes are those of version V, written
 * under the state's lock as Terraform would write it, so it never interleaves with an apply. When
 * someone else holds the lock the rollback is refused, naming the holder.
 */
public final class StateRollback {
    private final StateStore store;
    private final StateLocks locks;
    private final Clock clock;

    public StateRollback(StateStore store, StateLocks locks, Clock clock) {
        this.store = store;
        this.locks = locks;
        this.clock = clock;
    }

    /** How a rollback ended. */
    public sealed interface Result permits RolledBack, Refused, NoSuchVersion {
    }

    public record RolledBack(StateVersion written) implements Result {
    }

    /** The lock is held by someone else, or a newer holder wrote meanwhile. */
    public record Refused(String why) implements Result {
    }

    public record NoSuchVersion(long version) implements Result {
    }

    /** @param who the person rolling back, for the lock and the history */
    public Result rollback(StateName name, long version, String who) {
        Optional<StateStore.Loaded> old = store.version(name, version);
        if (old.isEmpty()) {
            return new NoSuchVersion(version);
        }
        String id = UUID.randomUUID().toString();
        byte[] info = ("{\"ID\":\"" + id + "\",\"Operation\":\"OperationTypeRollback\",\"Info\":"
                + JsonAnswer.quote("orgctl tfstate rollback to version " + version) + ",\"Who\":"
                + JsonAnswer.quote(who) + ",\"Version\":\"orgctl\",\"Created\":\"" + clock.instant() + "\",\"Path\":\"\"}")
                .getBytes(StandardCharsets.UTF_8);
        StateLocks.Taken taken = locks.lock(name, info, "cli", who, Optional.empty());
        if (taken instanceof StateLocks.Busy b) {
            return new Refused("state " + name + " is locked by " + b.holder().subject() + " (lock " + b.holder().id()
                    + ", since " + b.holder().lockedAt() + ")");
        }
        long token = ((StateLocks.Acquired) taken).lock().token();
        try {
            StateStore.Write w = store.put(name, old.get().bytes(), () -> OptionalLong.of(token), who,
                    "rollback to " + version);
            if (w instanceof StateStore.Fenced f) {
                return new Refused("a newer lock holder wrote state " + name + " meanwhile (token " + f.newest() + ")");
            }
            return new RolledBack(((StateStore.Written) w).version());
        } finally {
            locks.unlock(name, id);
        }
    }
}
