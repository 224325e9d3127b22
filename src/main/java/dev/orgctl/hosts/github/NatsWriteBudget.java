package dev.orgctl.hosts.github;

import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-creation ceiling shared by every orgctl replica through one NATS KV entry
 * ({@code ORGCTL_RATE}, key per account). The entry is the log of recent spends; taking a token is
 * a compare-and-set on the entry's revision: read, check {@link ContentCeiling#waitMillis}, write
 * the log with one more spend only if nobody wrote in between, otherwise read again. So three
 * replicas racing for the last token of a minute get exactly one each of what is left, never more.
 */
public final class NatsWriteBudget implements WriteBudget {
    private static final Logger log = LoggerFactory.getLogger(NatsWriteBudget.class);

    private final KeyValue kv;
    private final String key;
    private final ContentCeiling ceiling;
    private final Clock clock;
    private final RateListener listener;
    private final AtomicLong conflicts = new AtomicLong();

    /**
     * @param key the account the ceiling belongs to, a valid KV key ({@link #keyFor})
     */
    public NatsWriteBudget(KeyValue kv, String key, ContentCeiling ceiling, Clock clock, RateListener listener) {
        this.kv = kv;
        this.key = key;
        this.ceiling = ceiling;
        this.clock = clock;
        this.listener = listener;
    }

    /** The KV key of an account: {@code content.<account>} with anything but [A-Za-z0-9_-] replaced. */
    public static String keyFor(String account) {
        return "content." + account.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    @Override
    public Duration acquire() throws InterruptedException {
        long started = clock.millis();
        acquireAt();
        return Duration.ofMillis(clock.millis() - started);
    }

    /** Takes a token; returns the spend's timestamp as written to the shared log (epoch millis). */
    long acquireAt() throws InterruptedException {
        while (true) {
            KeyValueEntry entry;
            try {
                entry = kv.get(key);
            } catch (IOException | JetStreamApiException e) {
                throw new IllegalStateException("cannot read the shared write budget from NATS: " + e.getMessage(), e);
            }
            boolean absent = entry == null || entry.getOperation() != KeyValueOperation.PUT;
            long[] spends = absent ? new long[0] : decode(entry.getValue());
            long now = clock.millis();
            long wait = ceiling.waitMillis(spends, now);
            if (wait > 0) {
                listener.paused("content-creation ceiling (shared)", Instant.ofEpochMilli(now + wait));
                // A little jitter so replicas woken by the same expiry do not all collide on the CAS.
                Thread.sleep(wait + ThreadLocalRandom.current().nextLong(0, 15));
                continue;
            }
            byte[] next = encode(ceiling.spend(spends, now));
            try {
                if (absent) {
                    kv.create(key, next);
                } else {
                    kv.update(key, next, entry.getRevision());
                }
                return now;
            } catch (JetStreamApiException e) {
                // Someone else spent in between (wrong last sequence / key exists): read again.
                conflicts.incrementAndGet();
                log.atDebug().addKeyValue("key", key).addKeyValue("error", e.getApiErrorCode())
                        .log("write budget compare-and-set lost, retrying");
                Thread.sleep(ThreadLocalRandom.current().nextLong(0, 5));
            } catch (IOException e) {
                throw new IllegalStateException("cannot update the shared write budget in NATS: " + e.getMessage(), e);
            }
        }
    }

    /** Compare-and-set races lost so far (they cost a retry, never a token too many). */
    public long conflicts() {
        return conflicts.get();
    }

    static byte[] encode(long[] spends) {
        StringBuilder sb = new StringBuilder(spends.length * 14 + 4);
        sb.append("v1");
        long prev = 0;
        for (long s : spends) {
            // Delta-encoded epoch millis: the first absolute, then the gaps (small numbers).
            sb.append(',').append(s - prev);
            prev = s;
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static long[] decode(byte[] value) {
        if (value == null || value.length == 0) {
            return new long[0];
        }
        String[] parts = new String(value, StandardCharsets.US_ASCII).split(",");
        if (!parts[0].equals("v1")) {
            return new long[0]; // an unknown format is treated as an empty log rather than a crash
        }
        long[] out = new long[parts.length - 1];
        long prev = 0;
        for (int i = 1; i < parts.length; i++) {
            prev += Long.parseLong(parts[i]);
            out[i - 1] = prev;
        }
        return out;
    }
}
