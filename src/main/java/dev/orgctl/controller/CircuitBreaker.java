package dev.orgctl.controller;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.orgctl.config.Durations;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.nats.KvCas;
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

    /** Replicas counting commits of one repository at once: far fewer than this. */
    private static final int MAX_ATTEMPTS = 20;
    private final KeyValue kv;
    private final KvCas cas;
    private final Settings settings;
    private final Clock clock;

    public CircuitBreaker(KeyValue kv, Settings settings, Clock clock) {
        this.kv = kv;
        this.cas = new KvCas(kv, MAX_ATTEMPTS, KvCas.CONTENTION);
        this.settings = settings;
        this.clock = clock;
    }

    public Settings settings() {
        return settings;
    }

    /** Empty when the repository may regenerate; the reason when its breaker is open. */
    public Optional<Open> check(String org, String repo) {
        BreakerRecord r = read(org, repo).orElse(null);
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
        KvCas.Outcome<Optional<Open>> outcome;
        try {
            outcome = cas.update(key(org, repo), cur -> count(org, repo, cur));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot write ORGCTL_BREAKERS: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while counting a commit of " + org + "/" + repo, e);
        }
        if (outcome instanceof KvCas.Outcome.Written<Optional<Open>> w) {
            return w.result();
        }
        throw new NatsUnavailableException("the breaker of " + org + "/" + repo + " is contended; giving up", null);
    }

    /** The record with one more commit; opened (and the reason) when this commit reaches the limit. */
    private KvCas.Decision<Optional<Open>> count(String org, String repo, KvCas.Current cur) {
        long now = clock.millis();
        long since = now - settings.window().toMillis();
        // An unreadable record (another version's, a broken write) is counted afresh, not kept forever.
        BreakerRecord.Builder b = parse(cur).map(BreakerRecord::toBuilder)
                .orElseGet(() -> BreakerRecord.newBuilder().setOrg(org).setRepo(repo));
        List<Long> recent = b.getCommitsMsList().stream().filter(t -> t > since).toList();
        b.clearCommitsMs().addAllCommitsMs(recent).addCommitsMs(now);
        Optional<Open> opened = Optional.empty();
        if (!b.getOpen() && b.getCommitsMsCount() >= settings.maxCommits()) {
            String reason = b.getCommitsMsCount() + " regeneration commits within "
                    + Durations.format(settings.window()) + " (limit " + settings.maxCommits()
                    + "): does a template render something new every run, or does something rewrite orgctl's files?";
            b.setOpen(true).setReason(reason).setOpenedAt(Timestamp.newBuilder().setSeconds(now / 1000));
            opened = Optional.of(new Open(reason));
        }
        return KvCas.Decision.put(b.build().toByteArray(), opened);
    }

    /** Closes the breaker: an operator looked and redrives. */
    public void reset(String org, String repo) {
        try {
            kv.delete(key(org, repo));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot reset the breaker of " + org + "/" + repo + ": " + e.getMessage(), e);
        }
    }

    private Optional<BreakerRecord> read(String org, String repo) {
        try {
            KeyValueEntry e = kv.get(key(org, repo));
            return e == null ? Optional.empty() : parse(new KvCas.Current(e.getValue(), e.getRevision()));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read ORGCTL_BREAKERS: " + e.getMessage(), e);
        }
    }

    private static Optional<BreakerRecord> parse(KvCas.Current cur) {
        if (cur.absent() || cur.value() == null || cur.value().length == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(BreakerRecord.parseFrom(cur.value()));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    private static String key(String org, String repo) {
        return KeyCodec.encode(org + "/" + repo);
    }
}
