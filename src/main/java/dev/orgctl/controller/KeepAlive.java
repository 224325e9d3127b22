package dev.orgctl.controller;

import io.nats.client.Message;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-progress acks for long work, three times per ack wait (read from the server), so one lost
 * ack costs nothing and the ack wait can stay as short as the lock lease.
 */
public record KeepAlive(ScheduledExecutorService timers, Duration every) {
    private static final Logger log = LoggerFactory.getLogger(KeepAlive.class);

    static KeepAlive forAckWait(ScheduledExecutorService timers, Duration ackWait) {
        Duration wait = ackWait == null || ackWait.isZero() ? Duration.ofSeconds(30) : ackWait;
        Duration every = wait.dividedBy(3);
        return new KeepAlive(timers, every.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : every);
    }

    ScheduledFuture<?> start(Message msg) {
        long ms = every.toMillis();
        return timers.scheduleAtFixedRate(() -> {
            try {
                msg.inProgress();
            } catch (RuntimeException e) {
                // The connection is down: the next tick tries again (a thrown exception would end the schedule).
                log.atDebug().addKeyValue("error", String.valueOf(e.getMessage())).log("in-progress ack failed");
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }
}
