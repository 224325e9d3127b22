package dev.orgctl.controller.rollout;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.nats.KvCas;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@link Rollouts} on ORGCTL_ROLLOUTS (key layout: rollout.proto's header), shared by every replica
 * and by {@code orgctl rollout}. Every write is a compare-and-set ({@link KvCas}), decided on the
 * value read; the operator commands are {@link RolloutMachine} steps, mirrored into the rollout's
 * workflow ({@link RolloutWorkflow}).
 */
public final class KvRollouts implements Rollouts {
    private static final int MAX_ATTEMPTS = 50;

    private final KeyValue kv;
    private final KvCas cas;
    private final Clock clock;
    private final RolloutWorkflow workflow;

    public KvRollouts(KeyValue kv, Clock clock, RolloutWorkflow workflow) {
        this.kv = kv;
        this.cas = new KvCas(kv, MAX_ATTEMPTS, KvCas.CONTENTION);
        this.clock = clock;
        this.workflow = workflow;
    }

    // ---------------------------------------------------------------- keys

    static String rolloutKey(String org, String id) {
        return "rollout." + KeyCodec.encode(org) + "." + KeyCodec.encode(id);
    }

    static String currentKey(String org) {
        return "current." + KeyCodec.encode(org);
    }

    static String stableKey(String org) {
        return "stable." + KeyCodec.encode(org);
    }

    static String pinKey(String org, String repo) {
        return "pin." + KeyCodec.encode(org) + "." + KeyCodec.encode(repo);
    }

    static String ciKey(String org, String repo, String sha) {
        return "ci." + KeyCodec.encode(org) + "." + KeyCodec.encode(repo) + "." + KeyCodec.encode(sha);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<Rollout> list(String org) {
        List<Rollout> all = new ArrayList<>();
        for (String key : keys("rollout." + KeyCodec.encode(org) + ".>")) {
            read(key, Rollout.parser()).ifPresent(all::add);
        }
        all.sort(Comparator.comparing((Rollout r) -> RolloutMachine.toInstant(r.getCreatedAt())).reversed()
                .thenComparing(Rollout::getId));
        return all;
    }

    @Override
    public Optional<Rollout> get(String org, String id) {
        return read(rolloutKey(org, id), Rollout.parser());
    }

    @Override
    public Optional<Rollout> current(String org) {
        return text(currentKey(org)).flatMap(id -> get(org, id));
    }

    public Optional<String> currentId(String org) {
        return text(currentKey(org));
    }

    /** The org's last good template revision, where repositories no started wave reached are rendered. */
    public Optional<String> stable(String org) {
        return text(stableKey(org));
    }

    @Override
    public List<RolloutPin> pins(String org) {
        List<RolloutPin> all = new ArrayList<>();
        for (String key : keys("pin." + KeyCodec.encode(org) + ".>")) {
            read(key, RolloutPin.parser()).ifPresent(all::add);
        }
        return all;
    }

    public Optional<RolloutPin> pin(String org, String repo) {
        return read(pinKey(org, repo), RolloutPin.parser());
    }

    @Override
    public Optional<CiRecord> ci(String org, String repo, String sha) {
        return read(ciKey(org, repo, sha), CiRecord.parser());
    }

    /** The orgs that have a current rollout. */
    public List<String> orgs() {
        return keys("current.*").stream().map(k -> KeyCodec.decode(k.substring("current.".length()))).toList();
    }

    // ---------------------------------------------------------------- writing

    /** Creates the rollout's record unless it exists; true when this call created it. */
    public boolean create(Rollout r) {
        return cas(rolloutKey(r.getOrg(), r.getId()), cur -> cur.absent()
                ? KvCas.Decision.put(r.toByteArray(), true) : KvCas.Decision.keep(false), "create rollout " + r.getId());
    }

    /**
     * Rewrites the rollout's record with {@code next} applied to its fresh value; empty from
     * {@code next}: leave it. Returns what was written, or empty when nothing was.
     */
    public Optional<Rollout> update(String org, String id, Function<Rollout, Optional<Rollout>> next) {
        return cas(rolloutKey(org, id), cur -> {
            if (cur.absent()) {
                return KvCas.Decision.keep(Optional.<Rollout>empty());
            }
            Optional<Rollout> n = next.apply(parse(cur.value(), Rollout.parser()));
            return n.isPresent() ? KvCas.Decision.put(n.get().toByteArray(), n) : KvCas.Decision.keep(n);
        }, "update rollout " + id);
    }

    /** Writes {@code next} only if the record is still exactly {@code read}: the driver's compare-and-set. */
    public boolean replace(Rollout read, Rollout next) {
        return update(read.getOrg(), read.getId(), cur -> cur.equals(read) ? Optional.of(next) : Optional.empty())
                .isPresent();
    }

    /**
     * Makes {@code r} the org's current rollout unless the current one began later. Returns the id of
     * the rollout that was current before (empty: none, or {@code r} itself).
     */
    public Optional<String> makeCurrent(Rollout r) {
        return cas(currentKey(r.getOrg()), cur -> {
            if (cur.absent()) {
                return KvCas.Decision.put(bytes(r.getId()), Optional.<String>empty());
            }
            String was = new String(cur.value(), StandardCharsets.UTF_8);
            if (was.equals(r.getId())) {
                return KvCas.Decision.keep(Optional.<String>empty());
            }
            Optional<Rollout> other = get(r.getOrg(), was);
            if (other.isPresent() && RolloutMachine.toInstant(other.get().getCreatedAt())
                    .isAfter(RolloutMachine.toInstant(r.getCreatedAt()))) {
                return KvCas.Decision.keep(Optional.of(was));
            }
            return KvCas.Decision.put(bytes(r.getId()), Optional.of(was));
        }, "set the current rollout of " + r.getOrg());
    }

    /** Records the stable revision when the org has none yet; returns the stable revision. */
    public String stableIfAbsent(String org, String revision) {
        return cas(stableKey(org), cur -> cur.absent() ? KvCas.Decision.put(bytes(revision), revision)
                : KvCas.Decision.keep(new String(cur.value(), StandardCharsets.UTF_8)), "set the stable revision");
    }

    /**
     * Every repository renders {@code revision} now (templates without a {@code rollout} block): it
     * becomes the org's stable revision and the pins go, so that when a block is added back, the
     * repositories its first waves have not reached stay at this revision instead of going back to
     * an older rollout's. Nothing for an org that never had a rollout. Returns the pins removed.
     */
    public int reachedEveryone(String org, String revision) {
        List<RolloutPin> pins = pins(org);
        if (stable(org).isEmpty() && pins.isEmpty()) {
            return 0;
        }
        cas(stableKey(org), cur -> !cur.absent() && revision.equals(new String(cur.value(), StandardCharsets.UTF_8))
                ? KvCas.Decision.keep(false) : KvCas.Decision.put(bytes(revision), true), "set the stable revision");
        for (RolloutPin p : pins) {
            try {
                kv.delete(pinKey(org, p.getRepo()));
            } catch (IOException | JetStreamApiException e) {
                throw new NatsUnavailableException("cannot remove the pin of " + p.getRepo() + ": " + e.getMessage(), e);
            }
        }
        return pins.size();
    }

    /** A completed rollout's revision becomes stable, if it is still the org's current rollout. */
    public boolean markStable(String org, String rolloutId, String revision) {
        if (!currentId(org).map(rolloutId::equals).orElse(false)) {
            return false;
        }
        return cas(stableKey(org), cur -> !cur.absent() && revision.equals(new String(cur.value(),
                StandardCharsets.UTF_8)) ? KvCas.Decision.keep(false) : KvCas.Decision.put(bytes(revision), true),
                "set the stable revision");
    }

    /**
     * Pins the repository to the rollout's revision as its wave {@code wave}, unless the pin already
     * names it (a repeated wave start keeps what the run recorded) or names a rollout that began later.
     */
    public boolean pinTo(Rollout r, String repo, int wave) {
        return cas(pinKey(r.getOrg(), repo), cur -> {
            if (!cur.absent()) {
                RolloutPin p = parse(cur.value(), RolloutPin.parser());
                if (p.getRolloutId().equals(r.getId()) && p.getRevision().equals(r.getRevision())) {
                    return KvCas.Decision.keep(false);
                }
                Optional<Rollout> other = get(r.getOrg(), p.getRolloutId());
                if (other.isPresent() && RolloutMachine.toInstant(other.get().getCreatedAt())
                        .isAfter(RolloutMachine.toInstant(r.getCreatedAt()))) {
                    return KvCas.Decision.keep(false);
                }
            }
            RolloutPin pin = RolloutPin.newBuilder().setOrg(r.getOrg()).setRepo(repo).setRevision(r.getRevision())
                    .setRolloutId(r.getId()).setWave(wave).setAt(RolloutMachine.ts(clock.instant())).build();
            return KvCas.Decision.put(pin.toByteArray(), true);
        }, "pin " + repo);
    }

    /**
     * What a run that rendered {@code revision} did, on the repository's pin: only while the pin
     * still names that revision (a newer wave may have moved it meanwhile).
     */
    public boolean recordRun(String org, String repo, String revision, UnaryOperator<RolloutPin.Builder> run) {
        return cas(pinKey(org, repo), cur -> {
            if (cur.absent()) {
                return KvCas.Decision.keep(false);
            }
            RolloutPin p = parse(cur.value(), RolloutPin.parser());
            if (!p.getRevision().equals(revision)) {
                return KvCas.Decision.keep(false);
            }
            RolloutPin next = run.apply(p.toBuilder().clearCommit().clearError().clearPullNumber().clearAwaitMerge()
                    .setAppliedRevision(revision).setAt(RolloutMachine.ts(clock.instant()))).build();
            if (p.getAppliedRevision().equals(revision) && !p.getCommit().isEmpty() && next.getCommit().isEmpty()
                    && !"failed".equals(next.getOutcome())) {
                // A later run of the same revision (a repeated wave start, a drift repair) found nothing
                // to write: the wave's gate is still about the commit the first run wrote, not "no change".
                return KvCas.Decision.keep(false);
            }
            return KvCas.Decision.put(next.toByteArray(), true);
        }, "record the run of " + repo);
    }

    /**
     * Merges one check into the commit's CI record: a later report of the same check replaces the
     * earlier one (a re-run that passes clears the failure); the same report twice changes nothing.
     */
    public boolean mergeCi(String org, String repo, String sha, Optional<CiCheck> check, String key, boolean merged) {
        return cas(ciKey(org, repo, sha), cur -> {
            CiRecord r = cur.absent() ? CiRecord.newBuilder().setOrg(org).setRepo(repo).setSha(sha).build()
                    : parse(cur.value(), CiRecord.parser());
            CiRecord.Builder b = r.toBuilder();
            // The same report again (its time aside) keeps the first: a redelivery changes nothing.
            check.filter(c -> !same(r.getChecksMap().get(key), c)).ifPresent(c -> b.putChecks(key, c));
            if (merged) {
                b.setMerged(true);
            }
            CiRecord next = b.build();
            return next.equals(r) && !cur.absent() ? KvCas.Decision.keep(false)
                    : KvCas.Decision.put(next.toByteArray(), true);
        }, "record CI of " + repo + "@" + sha);
    }

    private static boolean same(CiCheck a, CiCheck b) {
        return a != null && a.toBuilder().clearAt().build().equals(b.toBuilder().clearAt().build());
    }

    // ---------------------------------------------------------------- operator commands

    @Override
    public Rollout resume(String org, String id, String actor) {
        RolloutMachine.Decision[] step = new RolloutMachine.Decision[1];
        Rollout done = operate(org, id, r -> {
            step[0] = RolloutMachine.resume(r, actor, clock.instant());
            return step[0].next().orElseThrow();
        });
        step[0].actions().forEach(a -> {
            if (a instanceof RolloutMachine.Action.MarkStable s) {
                markStable(org, id, s.revision());
            }
        });
        workflow.sync(done, step[0].event());
        return done;
    }

    @Override
    public Rollout abort(String org, String id, String actor, String reason) {
        Rollout done = operate(org, id, r -> RolloutMachine.abort(r, actor, reason, clock.instant()));
        workflow.sync(done, done.getReason());
        return done;
    }

    @Override
    public Rollout revert(String org, String id, String actor, RepositoryHost host) {
        return new RolloutRevert(this, host, clock, workflow).revert(org, id, actor);
    }

    /** Applies an operator's step to the fresh record; throws when the rollout does not exist. */
    Rollout operate(String org, String id, UnaryOperator<Rollout> step) {
        if (get(org, id).isEmpty()) {
            throw new RolloutException("no rollout " + id + " in " + org);
        }
        return update(org, id, r -> Optional.of(step.apply(r)))
                .orElseThrow(() -> new RolloutException("no rollout " + id + " in " + org));
    }

    // ---------------------------------------------------------------- plumbing

    private List<String> keys(String filter) {
        try {
            return kv.keys(filter);
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot list ORGCTL_ROLLOUTS: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted listing ORGCTL_ROLLOUTS", e);
        }
    }

    private Optional<String> text(String key) {
        try {
            KeyValueEntry e = kv.get(key);
            return e == null || e.getValue() == null ? Optional.empty()
                    : Optional.of(new String(e.getValue(), StandardCharsets.UTF_8));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read ORGCTL_ROLLOUTS " + key + ": " + e.getMessage(), e);
        }
    }

    private <T extends Message> Optional<T> read(String key, Parser<T> parser) {
        try {
            KeyValueEntry e = kv.get(key);
            return e == null || e.getValue() == null ? Optional.empty() : Optional.of(parse(e.getValue(), parser));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read ORGCTL_ROLLOUTS " + key + ": " + e.getMessage(), e);
        }
    }

    private static <T extends Message> T parse(byte[] value, Parser<T> parser) {
        try {
            return parser.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new RolloutException("ORGCTL_ROLLOUTS holds an entry that is not a rollout record: " + e.getMessage());
        }
    }

    private <R> R cas(String key, Function<KvCas.Current, KvCas.Decision<R>> decide, String what) {
        try {
            KvCas.Outcome<R> o = cas.update(key, decide);
            if (o instanceof KvCas.Outcome.Written<R> w) {
                return w.result();
            }
            if (o instanceof KvCas.Outcome.Kept<R> k) {
                return k.result();
            }
            throw new NatsUnavailableException("ORGCTL_ROLLOUTS: cannot " + what + ": " + o.conflicts()
                    + " writers raced for it", null);
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("ORGCTL_ROLLOUTS: cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("ORGCTL_ROLLOUTS: interrupted: " + what, e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
