package dev.orgctl.controller;

import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.regen.VerifiedRepos;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * {@link VerifiedRepos} in ORGCTL_VERIFIED, shared by every replica, one entry per repository
 * ({@code <head> <fingerprint>}). Losing an entry costs one full read of that repository, never a
 * missed change: an unreadable entry counts as absent. The bucket's TTL makes every repository be
 * read in full at least once a week even when nothing moved.
 */
public final class KvVerifiedRepos implements VerifiedRepos {
    private final KeyValue kv;

    public KvVerifiedRepos(KeyValue kv) {
        this.kv = kv;
    }

    private static String key(RepoRef repo) {
        return KeyCodec.encode(repo.fullName());
    }

    @Override
    public Optional<Verified> get(RepoRef repo) {
        try {
            KeyValueEntry e = kv.get(key(repo));
            if (e == null || e.getValue() == null) {
                return Optional.empty();
            }
            String[] parts = new String(e.getValue(), StandardCharsets.UTF_8).split(" ");
            return parts.length == 2 ? Optional.of(new Verified(parts[0], parts[1])) : Optional.empty();
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read ORGCTL_VERIFIED: " + e.getMessage(), e);
        }
    }

    @Override
    public void put(RepoRef repo, Verified verified) {
        try {
            kv.put(key(repo), (verified.head() + " " + verified.fingerprint()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot record in ORGCTL_VERIFIED: " + e.getMessage(), e);
        }
    }

    @Override
    public void forget(RepoRef repo) {
        try {
            kv.delete(key(repo));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot forget in ORGCTL_VERIFIED: " + e.getMessage(), e);
        }
    }
}
