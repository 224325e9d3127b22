package dev.orgctl.tfstate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.tfstate.auth.Caller;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terraform state locks in {@code ORGCTL_TFSTATE_LOCKS}, one entry per locked state: taken with
 * create-if-absent (losing that race means "held"), released with a delete at the revision read,
 * so a release never removes a lock someone else took since. The entry's revision is the fencing
 * token. A lock older than the maximum hold time counts as released: the next reader removes it
 * (logged, and counted through {@link Listener}).
 */
public final class StateLocks {
    private static final Logger log = LoggerFactory.getLogger(StateLocks.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int MAX_ATTEMPTS = 5;

    /** What the locks report beyond their answers. */
    public interface Listener {
        void releasedByMaxHold(StateName name, StateLock lock);

        Listener NONE = (n, l) -> { };
    }

    private final KeyValue kv;
    private final Duration maxHold;
    private final Clock clock;
    private final Listener listener;

    public StateLocks(Connection connection, Duration maxHold, Clock clock, Listener listener) {
        try {
            this.kv = connection.keyValue(Topology.TFSTATE_LOCKS_BUCKET);
        } catch (IOException e) {
            throw new NatsUnavailableException("the Terraform state locks need " + Topology.TFSTATE_LOCKS_BUCKET
                    + " (run 'orgctl topology apply'): " + e.getMessage(), e);
        }
        this.maxHold = maxHold;
        this.clock = clock;
        this.listener = listener;
    }

    /** The outcome of a LOCK. */
    public sealed interface Taken permits Acquired, Busy {
    }

    public record Acquired(StateLock lock) implements Taken {
    }

    public record Busy(StateLock holder) implements Taken {
    }

    /** The outcome of an UNLOCK. */
    public sealed interface Released permits Unlocked, NotLocked, HeldByOther {
    }

    public record Unlocked(StateLock lock) implements Released {
    }

    public record NotLocked() implements Released {
    }

    public record HeldByOther(StateLock holder) implements Released {
    }

    /**
     * Takes the lock of {@code name} for the LockInfo Terraform sent.
     *
     * @param kind    the holder's kind ({@code oidc}, {@code token}, {@code cli})
     * @param subject the holder, for display
     * @throws BadLockInfo when the body is not a LockInfo with an ID
     */
    public Taken lock(StateName name, byte[] lockInfo, String kind, String subject, Optional<Caller.GitHubRun> run) {
        String id = lockId(lockInfo);
        StateLock wanted = new StateLock(id, new String(lockInfo, StandardCharsets.UTF_8), kind, subject,
                run.or(() -> runFromLockInfo(lockInfo)).orElse(null), clock.instant().toString(), 0);
        byte[] value = encode(wanted);
        try {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Optional<StateLock> holder = holder(name);
                if (holder.isPresent()) {
                    return new Busy(holder.get());
                }
                long revision;
                try {
                    revision = kv.create(name.key(), value);
                } catch (JetStreamApiException e) {
                    if (JetStreamErrors.isConflict(e)) {
                        continue; // taken meanwhile: report the winner
                    }
                    throw e;
                }
                // Trust a lock only once it reads back (nats-server 2.9 after unclean shutdowns, stack notes).
                KeyValueEntry back = kv.get(name.key());
                if (back == null || back.getRevision() != revision) {
                    throw new TfstateException("the lock of state " + name + " did not read back after it was taken; "
                            + "JetStream may be recovering, try again", true);
                }
                return new Acquired(wanted.withToken(revision));
            }
            throw new TfstateException("the lock of state " + name + " changed hands too often; try again", true);
        } catch (IOException | JetStreamApiException e) {
            throw new TfstateException("JetStream could not lock state " + name + ": " + e.getMessage(), e, true);
        }
    }

    /** Releases the lock if {@code id} is the holder's. */
    public Released unlock(StateName name, String id) {
        Optional<StateLock> holder = holder(name);
        if (holder.isEmpty()) {
            return new NotLocked();
        }
        if (!holder.get().id().equals(id)) {
            return new HeldByOther(holder.get());
        }
        return remove(name, holder.get()) ? new Unlocked(holder.get()) : unlock(name, id);
    }

    /** Releases whatever lock {@code name} has ({@code orgctl tfstate unlock}); the lock released, if any. */
    public Optional<StateLock> forceUnlock(StateName name) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<StateLock> holder = holder(name);
            if (holder.isEmpty() || remove(name, holder.get())) {
                return holder;
            }
        }
        throw new TfstateException("the lock of state " + name + " changed hands too often; try again", true);
    }

    /** The current holder; a lock held past the maximum hold time is released here and not returned. */
    public Optional<StateLock> holder(StateName name) {
        try {
            KeyValueEntry e = kv.get(name.key());
            if (e == null || e.getValue() == null) {
                return Optional.empty();
            }
            StateLock lock = decode(e.getValue()).withToken(e.getRevision());
            if (expired(lock)) {
                if (remove(name, lock)) {
                    log.atWarn().addKeyValue("state", name.value()).addKeyValue("lock_id", lock.id())
                            .addKeyValue("holder", lock.subject()).addKeyValue("locked_at", lock.lockedAt())
                            .log("state lock released: held longer than the maximum hold time " + maxHold);
                    listener.releasedByMaxHold(name, lock);
                }
                return holder(name);
            }
            return Optional.of(lock);
        } catch (IOException | JetStreamApiException e) {
            throw new TfstateException("JetStream could not read the lock of state " + name + ": " + e.getMessage(), e,
                    true);
        }
    }

    /** Releases {@code lock} if it is still the one held (same revision); false when it changed hands. */
    public boolean release(StateName name, StateLock lock) {
        return remove(name, lock);
    }

    /** Every held lock, by state name (expired ones released on the way). */
    public List<Held> list() {
        try {
            List<Held> all = new ArrayList<>();
            for (String key : kv.keys()) {
                StateName name = StateName.fromKey(key);
                holder(name).ifPresent(l -> all.add(new Held(name, l)));
            }
            all.sort((a, b) -> a.name().compareTo(b.name()));
            return all;
        } catch (IOException | JetStreamApiException e) {
            throw new TfstateException("JetStream could not list state locks: " + e.getMessage(), e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TfstateException("interrupted while listing state locks", e, true);
        }
    }

    /** A state and its lock. */
    public record Held(StateName name, StateLock lock) {
    }

    private boolean expired(StateLock lock) {
        return lock.lockedAtInstant().plus(maxHold).isBefore(clock.instant());
    }

    /** Deletes the lock at the revision read; false when it changed meanwhile. */
    private boolean remove(StateName name, StateLock lock) {
        try {
            kv.delete(name.key(), lock.token());
            return true;
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isConflict(e)) {
                return false;
            }
            throw new TfstateException("JetStream could not release the lock of state " + name + ": " + e.getMessage(),
                    e, true);
        } catch (IOException e) {
            throw new TfstateException("JetStream could not release the lock of state " + name + ": " + e.getMessage(),
                    e, true);
        }
    }

    /** LockInfo's {@code ID}: what every later request names the lock by. */
    static String lockId(byte[] lockInfo) {
        JsonNode n = lockInfoTree(lockInfo);
        String id = n.path("ID").asText("");
        if (id.isEmpty()) {
            throw new BadLockInfo("the LockInfo has no ID");
        }
        return id;
    }

    private static JsonNode lockInfoTree(byte[] lockInfo) {
        try {
            JsonNode n = JSON.readTree(lockInfo);
            if (n == null || !n.isObject()) {
                throw new BadLockInfo("the body is not a LockInfo JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new BadLockInfo("the body is not a LockInfo JSON object");
        }
    }

    /**
     * The GitHub run a LockInfo names, when Terraform ran in Actions with its {@code Info} set to
     * {@code GITHUB_REPOSITORY}/{@code GITHUB_RUN_ID} ("owner/repo/actions/runs/123" or a run URL):
     * a hook for releasing the lock when the run ends.
     */
    static Optional<Caller.GitHubRun> runFromLockInfo(byte[] lockInfo) {
        String info = lockInfoTree(lockInfo).path("Info").asText("");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/actions/runs/([0-9]{1,18})(?:/attempts/([0-9]{1,9}))?")
                .matcher(info);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new Caller.GitHubRun(m.group(1), Long.parseLong(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
    }

    private static byte[] encode(StateLock lock) {
        try {
            return JSON.writeValueAsBytes(lock);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static StateLock decode(byte[] value) {
        try {
            return JSON.readValue(value, StateLock.class);
        } catch (IOException e) {
            throw new TfstateException("a lock in " + Topology.TFSTATE_LOCKS_BUCKET + " cannot be read: " + e.getMessage(),
                    false);
        }
    }

    /** A LOCK or UNLOCK body that is not a LockInfo with an ID: the answer is 400. */
    public static final class BadLockInfo extends TfstateException {
        public BadLockInfo(String message) {
            super(message, false);
        }
    }
}
