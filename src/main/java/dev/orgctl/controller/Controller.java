package dev.orgctl.controller;

import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.regen.TemplateException;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller of one process: a loop that classifies deliveries from GITHUB_EVENTS, worker
 * loops that take regeneration jobs from ORGCTL_JOBS, and the periodic reconcile. Several
 * processes on one NATS share both durable consumers; per-repository locks keep two workers off
 * one repository. Messages are acknowledged only after their work is recorded; failures are
 * retried with backoff and, after the last attempt, kept in ORGCTL_DLQ.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    private static final Duration POLL = Duration.ofSeconds(1);
    /** How soon a message whose handling failed outright (its dead letter could not be written) comes back. */
    static final Duration KEEP_FOR_REDELIVERY = Duration.ofSeconds(5);

    private final String org;
    private final ControllerSettings settings;
    private final ControllerMetrics metrics;
    private final EventProcessor events;
    private final Worker worker;
    private final Reconciler reconciler;
    private final DeadLetters deadLetters;
    private final LockService locks;
    private final ConsumerContext eventConsumer;
    private final ConsumerContext jobConsumer;
    private final Duration keepAliveEvery;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "controller-timers");
        t.setDaemon(true);
        return t;
    });

    private Controller(String org, ControllerSettings settings, ControllerMetrics metrics, EventProcessor events,
                       Worker worker, Reconciler reconciler, DeadLetters deadLetters, LockService locks,
                       ConsumerContext eventConsumer, ConsumerContext jobConsumer, Duration keepAliveEvery) {
        this.org = org;
        this.settings = settings;
        this.metrics = metrics;
        this.events = events;
        this.worker = worker;
        this.reconciler = reconciler;
        this.deadLetters = deadLetters;
        this.locks = locks;
        this.eventConsumer = eventConsumer;
        this.jobConsumer = jobConsumer;
        this.keepAliveEvery = keepAliveEvery;
    }

    /** Wires the controller's parts on an open NATS runtime and starts its loops. */
    public static Controller start(String org, NatsRuntime nats, RepositoryHost host, ControllerSettings settings,
                                   MeterRegistry registry) {
        String actor = "controller@" + ProcessHandle.current().pid();
        JetStream js = nats.jetStream();
        JetStreamManagement jsm;
        ConsumerContext eventConsumer;
        ConsumerContext jobConsumer;
        Duration jobAckWait;
        try {
            jsm = nats.connection().jetStreamManagement(nats.connector().jetStreamOptions());
            eventConsumer = js.getConsumerContext(Topology.EVENTS_STREAM, Topology.CONTROLLER_CONSUMER);
            jobConsumer = js.getConsumerContext(Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER);
            jobAckWait = jobConsumer.getConsumerInfo().getConsumerConfiguration().getAckWait();
        } catch (IOException | io.nats.client.JetStreamApiException e) {
            throw new dev.orgctl.nats.NatsUnavailableException("the controller's consumers are not available ("
                    + e.getMessage() + "); run 'orgctl topology apply'", e);
        }
        ControllerMetrics metrics = new ControllerMetrics(registry);
        Workflows workflows = Workflows.open(nats, actor);
        LockService locks = LockService.open(nats, LeaseClass.STANDARD, actor);
        JobScheduler scheduler = new JobScheduler(workflows, js, actor);
        OwnCommits ownCommits = new OwnCommits(nats.keyValue(Topology.COMMITS_BUCKET));
        CircuitBreaker breaker = new CircuitBreaker(nats.keyValue(Topology.BREAKERS_BUCKET), settings.breaker(),
                Clock.systemUTC());
        DeadLetters deadLetters = new DeadLetters(js, jsm);
        EventProcessor events = new EventProcessor(new EventClassifier(new ControllerKnowledge(ownCommits, host)),
                scheduler, ownCommits, host, settings, metrics);
        KvVerifiedRepos verified = new KvVerifiedRepos(nats.keyValue(Topology.VERIFIED_BUCKET));
        Worker worker = new Worker(host, locks, workflows, scheduler, ownCommits, breaker, deadLetters, settings, metrics,
                verified);
        Reconciler reconciler = new Reconciler(host, scheduler, workflows, locks,
                nats.keyValue(Topology.CONTROLLER_BUCKET), Clock.systemUTC(), verified, metrics);
        Controller c = new Controller(org, settings, metrics, events, worker, reconciler, deadLetters, locks,
                eventConsumer, jobConsumer, keepAliveEvery(jobAckWait));
        c.startLoops();
        return c;
    }

    // Each periodic task runs inside guard(), which catches and logs, so no failure can cancel it unseen.
    @SuppressWarnings("FutureReturnValueIgnored")
    private void startLoops() {
        threads.add(thread("controller-events", this::eventLoop));
        for (int i = 0; i < settings.workers(); i++) {
            threads.add(thread("controller-worker-" + i, this::workerLoop));
        }
        // A controller that died between recording a trigger and queueing its job left it PENDING.
        timers.scheduleWithFixedDelay(() -> guard("recover", () -> reconciler.recoverStalePending(Duration.ofMinutes(2))),
                30, 60, TimeUnit.SECONDS);
        settings.reconcileEvery().ifPresent(every -> timers.scheduleWithFixedDelay(
                () -> guard("reconcile", () -> reconciler.periodicRound(org, every)),
                every.toMillis(), Math.max(1000, every.toMillis() / 10), TimeUnit.MILLISECONDS));
        log.atInfo().addKeyValue("org", org).addKeyValue("workers", settings.workers())
                .addKeyValue("reconcile", settings.reconcileEvery().map(Object::toString).orElse("off"))
                .log("controller started");
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void guard(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("task", what).addKeyValue("error", e.getMessage()).log("periodic task failed");
        }
    }

    private void eventLoop() {
        while (running.get()) {
            Message msg = next(eventConsumer);
            if (msg != null) {
                survive("controller-events", msg, () -> handleEvent(msg));
            }
        }
    }

    /**
     * Runs one message's handling; whatever it throws (a dead letter that cannot be written while
     * ORGCTL_DLQ is gone, an ack on a broken connection) never ends the loop: the message stays
     * unacknowledged and comes back after {@link #KEEP_FOR_REDELIVERY}, and the loop goes on.
     */
    private void survive(String loop, Message msg, Runnable handling) {
        try {
            handling.run();
        } catch (RuntimeException e) {
            metrics.unfinished(loop);
            log.atWarn().addKeyValue("loop", loop).addKeyValue("subject", msg.getSubject())
                    .addKeyValue("error", String.valueOf(e.getMessage()))
                    .log("message could not be finished; it stays unacknowledged and is tried again");
            try {
                msg.nakWithDelay(KEEP_FOR_REDELIVERY);
            } catch (RuntimeException nak) {
                // the connection is down: the ack wait hands the message back all the same
            }
        }
    }

    private void handleEvent(Message msg) {
        int attempt = (int) msg.metaData().deliveredCount();
        try {
            events.handle(msg);
            msg.ack();
        } catch (EventProcessor.PoisonException | TemplateException e) {
            String stoppedBy = e instanceof TemplateException ? "template" : "poison";
            deadLetter(msg, e.getMessage(), attempt, stoppedBy);
            msg.term();
        } catch (RuntimeException e) {
            if (attempt >= settings.maxAttempts()) {
                deadLetter(msg, e.getMessage(), attempt, "attempts");
                msg.term();
            } else {
                log.atWarn().addKeyValue("delivery", header(msg, "X-GitHub-Delivery")).addKeyValue("attempt", attempt)
                        .addKeyValue("error", String.valueOf(e.getMessage())).log("delivery failed; retrying");
                msg.nakWithDelay(Worker.backoff(attempt));
            }
        }
    }

    private void workerLoop() {
        while (running.get()) {
            Message msg = next(jobConsumer);
            if (msg != null) {
                survive("controller-worker", msg, () -> handleJob(msg));
            }
        }
    }

    private void handleJob(Message msg) {
        int attempt = (int) msg.metaData().deliveredCount();
        // A working job tells the server it is alive, so the ack wait can stay close to the lock lease:
        // a killed replica's job comes back within about one lease, a live one's never does.
        long every = keepAliveEvery.toMillis();
        ScheduledFuture<?> keepAlive = timers.scheduleAtFixedRate(() -> inProgress(msg), every, every, TimeUnit.MILLISECONDS);
        try {
            Worker.Disposition d = worker.work(msg, attempt);
            if (d.ack()) {
                msg.ack();
            } else {
                msg.nakWithDelay(d.delay());
            }
        } catch (RuntimeException e) {
            // A job that cannot even be decoded, or a failure the worker did not expect.
            if (attempt >= settings.maxAttempts() || e instanceof IllegalArgumentException) {
                metrics.deadLetter("attempts");
                deadLetters.add("job", "", "", msg, String.valueOf(e.getMessage()), attempt, "attempts", "");
                msg.term();
            } else {
                log.atWarn().addKeyValue("subject", msg.getSubject()).addKeyValue("attempt", attempt)
                        .addKeyValue("error", String.valueOf(e.getMessage())).log("job failed; retrying");
                msg.nakWithDelay(Worker.backoff(attempt));
            }
        } finally {
            keepAlive.cancel(false);
        }
    }

    /** In-progress acks three times per ack wait (read from the server), so one lost ack costs nothing. */
    static Duration keepAliveEvery(Duration ackWait) {
        Duration wait = ackWait == null || ackWait.isZero() ? Duration.ofSeconds(30) : ackWait;
        Duration every = wait.dividedBy(3);
        return every.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : every;
    }

    private static void inProgress(Message msg) {
        try {
            msg.inProgress();
        } catch (RuntimeException e) {
            // The connection is down: the next tick tries again (a thrown exception would end the schedule).
            log.atDebug().addKeyValue("error", String.valueOf(e.getMessage())).log("in-progress ack failed");
        }
    }

    private Message next(ConsumerContext consumer) {
        try {
            return consumer.next(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
            return null;
        } catch (Exception e) {
            // NATS away or the consumer briefly gone: the connection reconnects by itself.
            if (running.get()) {
                log.atDebug().addKeyValue("error", String.valueOf(e.getMessage())).log("pull failed; retrying");
                sleep(Duration.ofSeconds(1));
            }
            return null;
        }
    }

    private void deadLetter(Message msg, String error, int attempt, String stoppedBy) {
        metrics.deadLetter(stoppedBy);
        String org = "";
        String repo = "";
        try {
            var address = dev.orgctl.nats.SubjectCodec.parse(msg.getSubject());
            org = address.org();
            repo = address.repo().orElse("");
        } catch (IllegalArgumentException e) {
            // not a GitHub subject: leave org and repo empty
        }
        deadLetters.add("delivery", org, repo, msg, error, attempt, stoppedBy, header(msg, "X-GitHub-Delivery"));
        log.atError().addKeyValue("delivery", header(msg, "X-GitHub-Delivery")).addKeyValue("stopped_by", stoppedBy)
                .addKeyValue("error", error).log("delivery sent to the DLQ");
    }

    private static String header(Message msg, String name) {
        return msg.getHeaders() == null || msg.getHeaders().getFirst(name) == null ? "" : msg.getHeaders().getFirst(name);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public ControllerMetrics metrics() {
        return metrics;
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    /** For /readyz: empty when the loops run. */
    public Optional<String> problem() {
        for (Thread t : threads) {
            if (!t.isAlive()) {
                return Optional.of(t.getName() + " stopped");
            }
        }
        return running.get() ? Optional.empty() : Optional.of("stopping");
    }

    /** Stops taking work, lets the current job finish (bounded), and releases the locks. */
    @Override
    public void close() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        timers.shutdownNow();
        locks.close();
        log.atInfo().addKeyValue("org", org).log("controller stopped");
    }
}
