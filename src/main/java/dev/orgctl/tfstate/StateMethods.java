package dev.orgctl.tfstate;

import dev.orgctl.gateway.http.RequestHead;
import dev.orgctl.gateway.http.Response;
import dev.orgctl.tfstate.auth.Caller;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each method of Terraform's {@code http} backend protocol does to a state and its lock, for
 * a caller {@link TfstateHandler} has authenticated and authorized: the answer Terraform expects
 * (docs/terraform-state.md, "The protocol"), counted by outcome. Errors are thrown for the handler
 * to map (a fence conflict, a bad LockInfo or state, JetStream away).
 */
final class StateMethods {
    private static final Logger log = LoggerFactory.getLogger(StateMethods.class);

    private final StateStore store;
    private final StateLocks locks;
    private final TfstateMetrics metrics;
    private final Clock clock;

    StateMethods(StateStore store, StateLocks locks, TfstateMetrics metrics, Clock clock) {
        this.store = store;
        this.locks = locks;
        this.metrics = metrics;
        this.clock = clock;
    }

    Response get(StateName name) {
        Optional<StateStore.Loaded> current = store.current(name);
        if (current.isEmpty()) {
            return answer("GET", "not_found", JsonAnswer.error(404, "state " + name + " has no current version"));
        }
        byte[] bytes = current.get().bytes();
        metrics.read(bytes.length);
        return answer("GET", "ok", Response.json(200, bytes)
                .with("Content-MD5", Base64.getEncoder().encodeToString(md5(bytes)))
                .with("X-Orgctl-State-Version", Long.toString(current.get().version().version())));
    }

    Response post(StateName name, RequestHead head, byte[] body, Caller caller) {
        String md5 = head.headers().first("Content-MD5");
        if (md5 != null && !md5.equals(Base64.getEncoder().encodeToString(md5(body)))) {
            return answer("POST", "bad_request", JsonAnswer.error(400, "the body does not match its Content-MD5"));
        }
        Optional<String> id = Query.param(head.target(), "ID");
        StateStore.Write w = store.put(name, body, () -> LockRule.fence(locks, name, id), caller.subject(), "");
        if (w instanceof StateStore.Fenced f) {
            return answer("POST", "conflict", JsonAnswer.error(409, "a newer lock holder already wrote state " + name
                    + " (fencing token " + f.token() + " < " + f.newest() + "); this write is refused"));
        }
        StateVersion v = ((StateStore.Written) w).version();
        metrics.written(body.length);
        log.atInfo().addKeyValue("state", name.value()).addKeyValue("version", v.version())
                .addKeyValue("serial", v.serial()).addKeyValue("bytes", v.size()).addKeyValue("caller", caller.subject())
                .log("state written");
        return answer("POST", "ok", Response.json(200, "{\"version\":" + v.version() + "}\n"));
    }

    Response delete(StateName name, RequestHead head, Caller caller) {
        LockRule.fence(locks, name, Query.param(head.target(), "ID"));
        boolean existed = store.delete(name);
        log.atInfo().addKeyValue("state", name.value()).addKeyValue("caller", caller.subject())
                .addKeyValue("existed", existed).log("state deleted");
        return answer("DELETE", "ok", Response.json(200, "{}\n"));
    }

    Response lock(StateName name, byte[] body, Caller caller) {
        StateLocks.Taken t = locks.lock(name, body, caller.kind(), caller.subject(), caller.run());
        if (t instanceof StateLocks.Busy b) {
            return answer("LOCK", "locked", Response.json(423, b.holder().info()));
        }
        StateLock l = ((StateLocks.Acquired) t).lock();
        log.atInfo().addKeyValue("state", name.value()).addKeyValue("lock_id", l.id()).addKeyValue("token", l.token())
                .addKeyValue("caller", caller.subject()).log("state locked");
        return answer("LOCK", "ok", Response.json(200, body));
    }

    Response unlock(StateName name, byte[] body, Caller caller) {
        if (body.length == 0) {
            // terraform force-unlock ID: Terraform 1.x sends UNLOCK without a body (it has no LockInfo
            // of its own), so the ID the user typed never arrives. A caller with write access breaks
            // whatever lock is held, as terraform force-unlock promises; logged with who did it.
            Optional<StateLock> broken = locks.forceUnlock(name);
            broken.ifPresent(l -> {
                metrics.held(Duration.between(l.lockedAtInstant(), clock.instant()));
                log.atWarn().addKeyValue("state", name.value()).addKeyValue("lock_id", l.id())
                        .addKeyValue("holder", l.subject()).addKeyValue("caller", caller.subject())
                        .log("state lock force-unlocked");
            });
            return answer("UNLOCK", "ok", Response.json(200, "{}\n"));
        }
        String id = StateLocks.lockId(body);
        StateLocks.Released r = locks.unlock(name, id);
        if (r instanceof StateLocks.HeldByOther other) {
            return answer("UNLOCK", "conflict", Response.json(409, other.holder().info()));
        }
        if (r instanceof StateLocks.Unlocked u) {
            metrics.held(Duration.between(u.lock().lockedAtInstant(), clock.instant()));
            log.atInfo().addKeyValue("state", name.value()).addKeyValue("lock_id", id)
                    .addKeyValue("caller", caller.subject()).log("state unlocked");
        }
        return answer("UNLOCK", "ok", Response.json(200, "{}\n"));
    }

    private Response answer(String method, String outcome, Response r) {
        metrics.request(method, outcome, 1);
        return r;
    }

    private static byte[] md5(byte[] bytes) {
        try {
            // Terraform's own integrity header, not a security measure.
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
