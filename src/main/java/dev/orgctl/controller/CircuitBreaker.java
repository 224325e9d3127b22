package dev.orgctl.controller;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.BreakerRecord;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Snake prevention, layer 4: a repository that gets more than {@code maxCommits} regeneration
 * commits within {@code window} is stopped (the breaker opens) and reported, whatever the cause:
 * a template that renders something new every run, a bot that fights orgctl over a file. State is
 * per repository in ORGCTL_BREAKERS, updated with compare-and-set so every replica sees one count.
 * An open breaker stays open until an operator redrives the repository's job or a day passes with
 * no regeneration of it.
 */
public final class CircuitBreaker {
    /** The limit: at most {@code maxCommits} regeneration commits per {@code window}. */
    public record Settings(int maxCommits, Duration window) {
        public static Settings defaults() {
            return new Settings(5, Duration.ofMinutes(10));
        }
    }

    /** Why a repository may not regenerate now. */
    public record Open(String reason) {
    }

    static final int WRONG_LAST_SEQUENCE = 10071;
    private final KeyValue kv;
    private final Settings settings;
    private final Clock clock;

    public CircuitBreaker(KeyValue kv, Settings settings, Clock clock) {
        this.kv = kv;
        this.settings = settings;
        this.clock = clock;
    }

    public Settings settings() {
        return settings;
    }

    /** Empty when the repository may regenerate; the reason when its breaker is open. */
    public Optional<Open> check(String org, String repo) {
        BreakerRecord r = read(org, repo).map(Versioned::record).orElse(null);
        if (r != null && r.getOpen()) {
            return Optional.of(new Open(r.getReason()));
        }
        return Optional.empty();
    }

    /**
     * Counts one regeneration commit. Returns the reason when this commit reached the limit: the
     * breaker is now open and the next job of this repository is stopped.
     */
    public Optional<Open> recordCommit(String org, String repo) {
        for (int attempt = 0; attempt < 20; attempt++) {
            Optional<Versioned> cur = read(org, repo);
            long now = clock.millis();
            long since = now - settings.window().toMillis();
            BreakerRecord.Builder b = cur.map(v -> v.record().toBuilder()).orElse(BreakerRecord.newBuilder()
                    .setOrg(org).setRepo(repo));
            List<Long> recent = b.getCommitsMsList().stream().filter(t -> t > since).toList();
            b.clearCommitsMs().addAllCommitsMs(recent).addCommitsMs(now);
            Optional<Open> opened = Optional.empty();
            if (!b.getOpen() && b.getCommitsMsCount() >= settings.maxCommits()) {
                String reason = b.getCommitsMsCount() + " regeneration commits within "
                        + dev.orgctl.config.Durations.format(settings.window()) + " (limit " + settings.maxCommits()
                        + "): does a template render something new every run, or does something rewrite orgctl's files?";
                b.setOpen(true).setReason(reason).setOpenedAt(Timestamp.newBuilder().setSeconds(now / 1000));
                opened = Optional.of(new Open(reason));
            }
            if (write(org, repo, b.build(), cur.map(Versioned::revision).orElse(0L))) {
                return opened;
            }
        }
        throw new NatsUnavailableException("the breaker of " + org + "/" + repo + " is contended; giving up", null);
    }

    /** Closes the breaker: an operator looked and redrives. */
    public void reset(String org, String repo) {
        try {
            kv.delete(key(org, repo));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot reset the breaker of " + org + "/" + repo + ": " + e.getMessage(), e);
        }
    }

    private record Versioned(BreakerRecord record, long revision) {
    }

    private Optional<Versioned> read(String org, String repo) {
        try {
            KeyValueEntry e = kv.get(key(org, repo));
            if (e == null || e.getValue() == null || e.getValue().length == 0) {
                return Optional.empty();
            }
            return Optional.of(new Versioned(BreakerRecord.parseFrom(e.getValue()), e.getRevision()));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read ORGCTL_BREAKERS: " + e.getMessage(), e);
        }
    }

    private boolean write(String org, String repo, BreakerRecord r, long revision) {
        try {
            if (revision == 0) {
                kv.create(key(org, repo), r.toByteArray());
            } else {
                kv.update(key(org, repo), r.toByteArray(), revision);
            }
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                return false; // lost a race: re-read and count again
            }
            throw new NatsUnavailableException("cannot write ORGCTL_BREAKERS: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot write ORGCTL_BREAKERS: " + e.getMessage(), e);
        }
    }

    private static String key(String org, String repo) {
        return KeyCodec.encode(org + "/" + repo);
    }
}
