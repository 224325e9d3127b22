package dev.orgctl.controller;

import dev.orgctl.controller.rollout.CiPoller;
import dev.orgctl.controller.rollout.KvRollouts;
import dev.orgctl.controller.rollout.RolloutDriver;
import dev.orgctl.controller.rollout.RolloutEvents;
import dev.orgctl.controller.rollout.RolloutMetrics;
import dev.orgctl.controller.rollout.RolloutPlanner;
import dev.orgctl.controller.rollout.RolloutRuns;
import dev.orgctl.controller.rollout.RolloutWorkflow;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.RegenJob;
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

    private final String org;
    private final ControllerSettings settings;
    private final ControllerMetrics metrics;
    private final Dispatcher<GitHubEvent> events;
    private final Dispatcher<RegenJob> jobs;
    private final Reconciler reconciler;
    private final LockService locks;
    private final ConsumerContext eventConsumer;
    private final ConsumerContext jobConsumer;
    private final KeepAlive keepAlive;
    private final Optional<PreviewTrigger> previews;
    private final Optional<Previews> checkPreviews;
    private final RolloutDriver rollouts;
    private final KvRollouts rolloutStore;
    // The rollout driver ticks on its own thread: a long reconcile round must not hold a gate back.
    private final ScheduledExecutorService rolloutTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "controller-rollouts");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "controller-timers");
        t.setDaemon(true);
        return t;
    });

    private Controller(String org, ControllerSettings settings, ControllerMetrics metrics, Dispatcher<GitHubEvent> events,
                       Dispatcher<RegenJob> jobs, Reconciler reconciler, LockService locks,
                       ConsumerContext eventConsumer, ConsumerContext jobConsumer, Duration jobAckWait,
                       Optional<PreviewTrigger> previews, Optional<Previews> checkPreviews, RolloutDriver rollouts,
                       KvRollouts rolloutStore) {
        this.rollouts = rollouts;
        this.rolloutStore = rolloutStore;
        this.checkPreviews = checkPreviews;
        this.org = org;
        this.settings = settings;
        this.metrics = metrics;
        this.events = events;
        this.jobs = jobs;
        this.reconciler = reconciler;
        this.locks = locks;
        this.eventConsumer = eventConsumer;
        this.jobConsumer = jobConsumer;
        this.keepAlive = KeepAlive.forAckWait(timers, jobAckWait);
        this.previews = previews;
    }

    /** Wires the controller's parts on an open NATS runtime and starts its loops. */
    public static Controller start(String org, NatsRuntime nats, RepositoryHost host, ControllerSettings settings,
                                   MeterRegistry registry) {
        return start(org, nats, host, settings, registry, RolloutPlanner.FROM_CONFIG);
    }

    /** @param planner whether templates roll out in waves, and which (tests give their own waves) */
    public static Controller start(String org, NatsRuntime nats, RepositoryHost host, ControllerSettings settings,
                                   MeterRegistry registry, RolloutPlanner planner) {
        return start(org, nats, host, settings, registry, planner, RunLocks.NONE);
    }

    /** @param runLocks the Terraform state locks GitHub Actions runs hold, released when a run ends */
    public static Controller start(String org, NatsRuntime nats, RepositoryHost host, ControllerSettings settings,
                                   MeterRegistry registry, RolloutPlanner planner, RunLocks runLocks) {
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
        // The git backend previews a pushed templates branch into ORGCTL_PREVIEWS; on GitHub, pull requests
        // are previewed as check runs instead (checkPreviews: a workflow per pull request on ORGCTL_JOBS).
        Optional<PreviewTrigger> previews = "git".equals(host.kind())
                ? Optional.of(new PreviewTrigger(host, new PreviewStore(nats.keyValue(Topology.PREVIEWS_BUCKET),
                        Clock.systemUTC()), settings.workers()))
                : Optional.empty();
        Optional<Previews> checkPreviews = Previews.of(org, host, workflows, js, locks, settings, actor);
        RolloutWorkflow mirror = new RolloutWorkflow(workflows);
        KvRollouts rolloutStore = new KvRollouts(nats.keyValue(Topology.ROLLOUTS_BUCKET), Clock.systemUTC(), mirror);
        EventProcessor events = new EventProcessor(new EventClassifier(new ControllerKnowledge(ownCommits, host)),
                scheduler, ownCommits, host, settings, metrics, previews,
                checkPreviews.<PreviewSink>map(Previews::scheduler).orElse(PreviewSink.DISABLED),
                Optional.of(new RolloutEvents(rolloutStore, mirror, Clock.systemUTC())), planner, actor, runLocks);
        KvVerifiedRepos verified = new KvVerifiedRepos(nats.keyValue(Topology.VERIFIED_BUCKET));
        Worker worker = new Worker(host, locks, workflows, scheduler, ownCommits, breaker, settings, metrics, verified,
                new RolloutRuns(rolloutStore, planner, ownCommits));
        RolloutDriver driver = new RolloutDriver(rolloutStore, scheduler,
                new CiPoller(rolloutStore, host, settings.rollout().poll()), mirror, new RolloutMetrics(registry),
                Clock.systemUTC(), Optional.of(locks));
        Reconciler reconciler = new Reconciler(host, scheduler, workflows, locks,
                nats.keyValue(Topology.CONTROLLER_BUCKET), Clock.systemUTC(), verified, metrics);
        Controller c = new Controller(org, settings, metrics,
                new Dispatcher<>(new EventStage(events), settings.retry(), deadLetters, metrics, Optional.empty()),
                new Dispatcher<>(new JobStage(worker, checkPreviews.<JobStage.PreviewWork>map(p -> p.worker()::work)),
                        settings.retry(), deadLetters, metrics, Optional.of(metrics.jobTimer())),
                reconciler, locks, eventConsumer, jobConsumer, jobAckWait, previews, checkPreviews, driver, rolloutStore);
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
        timers.scheduleWithFixedDelay(() -> guard("recover", () -> {
            reconciler.recoverStalePending(Reconciler.LOST_JOB_AFTER);
            checkPreviews.ifPresent(p -> p.scheduler().recoverStalePending(Duration.ofMinutes(2)));
        }), 30, 60, TimeUnit.SECONDS);
        settings.reconcileEvery().ifPresent(every -> timers.scheduleWithFixedDelay(
                () -> guard("reconcile", () -> reconciler.periodicRound(org, every)),
                every.toMillis(), Math.max(1000, every.toMillis() / 10), TimeUnit.MILLISECONDS));
        rollouts.start(rolloutTimer, settings.rollout().tick());
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
                events.dispatch(msg, Optional.empty());
            }
        }
    }

    private void workerLoop() {
        while (running.get()) {
            Message msg = next(jobConsumer);
            if (msg != null) {
                // A working job tells the server it is alive, so the ack wait can stay close to the lock lease:
                // a killed replica's job comes back within about one lease, a live one's never does.
                jobs.dispatch(msg, Optional.of(keepAlive));
            }
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

    /** The rollouts of ORGCTL_ROLLOUTS, as this controller reads and changes them. */
    public KvRollouts rollouts() {
        return rolloutStore;
    }

    /**
     * The controller's own event sources: the follower of GITHUB_EVENTS (the gateway's deliveries),
     * the periodic reconcile (with the re-queueing of stale PENDING workflows), and the rollout driver.
     */
    public List<EventSource> sources() {
        return List.of(
                EventSource.of("controller-events", () -> stopped(threads.get(0))),
                EventSource.of("controller-reconcile", () -> timers.isShutdown() ? Optional.of("stopped")
                        : running.get() ? Optional.empty() : Optional.of("stopping")),
                rollouts.source());
    }

    private Optional<String> stopped(Thread loop) {
        if (!loop.isAlive()) {
            return Optional.of(loop.getName() + " stopped");
        }
        return running.get() ? Optional.empty() : Optional.of("stopping");
    }

    /** For /readyz: empty when the loops (the events follower and the workers) run. */
    public Optional<String> problem() {
        return threads.stream().map(this::stopped).flatMap(Optional::stream).findFirst()
                .or(() -> running.get() ? Optional.empty() : Optional.of("stopping"));
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
        rolloutTimer.shutdownNow();
        rollouts.stopped();
        previews.ifPresent(PreviewTrigger::close);
        locks.close();
        log.atInfo().addKeyValue("org", org).log("controller stopped");
    }
}
