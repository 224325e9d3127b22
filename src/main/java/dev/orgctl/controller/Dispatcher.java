package dev.orgctl.controller;

import dev.orgctl.OrgctlException;
import dev.orgctl.regen.TemplateException;
import io.micrometer.core.instrument.Timer;
import io.nats.client.Message;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link Stage} for one consumer, the single place where the failure path lives (after
 * controller-runtime's reconcileHandler): decode (undecodable is poison), run, map the outcome or
 * the thrown failure to an {@link Action}, write the dead letter, count it. See docs/DEVELOPING.md
 * for the table.
 */
public final class Dispatcher<I> {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** How soon a message whose handling failed outright (its dead letter could not be written) comes back. */
    static final Duration KEEP_FOR_REDELIVERY = Duration.ofSeconds(5);

    private final Stage<I> stage;
    private final RetryPolicy retry;
    private final DeadLetters deadLetters;
    private final ControllerMetrics metrics;
    private final Optional<Timer> duration;

    public Dispatcher(Stage<I> stage, RetryPolicy retry, DeadLetters deadLetters, ControllerMetrics metrics,
                      Optional<Timer> duration) {
        this.stage = stage;
        this.retry = retry;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.duration = duration;
    }

    /**
     * Handles one message and never throws: whatever fails on the way (a dead letter that cannot be
     * written while ORGCTL_DLQ is gone, an ack on a broken connection) leaves the message
     * unacknowledged to come back after {@link #KEEP_FOR_REDELIVERY}, and the loop goes on. While the
     * stage runs, {@code keepAlive} tells the server every so often that the message is in progress.
     */
    public void dispatch(Message msg, Optional<KeepAlive> keepAlive) {
        Optional<ScheduledFuture<?>> ticking = keepAlive.map(k -> k.start(msg));
        try {
            apply(decide(inbound(msg)), msg);
        } catch (RuntimeException e) {
            metrics.unfinished(stage.loop());
            log.atWarn().addKeyValue("loop", stage.loop()).addKeyValue("subject", msg.getSubject())
                    .addKeyValue("error", String.valueOf(e.getMessage()))
                    .log("message could not be finished; it stays unacknowledged and is tried again");
            try {
                msg.nakWithDelay(KEEP_FOR_REDELIVERY);
            } catch (RuntimeException nak) {
                // the connection is down: the ack wait hands the message back all the same
            }
        } finally {
            ticking.ifPresent(t -> t.cancel(false));
        }
    }

    /** Decides one message: the stage runs, a dead letter is written when it ends there; nothing is acked. */
    public Action decide(Inbound in) {
        I input;
        try {
            input = stage.decode(in);
        } catch (RuntimeException e) {
            return act(in, Optional.empty(), Outcome.Terminal.of("poison", String.valueOf(e.getMessage())));
        }
        Timer.Sample started = Timer.start();
        Outcome outcome;
        try {
            outcome = stage.run(input, in.delivery());
        } catch (RuntimeException e) {
            outcome = failed(e, in.delivery());
            if (outcome instanceof Outcome.Retry r) {
                log.atWarn().addKeyValue("kind", stage.kind()).addKeyValue("subject", in.subject())
                        .addKeyValue("attempt", in.delivery()).addKeyValue("retry_in", r.after())
                        .addKeyValue("error", r.reason()).log(stage.kind() + " failed; retrying");
            }
        }
        duration.ifPresent(started::stop);
        return act(in, Optional.of(input), outcome);
    }

    /** The one mapping of a thrown failure; see the table in docs/DEVELOPING.md. */
    Outcome failed(RuntimeException e, int delivery) {
        String why = String.valueOf(e.getMessage());
        if (e instanceof TemplateException) {
            return Outcome.Terminal.of("template", why);
        }
        if (e instanceof OrgctlException o && !o.retryable()) {
            return Outcome.Terminal.of("poison", why);
        }
        // Retryable, or a failure nobody classified (as before the redesign): retried until the attempts are spent.
        return retry.spent(delivery) ? Outcome.Terminal.of("attempts", why) : new Outcome.Retry(retry.delay(delivery), why);
    }

    private Action act(Inbound in, Optional<I> input, Outcome outcome) {
        if (outcome instanceof Outcome.Done) {
            return new Action.Ack();
        }
        if (outcome instanceof Outcome.Retry r) {
            return new Action.Nak(r.after()); // the stage logged why, or decide() did
        }
        Outcome.Terminal t = (Outcome.Terminal) outcome;
        Stage.Origin origin = stage.origin(in, input);
        int attempts = t.attempts() > 0 ? t.attempts() : in.delivery();
        deadLetters.add(stage.kind(), origin.org(), origin.repo(), in, t.detail(), attempts, t.stoppedBy(),
                origin.causation());
        metrics.deadLetter(t.stoppedBy());
        log.atError().addKeyValue("kind", stage.kind()).addKeyValue("org", origin.org()).addKeyValue("repo", origin.repo())
                .addKeyValue("causation", origin.causation()).addKeyValue("stopped_by", t.stoppedBy())
                .addKeyValue("attempts", attempts).addKeyValue("error", t.detail()).log(stage.kind() + " sent to the DLQ");
        try {
            t.afterDeadLetter().run();
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("kind", stage.kind()).addKeyValue("error", String.valueOf(e.getMessage()))
                    .log("could not record the failure after its dead letter");
        }
        return new Action.Term();
    }

    private static void apply(Action action, Message msg) {
        if (action instanceof Action.Ack) {
            msg.ack();
        } else if (action instanceof Action.Nak n) {
            msg.nakWithDelay(n.after());
        } else {
            msg.term();
        }
    }

    static Inbound inbound(Message msg) {
        Map<String, List<String>> headers = msg.getHeaders() == null ? Map.of()
                : msg.getHeaders().keySet().stream().collect(Collectors.toMap(Function.identity(),
                        k -> List.copyOf(msg.getHeaders().get(k))));
        int delivery = msg.isJetStream() ? (int) msg.metaData().deliveredCount() : 1;
        return new Inbound(msg.getSubject(), headers, msg.getData(), delivery);
    }
}
