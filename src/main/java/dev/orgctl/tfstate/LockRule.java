package dev.orgctl.tfstate;

import dev.orgctl.gateway.http.Response;
import java.util.Optional;
import java.util.OptionalLong;

/** Which writes a state's lock lets through (docs/terraform-state.md, "Locks and fencing"). */
final class LockRule {
    private LockRule() {
    }

    /**
     * The rule of a write: while a lock is held, only a request naming its ID writes (under its
     * fencing token); with no lock held, a request without an ID writes, one with an ID holds a lock
     * that is gone (released, broken or run out) and is refused.
     */
    static OptionalLong fence(StateLocks locks, StateName name, Optional<String> id) {
        Optional<StateLock> holder = locks.holder(name);
        if (holder.isPresent()) {
            if (id.isPresent() && id.get().equals(holder.get().id())) {
                return OptionalLong.of(holder.get().token());
            }
            throw new LockConflict(Response.json(409, holder.get().info()), "state " + name + " is locked by "
                    + holder.get().subject());
        }
        if (id.isPresent()) {
            throw new LockConflict(JsonAnswer.error(409, "lock " + id.get() + " of state " + name
                    + " is not held (released, force-unlocked or held past tfstate.max_hold); lock again"), "stale lock id");
        }
        return OptionalLong.empty();
    }

    /** A write refused because of the lock: answered 409 with what the holder sent, or why. */
    static final class LockConflict extends TfstateException {
        private final transient Response answer;

        LockConflict(Response answer, String message) {
            super(message, false);
            this.answer = answer;
        }

        Response answer() {
            return answer;
        }
    }
}
