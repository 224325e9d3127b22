package dev.orgctl.gateway;

import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every delivery GUID stored in {@code GITHUB_EVENTS} within the de-duplication window, with its
 * stream sequence, read from the stream itself: the gateway's memory of what it has taken in.
 *
 * <p>It follows the stream with an ordered consumer that carries headers only (the
 * {@code Nats-Msg-Id} of each message), starting one window back, so a fresh gateway process
 * knows every delivery of the window once it has caught up. JetStream's own duplicate window
 * (2 minutes) covers the moment between a publish and its arrival here; {@link CatchUp} is the rule
 * that makes that hand-over safe, and the gateway refuses (503) to publish while the index is
 * further behind than the rule allows.
 *
 * <p>Costs: one headers-only message per delivery to each gateway replica, 64 bytes of heap per
 * delivery of the window (about 64 MB for a million), and at start a read of the window's
 * headers.
 */
final class DeliveryIndex implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryIndex.class);
    static final String MSG_ID = "Nats-Msg-Id";
    private static final Duration EXPIRY_INTERVAL = Duration.ofMinutes(1);

    private final JetStreamManagement jsm;
    private final Duration window;
    private final CatchUp catchUp;
    private final GuidTable table = new GuidTable();
    private final ScheduledExecutorService probes;
    private final Dispatcher dispatcher;
    private final JetStream js;
    private final Connection connection;
    /** Touched by the probe thread only, and by the constructor. */
    private JetStreamSubscription subscription;
    private volatile int generation;
    private volatile long lastProgressNanos = System.nanoTime();
    private final Duration natsTimeout;
    private volatile Duration duplicateWindow = Duration.ZERO;
    private volatile long indexedSeq;
    private volatile long entries;

    private DeliveryIndex(Connection connection, JetStream js, JetStreamManagement jsm, Duration window,
                          Duration maxLag, Duration natsTimeout) throws IOException, JetStreamApiException {
        this.connection = connection;
        this.natsTimeout = natsTimeout;
        this.jsm = jsm;
        this.window = window;
        this.catchUp = new CatchUp(maxLag);
        this.probes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-index-probe");
            t.setDaemon(true);
            return t;
        });
        this.js = js;
        this.dispatcher = connection.createDispatcher();
        this.subscription = follow(ConsumerConfiguration.builder()
                .deliverPolicy(DeliverPolicy.ByStartTime)
                .startTime(Instant.now().minus(window).atZone(ZoneOffset.UTC)));
        baseline();
    }

    /** A new headers-only ordered subscription; messages of earlier ones are ignored from now on. */
    // One writer: follow() runs at start and then only on the single probe thread.
    @SuppressWarnings("NonAtomicVolatileUpdate")
    private JetStreamSubscription follow(ConsumerConfiguration.Builder start) throws IOException, JetStreamApiException {
        int gen = ++generation;
        PushSubscribeOptions pso = PushSubscribeOptions.builder().stream(Topology.EVENTS_STREAM).ordered(true)
                .configuration(start.headersOnly(true).build()).build();
        return js.subscribe(Topology.EVENTS_SUBJECTS, dispatcher, m -> {
            if (gen == generation) {
                onMessage(m);
            }
        }, false, pso);
    }

    /**
     * The ordered consumer recovers by itself from most trouble, but after a server restart it
     * waits for missed heartbeats (seconds) while every delivery is answered 503: a stalled index
     * starts over from the next sequence it needs.
     */
    private void resubscribe(long read) {
        JetStreamSubscription old = subscription;
        try {
            old.unsubscribe();
        } catch (RuntimeException e) {
            // already gone with the old connection
        }
        try {
            subscription = follow(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.ByStartSequence)
                    .startSequence(read + 1));
            lastProgressNanos = System.nanoTime();
            log.atInfo().addKeyValue("from_seq", read + 1).log("delivery index stalled; following again");
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            subscription = old;
            log.atDebug().addKeyValue("error", e.getMessage()).log("delivery index could not follow again");
        }
    }

    /**
     * Starts following {@code GITHUB_EVENTS}.
     *
     * @param events      {@code GITHUB_EVENTS} as the gateway found it at start
     * @param window      how far back deliveries are remembered (the de-duplication window)
     * @param natsTimeout one JetStream call's timeout, which the catch-up rule must leave room for
     */
    // probe() catches everything and reschedules itself; expire() only drops table entries.
    @SuppressWarnings("FutureReturnValueIgnored")
    static DeliveryIndex start(Connection connection, JetStream js, JetStreamManagement jsm, StreamInfo events,
                               Duration window, Duration natsTimeout) throws IOException, JetStreamApiException {
        Duration duplicateWindow = duplicateWindow(events);
        Duration maxLag = CatchUp.maxLag(duplicateWindow, natsTimeout);
        DeliveryIndex index = new DeliveryIndex(connection, js, jsm, window, maxLag, natsTimeout);
        index.windowChanged(duplicateWindow);
        index.probes.schedule(index::probe, 0, TimeUnit.MILLISECONDS);
        index.probes.scheduleWithFixedDelay(index::expire, EXPIRY_INTERVAL.toMillis(), EXPIRY_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        log.atInfo().addKeyValue("window", window).log("delivery index following " + Topology.EVENTS_STREAM);
        return index;
    }

    /**
     * A consumer that has delivered nothing yet starts after every message it will skip: those
     * count as read, or an index with nothing new to read would never be complete.
     */
    private void baseline() throws IOException, JetStreamApiException {
        ConsumerInfo ci = subscription.getConsumerInfo();
        if (ci.getDelivered().getConsumerSequence() == 0) {
            markIndexed(ci.getDelivered().getStreamSequence());
        }
    }

    private void onMessage(Message m) {
        if (!m.isJetStream()) {
            return;
        }
        NatsJetStreamMetaData meta = m.metaData();
        long seq = meta.streamSequence();
        String id = m.getHeaders() == null ? null : m.getHeaders().getFirst(MSG_ID);
        if (id != null) {
            record(id, seq, meta.timestamp().toInstant().toEpochMilli());
        }
        markIndexed(seq);
    }

    private void markIndexed(long seq) {
        if (seq > indexedSeq) {
            indexedSeq = seq;
            lastProgressNanos = System.nanoTime();
        }
        catchUp.indexed(seq);
    }

    private void record(String id, long seq, long storedMillis) {
        synchronized (table) {
            table.put(id, seq, storedMillis);
            entries = table.size();
        }
    }

    /** The stream sequence of the delivery's first copy, or 0 when the index has not seen it. */
    long lookup(String id) {
        long notBefore = System.currentTimeMillis() - window.toMillis();
        synchronized (table) {
            return table.get(id, notBefore);
        }
    }

    /** Whether a delivery checked now may be published on the index's word (see {@link CatchUp}). */
    boolean current() {
        return catchUp.current(System.nanoTime());
    }

    /** Why the index cannot be trusted now, for readiness; empty when it can. */
    Optional<String> problem() {
        long now = System.nanoTime();
        if (catchUp.current(now)) {
            return Optional.empty();
        }
        Duration lag = catchUp.lag(now);
        return Optional.of(lag == null ? "delivery index catching up (" + entries + " deliveries read)"
                : "delivery index " + lag.toMillis() + " ms behind " + Topology.EVENTS_STREAM + " (at most "
                + catchUp.maxLag().toMillis() + " ms allowed)");
    }

    long entries() {
        return entries;
    }

    long heapBytes() {
        synchronized (table) {
            return table.bytes();
        }
    }

    /**
     * Takes a completeness proof: is anything stored after what the index has read? Nothing: the
     * index is complete as of now. Something: complete as of now once it has read up to the
     * stream's last sequence. Also follows changes of JetStream's duplicate window. Runs again
     * after a quarter of the allowed lag (at most a second).
     */
    // Reschedules itself; everything that can fail inside is caught above the finally.
    @SuppressWarnings("FutureReturnValueIgnored")
    private void probe() {
        try {
            if (connection.getStatus() == Connection.Status.CONNECTED) {
                long read = indexedSeq;
                long t0 = System.nanoTime();
                StreamInfo info = jsm.getStreamInfo(Topology.EVENTS_STREAM);
                windowChanged(duplicateWindow(info));
                long last = info.getStreamState().getLastSequence();
                if (last <= read || nothingAfter(read)) {
                    catchUp.proof(t0, read);
                } else {
                    catchUp.proof(t0, last);
                    if (indexedSeq == read && t0 - lastProgressNanos > stallNanos()) {
                        resubscribe(read);
                    }
                }
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.atDebug().addKeyValue("error", e.getMessage()).log("delivery index probe failed");
        } finally {
            long next = Math.max(20, Math.min(1000, catchUp.maxLag().toMillis() / 4));
            try {
                probes.schedule(this::probe, next, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closed
            }
        }
    }

    /** How long the index may read nothing while the stream has more, before it follows again. */
    private long stallNanos() {
        long half = catchUp.maxLag().toNanos() / 2;
        return Math.max(TimeUnit.MILLISECONDS.toNanos(500), Math.min(half, TimeUnit.SECONDS.toNanos(5)));
    }

    /** Whether no message exists after {@code seq} (the stream's tail was deleted or purged). */
    private boolean nothingAfter(long seq) throws IOException, JetStreamApiException {
        try {
            jsm.getNextMessage(Topology.EVENTS_STREAM, seq + 1, Topology.EVENTS_SUBJECTS);
            return false;
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isNoMessage(e)) {
                return true;
            }
            throw e;
        }
    }

    private static Duration duplicateWindow(StreamInfo info) {
        Duration w = info.getConfiguration().getDuplicateWindow();
        return w == null || w.isZero() ? Duration.ofMinutes(2) : w; // JetStream's default
    }

    private void windowChanged(Duration window) {
        if (window.equals(duplicateWindow)) {
            return;
        }
        duplicateWindow = window;
        Duration maxLag = CatchUp.maxLag(window, natsTimeout);
        catchUp.maxLag(maxLag);
        log.atInfo().addKeyValue("jetstream_duplicate_window", window).addKeyValue("max_lag_ms", maxLag.toMillis())
                .log("delivery index: JetStream's duplicate window read");
        if (maxLag.plus(natsTimeout).compareTo(window) >= 0) {
            log.atWarn().addKeyValue("jetstream_duplicate_window", window).addKeyValue("nats_timeout", natsTimeout)
                    .log(Topology.EVENTS_STREAM + "'s duplicate window is too short for the NATS timeout: a publish "
                            + "slower than the margin could store a repeat; keep the window at 2 minutes");
        }
    }

    private void expire() {
        long cutoff = System.currentTimeMillis() - window.toMillis();
        int dropped;
        synchronized (table) {
            dropped = table.expire(cutoff);
            entries = table.size();
        }
        if (dropped > 0) {
            log.atDebug().addKeyValue("dropped", dropped).addKeyValue("entries", entries)
                    .log("delivery index: entries older than the window dropped");
        }
    }

    /** Waits until the index is current or {@code timeout} passes; true when current. */
    boolean awaitCurrent(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!current()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void close() {
        probes.shutdownNow();
        try {
            subscription.unsubscribe();
        } catch (RuntimeException e) {
            // the connection is closing; the server drops the ephemeral consumer
        }
        try {
            connection.closeDispatcher(dispatcher);
        } catch (RuntimeException e) {
            // as above
        }
    }
}
