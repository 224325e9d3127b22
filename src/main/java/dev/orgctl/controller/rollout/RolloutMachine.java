package dev.orgctl.controller.rollout;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rollout state machine as pure functions (docs/rollout.md, "How a rollout proceeds"): (record,
 * pins of the current wave, CI records of their commits, now) to (next record or none, actions). No
 * I/O: {@link RolloutDriver} performs the actions, then writes the record by compare-and-set, so a
 * crash in between repeats only actions that are harmless to repeat.
 *
 * <pre>
 *   ROLLING (wave k not started) -> ROLLING (started: pins set, jobs scheduled)
 *   ROLLING (every run of wave k ended) -> GATING
 *   GATING -> PAUSED (failures over the budget; or on_timeout: pause at the deadline)
 *   GATING -> ROLLING (wave k+1) | COMPLETED (wave k passed)
 *   PAUSED -> ROLLING (wave k+1) | COMPLETED (resume)
 *   ROLLING | GATING | PAUSED -> ABORTED (abort) | SUPERSEDED (a newer revision began)
 * </pre>
 */
public final class RolloutMachine {
    private RolloutMachine() {
    }

    /** Something the driver does before it writes the next record. */
    public sealed interface Action {
        /** Pin the repository to the rollout's revision as wave {@code wave} (unless a newer rollout pinned it). */
        record Pin(String repo, int wave) implements Action {
        }

        /** Schedule a regeneration of the repository (reason ROLLOUT). */
        record Schedule(String repo, String causation) implements Action {
        }

        /** The rollout completed: its revision becomes the org's stable one (if it is still current). */
        record MarkStable(String revision) implements Action {
        }
    }

    /**
     * One step: the record to write (empty: nothing changes), what to do first, and the event of the
     * step in words for the history (empty when nothing changed).
     */
    public record Decision(Optional<Rollout> next, List<Action> actions, String event) {
        public Decision {
            actions = List.copyOf(actions);
        }

        static Decision none() {
            return new Decision(Optional.empty(), List.of(), "");
        }
    }

    /** What a new rollout is made of (design: begin). */
    public record Begin(String org, String id, String revision, String previousRevision, List<RolloutWave> waves,
                        RolloutGate gate, String revertOf, String causation, String actor) {
        public Begin {
            waves = List.copyOf(waves);
        }
    }

    public static boolean going(RolloutState s) {
        return s == RolloutState.ROLLOUT_ROLLING || s == RolloutState.ROLLOUT_GATING
                || s == RolloutState.ROLLOUT_PAUSED;
    }

    /** A new rollout: ROLLING at wave 0, not yet started. */
    public static Rollout begin(Begin b, Instant now) {
        Rollout.Builder r = Rollout.newBuilder().setId(b.id()).setOrg(b.org()).setRevision(b.revision())
                .setPreviousRevision(b.previousRevision()).setState(RolloutState.ROLLOUT_ROLLING).setWave(0)
                .setGate(b.gate()).setRevertOf(b.revertOf()).setCreatedAt(ts(now)).setUpdatedAt(ts(now))
                .setActor(b.actor()).setCausationId(b.causation()).setTransitions(1)
                .setReason(b.revertOf().isEmpty() ? "began: template revision " + b.revision()
                        : "reverting " + b.revertOf() + " to " + b.revision());
        for (int i = 0; i < b.waves().size(); i++) {
            r.addWaves(b.waves().get(i).toBuilder().setIndex(i));
        }
        return r.build();
    }

    /**
     * One tick of the driver over a ROLLING or GATING rollout.
     *
     * @param pins by repository name (those of the current wave at least)
     * @param ci   CI records by repository name, of the commits the pins name
     */
    public static Decision tick(Rollout r, Map<String, RolloutPin> pins, Map<String, CiRecord> ci, Instant now) {
        if (r.getWavesCount() == 0) {
            return r.getState() == RolloutState.ROLLOUT_ROLLING || r.getState() == RolloutState.ROLLOUT_GATING
                    ? complete(r, now, "no repository to roll out to") : Decision.none();
        }
        return switch (r.getState()) {
            case ROLLOUT_ROLLING -> rolling(r, pins, now);
            case ROLLOUT_GATING -> gating(r, pins, ci, now);
            default -> Decision.none();
        };
    }

    private static Decision rolling(Rollout r, Map<String, RolloutPin> pins, Instant now) {
        int k = (int) r.getWave();
        RolloutWave w = r.getWaves(k);
        if (!w.hasStartedAt()) {
            List<Action> actions = new ArrayList<>();
            for (String repo : w.getReposList()) {
                actions.add(new Action.Pin(repo, k));
                actions.add(new Action.Schedule(repo, "rollout-" + r.getId() + "-wave-" + k));
            }
            String event = "wave " + (k + 1) + "/" + r.getWavesCount() + " started (" + repos(w.getReposCount()) + ")";
            Rollout.Builder b = step(r, now, event);
            b.setWaves(k, w.toBuilder().setStartedAt(ts(now)));
            return new Decision(Optional.of(b.build()), actions, event);
        }
        for (String repo : w.getReposList()) {
            if (!applied(r, pins.get(repo))) {
                return Decision.none();
            }
        }
        String event = "wave " + (k + 1) + "/" + r.getWavesCount() + " regenerated: gate until "
                + toInstant(ts(now.plus(wait(r.getGate()))));
        Rollout.Builder b = step(r, now, event).setState(RolloutState.ROLLOUT_GATING);
        b.setWaves(k, w.toBuilder().setGateStartedAt(ts(now)).setGateDeadline(ts(now.plus(wait(r.getGate())))));
        return new Decision(Optional.of(b.build()), List.of(), event);
    }

    /** Whether the repository's run for this rollout ended (rendered its revision, or failed). */
    static boolean applied(Rollout r, RolloutPin pin) {
        return pin != null && pin.getRolloutId().equals(r.getId()) && pin.getRevision().equals(r.getRevision())
                && pin.getAppliedRevision().equals(r.getRevision());
    }

    private static Decision gating(Rollout r, Map<String, RolloutPin> pins, Map<String, CiRecord> ci, Instant now) {
        int k = (int) r.getWave();
        RolloutWave w = r.getWaves(k);
        boolean deadline = !now.isBefore(toInstant(w.getGateDeadline()));
        List<RepoFailure> failures = new ArrayList<>();
        List<RepoFailure> noResult = new ArrayList<>();
        boolean waiting = false;
        boolean timedOut = false;
        for (String repo : w.getReposList()) {
            RolloutPin pin = pins.getOrDefault(repo, RolloutPin.newBuilder().setRepo(repo).build());
            CiVerdict v = CiVerdict.of(pin, Optional.ofNullable(ci.get(repo)));
            if (v instanceof CiVerdict.Failed f) {
                failures.add(f.failure());
            } else if (v instanceof CiVerdict.Pending p) {
                waiting = true;
                timedOut = true;
                noResult.add(RepoFailure.newBuilder().setRepo(repo).setSha(pin.getCommit()).setConclusion("no_result")
                        .setName(p.what()).build());
            } else if (v instanceof CiVerdict.NoCheck) {
                waiting = true;
            }
        }
        RolloutGate g = r.getGate();
        if (exceeded(g, failures.size(), w.getReposCount())) {
            return pause(r, now, "failed", failures, "wave " + (k + 1) + " gate failed: " + failures.size() + " of "
                    + repos(w.getReposCount()) + " failed CI (" + budget(g) + " tolerated): " + names(failures));
        }
        if (waiting && !deadline) {
            return Decision.none();
        }
        if (timedOut && g.getPauseOnTimeout()) {
            List<RepoFailure> all = new ArrayList<>(failures);
            all.addAll(noResult);
            return pause(r, now, "timed_out", all, "wave " + (k + 1) + " gate timed out: no CI result for "
                    + names(noResult));
        }
        String outcome = timedOut ? "passed_on_timeout" : "passed";
        String event = "wave " + (k + 1) + " gate " + (timedOut ? "passed on timeout" : "passed")
                + (failures.isEmpty() ? "" : " (" + failures.size() + " failure" + (failures.size() == 1 ? "" : "s")
                + " tolerated: " + names(failures) + ")");
        return next(r, now, outcome, event);
    }

    /** The current wave ended with {@code outcome}: the next wave, or COMPLETED after the last. */
    private static Decision next(Rollout r, Instant now, String outcome, String event) {
        int k = (int) r.getWave();
        Rollout.Builder b = step(r, now, event).clearFailures();
        b.setWaves(k, r.getWaves(k).toBuilder().setOutcome(outcome).setEndedAt(ts(now)));
        if (k + 1 < r.getWavesCount()) {
            b.setState(RolloutState.ROLLOUT_ROLLING).setWave(k + 1);
            return new Decision(Optional.of(b.build()), List.of(), event);
        }
        b.setState(RolloutState.ROLLOUT_COMPLETED).setReason(event + "; completed");
        return new Decision(Optional.of(b.build()), List.of(new Action.MarkStable(r.getRevision())), event);
    }

    private static Decision complete(Rollout r, Instant now, String why) {
        Rollout next = step(r, now, why).setState(RolloutState.ROLLOUT_COMPLETED).build();
        return new Decision(Optional.of(next), List.of(new Action.MarkStable(r.getRevision())), why);
    }

    private static Decision pause(Rollout r, Instant now, String outcome, List<RepoFailure> failures, String why) {
        int k = (int) r.getWave();
        Rollout.Builder b = step(r, now, why).setState(RolloutState.ROLLOUT_PAUSED).clearFailures()
                .addAllFailures(failures);
        b.setWaves(k, r.getWaves(k).toBuilder().setOutcome(outcome).setEndedAt(ts(now)));
        return new Decision(Optional.of(b.build()), List.of(), why);
    }

    static boolean exceeded(RolloutGate g, int failures, int size) {
        if (failures == 0) {
            return false;
        }
        if (!g.getMaxFailuresPercent()) {
            return failures > g.getMaxFailures();
        }
        return failures * 100L > (long) g.getMaxFailures() * size;
    }

    /** An operator's resume: a PAUSED rollout goes on with its next wave, or completes after the last. */
    public static Decision resume(Rollout r, String actor, Instant now) {
        if (r.getState() != RolloutState.ROLLOUT_PAUSED) {
            throw new RolloutException("rollout " + r.getId() + " of " + r.getOrg() + " is " + state(r)
                    + ": only a paused rollout can be resumed");
        }
        int k = (int) r.getWave();
        String event = "resumed by " + actor + " after wave " + (k + 1) + " (" + r.getFailuresCount()
                + " failure" + (r.getFailuresCount() == 1 ? "" : "s") + " accepted)";
        Decision d = next(r.toBuilder().setActor(actor).build(), now, "resumed", event);
        Rollout next = d.next().orElseThrow().toBuilder().setActor(actor).build();
        return new Decision(Optional.of(next), d.actions(), event);
    }

    /** An operator's abort: no further wave; what was rolled stays. */
    public static Rollout abort(Rollout r, String actor, String reason, Instant now) {
        if (!going(r.getState())) {
            throw new RolloutException("rollout " + r.getId() + " of " + r.getOrg() + " is " + state(r)
                    + ": only a rolling, gating or paused rollout can be aborted");
        }
        String why = "aborted by " + actor + (reason == null || reason.isBlank() ? "" : ": " + reason);
        return skipRest(step(r, now, why).setState(RolloutState.ROLLOUT_ABORTED).setActor(actor)).build();
    }

    /** A newer rollout took over; an ended rollout stays as it is (empty). */
    public static Optional<Rollout> supersede(Rollout r, String by, String actor, Instant now) {
        if (!going(r.getState())) {
            return Optional.empty();
        }
        return Optional.of(skipRest(step(r, now, "superseded by " + by).setState(RolloutState.ROLLOUT_SUPERSEDED)
                .setSupersededBy(by).setActor(actor)).build());
    }

    private static Rollout.Builder skipRest(Rollout.Builder b) {
        for (int i = (int) b.getWave(); i < b.getWavesCount(); i++) {
            RolloutWave w = b.getWaves(i);
            if (!w.hasStartedAt() && w.getOutcome().isEmpty()) {
                b.setWaves(i, w.toBuilder().setOutcome("skipped"));
            }
        }
        return b;
    }

    private static Rollout.Builder step(Rollout r, Instant now, String reason) {
        return r.toBuilder().setUpdatedAt(ts(now)).setReason(reason).setTransitions(r.getTransitions() + 1);
    }

    static String state(Rollout r) {
        return r.getState().name().substring("ROLLOUT_".length());
    }

    private static String names(List<RepoFailure> failures) {
        StringBuilder sb = new StringBuilder();
        for (RepoFailure f : failures) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(f.getRepo()).append(' ').append(f.getConclusion());
            if (!f.getUrl().isEmpty()) {
                sb.append(" (").append(f.getUrl()).append(')');
            }
        }
        return sb.toString();
    }

    private static String budget(RolloutGate g) {
        return g.getMaxFailures() + (g.getMaxFailuresPercent() ? "%" : "");
    }

    private static String repos(int n) {
        return n + " repositor" + (n == 1 ? "y" : "ies");
    }

    static java.time.Duration wait(RolloutGate g) {
        return java.time.Duration.ofSeconds(g.getWait().getSeconds(), g.getWait().getNanos());
    }

    public static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    public static Instant toInstant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    public static Duration duration(java.time.Duration d) {
        return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
}
