package dev.orgctl.controller;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.OwnCommitRecord;
import dev.orgctl.regen.Provenance;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The commits orgctl created (ORGCTL_COMMITS, keyed by commit id), shared by all replicas: layer 1
 * of snake prevention and the base of the causation depth. A commit whose message carries orgctl's
 * trailers also counts as its own, so a push that arrives before its commit was recorded (the record
 * is written after the ref moved) is still recognised.
 */
public final class OwnCommits {
    private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");

    private final KeyValue kv;

    public OwnCommits(KeyValue kv) {
        this.kv = kv;
    }

    public void record(String commitId, String org, String repo, String runId, int depth, String templateRevision) {
        OwnCommitRecord r = OwnCommitRecord.newBuilder().setOrg(org).setRepo(repo).setRunId(runId).setDepth(depth)
                .setTemplateRevision(templateRevision == null ? "" : templateRevision)
                .setCreated(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond())).build();
        try {
            kv.put(commitId, r.toByteArray());
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot record orgctl's commit " + commitId + ": " + e.getMessage(), e);
        }
    }

    public Optional<OwnCommitRecord> find(String commitId) {
        if (commitId == null || !COMMIT_ID.matcher(commitId).matches()) {
            return Optional.empty();
        }
        try {
            KeyValueEntry e = kv.get(commitId);
            if (e == null || e.getValue() == null) {
                return Optional.empty();
            }
            return Optional.of(OwnCommitRecord.parseFrom(e.getValue()));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read ORGCTL_COMMITS: " + e.getMessage(), e);
        }
    }

    /** Recorded, or written in orgctl's commit message form (subject marker and trailers). */
    public boolean isOwn(String commitId, String message) {
        if (message != null && !message.isEmpty() && Provenance.isOrgctlCommit(message)) {
            return true;
        }
        return find(commitId).isPresent();
    }
}
