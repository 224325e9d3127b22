package dev.orgctl.hosts.github;

import dev.orgctl.nats.Backoff;
import dev.orgctl.nats.KvCas;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
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

    /** Lost races in a row before the loop steps back to read the ceiling afresh. */
    private static final int MAX_ATTEMPTS = 100;
    /** Up to 15 ms added to a wait for the ceiling, so replicas woken by the same expiry spread out. */
    private static final Backoff WAKE_SPREAD = new Backoff(Duration.ofMillis(15), Duration.ofMillis(15), 1);
    private final String key;
    private final ContentCeiling ceiling;
    private final Clock clock;
    private final RateListener listener;
    private final AtomicLong conflicts = new AtomicLong();
    private final KvCas cas;

    /**
     * @param key the account the ceiling belongs to, a valid KV key ({@link #keyFor})
     */
    public NatsWriteBudget(KeyValue kv, String key, ContentCeiling ceiling, Clock clock, RateListener listener) {
        this.key = key;
        this.cas = new KvCas(kv, MAX_ATTEMPTS, KvCas.CONTENTION);
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
            KvCas.Outcome<Spend> outcome;
            try {
                outcome = cas.update(key, this::spend);
            } catch (IOException | JetStreamApiException e) {
                throw new IllegalStateException("cannot update the shared write budget in NATS: " + e.getMessage(), e);
            }
            if (outcome.conflicts() > 0) {
                conflicts.addAndGet(outcome.conflicts());
                log.atDebug().addKeyValue("key", key).addKeyValue("conflicts", outcome.conflicts())
                        .log("write budget compare-and-set lost, retried");
            }
            if (outcome instanceof KvCas.Outcome.Written<Spend> w) {
                return w.result().at();
            }
            if (outcome instanceof KvCas.Outcome.Kept<Spend> k) {
                long wait = k.result().waitMillis();
                listener.paused("content-creation ceiling (shared)", Instant.ofEpochMilli(k.result().at() + wait));
                // A little jitter so replicas woken by the same expiry do not all collide on the CAS.
                TimeUnit.NANOSECONDS.sleep(Duration.ofMillis(wait).plus(WAKE_SPREAD.delay(1)).toNanos());
            }
            // Contended: every attempt lost; the spends of the winners are in the log, decide again.
        }
    }

    /** A decision at {@code at} (epoch millis): spent (waitMillis 0), or wait this long first. */
    private record Spend(long at, long waitMillis) {
    }

    private KvCas.Decision<Spend> spend(KvCas.Current cur) {
        long[] spends = cur.absent() ? new long[0] : decode(cur.value());
        long now = clock.millis();
        long wait = ceiling.waitMillis(spends, now);
        if (wait > 0) {
            return KvCas.Decision.keep(new Spend(now, wait));
        }
        return KvCas.Decision.put(encode(ceiling.spend(spends, now)), new Spend(now, 0));
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
