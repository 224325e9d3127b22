package dev.orgctl.controller.rollout;

import com.google.protobuf.Timestamp;
import dev.orgctl.config.Durations;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What {@code orgctl rollout status} and {@code orgctl status} print of a rollout (docs/rollout.md). */
public final class RolloutText {
    /** Revisions, rollout ids and commits are shown by their first 12 characters, as elsewhere. */
    private static final int SHORT = 12;
    private static final String REVERT = "revert-";
    /** Wave outcomes whose repositories went through the gate (or an operator let them through). */
    private static final Set<String> THROUGH = Set.of("passed", "passed_on_timeout", "resumed");

    private RolloutText() {
    }

    /**
     * The full report: state and reason, each wave with its repositories per state, failures with links.
     *
     * @param pins by repository name
     * @param ci   CI records of the rollout's commits, by repository name
     */
    public static String status(Rollout r, Map<String, RolloutPin> pins, Map<String, CiRecord> ci, Instant now) {
        StringBuilder sb = new StringBuilder();
        sb.append("rollout ").append(shortId(r.getId())).append(" of ").append(r.getOrg()).append(": ")
                .append(stateWord(r.getState()));
        if (r.getWavesCount() > 0) {
            sb.append(", wave ").append(waveNumber(r, current(r)));
        }
        sb.append('\n');
        sb.append("  revision ").append(r.getRevision());
        if (!r.getPreviousRevision().isEmpty()) {
            sb.append(" (replacing ").append(shortSha(r.getPreviousRevision())).append(')');
        }
        sb.append('\n');
        if (!r.getRevertOf().isEmpty()) {
            sb.append("  reverts ").append(shortId(r.getRevertOf())).append('\n');
        }
        if (!r.getSupersededBy().isEmpty()) {
            sb.append("  superseded by ").append(shortId(r.getSupersededBy())).append('\n');
        }
        if (!r.getReason().isEmpty()) {
            sb.append("  reason: ").append(oneLine(r.getReason())).append('\n');
        }
        sb.append("  created ").append(ago(r.hasCreatedAt(), r.getCreatedAt(), now)).append(", updated ")
                .append(ago(r.hasUpdatedAt(), r.getUpdatedAt(), now));
        if (!r.getActor().isEmpty()) {
            sb.append(" by ").append(r.getActor());
        }
        sb.append('\n');
        for (int i = 0; i < r.getWavesCount(); i++) {
            wave(sb, r, i, pins, ci, now);
        }
        if (r.getWavesCount() == 0) {
            sb.append("\nno waves: the change reached no repository\n");
        }
        if (r.getFailuresCount() > 0) {
            sb.append("\nfailures (wave ").append(waveNumber(r, current(r))).append("):\n");
            for (RepoFailure f : r.getFailuresList()) {
                sb.append("  ").append(failure(f)).append('\n');
            }
        }
        return sb.toString();
    }

    private static void wave(StringBuilder sb, Rollout r, int i, Map<String, RolloutPin> pins,
                             Map<String, CiRecord> ci, Instant now) {
        RolloutWave w = r.getWaves(i);
        boolean started = w.hasStartedAt();
        String state = waveState(r, i, now);
        if (started && i == current(r) && r.getState() == RolloutState.ROLLOUT_ROLLING) {
            long ran = w.getReposList().stream().filter(n -> RepoStates.ran(r, pins.get(n))).count();
            state = "rolling " + ran + "/" + w.getReposCount();
        }
        sb.append("\nwave ").append(waveNumber(r, i)).append(": ").append(w.getLabel()).append(", ")
                .append(repositories(w.getReposCount())).append(", ").append(state).append('\n');
        Map<RepoStates.State, List<String>> by = new EnumMap<>(RepoStates.State.class);
        for (String repo : w.getReposList()) {
            RolloutPin pin = pins.get(repo);
            RepoStates.State s = started ? RepoStates.of(r, pin, ci.get(repo)) : RepoStates.State.WAITING;
            by.computeIfAbsent(s, k -> new ArrayList<>()).add(entry(repo, s, pin));
        }
        by.forEach((s, repos) -> sb.append("  ").append(s.words).append(" (").append(repos.size()).append("): ")
                .append(String.join(", ", repos)).append('\n'));
    }

    /** A repository with what orgctl wrote: {@code api 3f2a1c9d0e1f}, {@code web #12 3f2a1c9d0e1f}. */
    private static String entry(String repo, RepoStates.State s, RolloutPin pin) {
        if (s == RepoStates.State.ELSEWHERE) {
            return repo + " (" + shortId(pin.getRolloutId()) + ")";
        }
        if (pin == null || s == RepoStates.State.WAITING || s == RepoStates.State.REGENERATING) {
            return repo;
        }
        StringBuilder e = new StringBuilder(repo);
        if (pin.getPullNumber() > 0) {
            e.append(" #").append(pin.getPullNumber());
        }
        if (!pin.getCommit().isEmpty()) {
            e.append(' ').append(shortSha(pin.getCommit()));
        }
        if (s == RepoStates.State.REGENERATION_FAILED && !pin.getError().isEmpty()) {
            e.append(" (").append(oneLine(pin.getError())).append(')');
        }
        return e.toString();
    }

    /** The wave's state in words: waiting, rolling, gating with its deadline, passed, failed, skipped, stopped. */
    static String waveState(Rollout r, int i, Instant now) {
        RolloutWave w = r.getWaves(i);
        if (!w.getOutcome().isEmpty()) {
            return w.getOutcome().replace('_', ' ');
        }
        boolean ended = ended(r.getState());
        if (i != current(r)) {
            return i < current(r) ? "passed" : ended ? "skipped" : "waiting";
        }
        switch (r.getState()) {
            case ROLLOUT_ROLLING:
                return w.hasStartedAt() ? "rolling" : "waiting";
            case ROLLOUT_GATING:
                return "gating, " + deadline(w, now);
            case ROLLOUT_PAUSED:
                return "failed";
            case ROLLOUT_COMPLETED:
                return "passed";
            default:
                return w.hasStartedAt() ? "stopped" : "skipped";
        }
    }

    private static String deadline(RolloutWave w, Instant now) {
        if (!w.hasGateDeadline()) {
            return "no deadline";
        }
        Duration left = Duration.between(now, instant(w.getGateDeadline()));
        return left.isNegative() ? "deadline passed " + Durations.age(left.negated()) + " ago"
                : "deadline in " + Durations.age(left);
    }

    /** One line for {@code orgctl status}. */
    public static String line(Rollout r, Instant now) {
        StringBuilder sb = new StringBuilder("rollout ").append(r.getOrg()).append(' ').append(shortId(r.getId()));
        if (!r.getRevertOf().isEmpty()) {
            sb.append(" (reverts ").append(shortId(r.getRevertOf())).append(')');
        }
        sb.append(": ");
        int total = r.getWavesList().stream().mapToInt(RolloutWave::getReposCount).sum();
        if (r.getWavesCount() == 0) {
            return sb.append(stateWord(r.getState())).append(" (no repositories)").toString();
        }
        String wave = "wave " + waveNumber(r, current(r));
        switch (r.getState()) {
            case ROLLOUT_ROLLING:
            case ROLLOUT_GATING: {
                RolloutWave w = r.getWaves(current(r));
                sb.append(wave).append(' ').append(r.getState() == RolloutState.ROLLOUT_GATING ? "gating"
                        : w.hasStartedAt() ? "rolling" : "starting");
                sb.append(" (").append(through(r)).append(" of ").append(repositories(total)).append(" passed, ")
                        .append(r.getFailuresCount()).append(" failed");
                if (r.getState() == RolloutState.ROLLOUT_GATING && w.hasGateDeadline()) {
                    Duration left = Duration.between(now, instant(w.getGateDeadline()));
                    sb.append(left.isNegative() ? "; gate deadline passed" : "; gate " + Durations.age(left) + " left");
                }
                return sb.append(')').toString();
            }
            case ROLLOUT_PAUSED: {
                sb.append("paused after ").append(wave).append(": ");
                if (r.getFailuresCount() == 0) {
                    return sb.append(oneLine(r.getReason())).toString();
                }
                sb.append(r.getFailuresCount()).append(" failed (").append(failure(r.getFailures(0)));
                if (r.getFailuresCount() > 1) {
                    sb.append(", and ").append(r.getFailuresCount() - 1).append(" more");
                }
                return sb.append(')').toString();
            }
            case ROLLOUT_COMPLETED:
                return sb.append("completed (").append(r.getWavesCount()).append(r.getWavesCount() == 1 ? " wave, "
                        : " waves, ").append(repositories(total)).append(") ")
                        .append(ago(r.hasUpdatedAt(), r.getUpdatedAt(), now)).toString();
            case ROLLOUT_SUPERSEDED:
                return sb.append("superseded by ").append(shortId(r.getSupersededBy())).append(" at ").append(wave)
                        .toString();
            default:
                sb.append(stateWord(r.getState())).append(" at ").append(wave);
                return r.getReason().isEmpty() ? sb.toString() : sb.append(" (").append(oneLine(r.getReason()))
                        .append(')').toString();
        }
    }

    /** The rollouts of {@code orgctl rollout status} without a revision: one line each. */
    public static String list(List<Rollout> rollouts, Instant now) {
        StringBuilder sb = new StringBuilder();
        rollouts.forEach(r -> sb.append(line(r, now)).append('\n'));
        return sb.toString();
    }

    /** Repositories of the waves that went through their gate (or were resumed past it). */
    private static int through(Rollout r) {
        int n = 0;
        for (int i = 0; i < r.getWavesCount(); i++) {
            RolloutWave w = r.getWaves(i);
            if (THROUGH.contains(w.getOutcome()) || w.getOutcome().isEmpty() && i < r.getWave()) {
                n += w.getReposCount();
            }
        }
        return n;
    }

    /** {@code canary-api: failure https://...} (the check's name when there is one). */
    private static String failure(RepoFailure f) {
        StringBuilder sb = new StringBuilder(f.getRepo());
        if (!f.getSha().isEmpty()) {
            sb.append(' ').append(shortSha(f.getSha()));
        }
        sb.append(": ").append(f.getConclusion());
        if (!f.getName().isEmpty()) {
            sb.append(" (").append(f.getName()).append(')');
        }
        if (!f.getUrl().isEmpty()) {
            sb.append(' ').append(f.getUrl());
        }
        return oneLine(sb.toString());
    }

    /** The current wave's index, within the waves even if the record points past the last one. */
    private static int current(Rollout r) {
        return Math.min(r.getWave(), Math.max(0, r.getWavesCount() - 1));
    }

    /** Text from a record (a reason, an error, a link) never breaks a line of the report. */
    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static String waveNumber(Rollout r, int i) {
        return (i + 1) + "/" + r.getWavesCount();
    }

    private static String repositories(int n) {
        return n + (n == 1 ? " repository" : " repositories");
    }

    static boolean ended(RolloutState s) {
        return s == RolloutState.ROLLOUT_COMPLETED || s == RolloutState.ROLLOUT_ABORTED
                || s == RolloutState.ROLLOUT_SUPERSEDED;
    }

    static String stateWord(RolloutState s) {
        return s == RolloutState.UNRECOGNIZED || s == RolloutState.ROLLOUT_STATE_UNSPECIFIED ? "unknown"
                : s.name().substring("ROLLOUT_".length()).toLowerCase(Locale.ROOT);
    }

    /** A rollout id by its first 12 characters: {@code 3f2a1c9d0e1f}, {@code revert-3f2a1c9d0e1f}. */
    public static String shortId(String id) {
        return id.startsWith(REVERT) ? REVERT + shortSha(id.substring(REVERT.length())) : shortSha(id);
    }

    private static String shortSha(String sha) {
        return sha.length() > SHORT ? sha.substring(0, SHORT) : sha;
    }

    private static String ago(boolean present, Timestamp t, Instant now) {
        return present ? Durations.age(Duration.between(instant(t), now)) + " ago" : "at an unknown time";
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
