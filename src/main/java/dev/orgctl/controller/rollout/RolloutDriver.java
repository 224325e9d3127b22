package dev.orgctl.controller.rollout;

import dev.orgctl.controller.EventSource;
import dev.orgctl.controller.JobScheduler;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LockService;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the rollouts on (docs/rollout.md, "How a rollout proceeds"): every tick, for each org's
 * current rollout that is rolling or gating, one {@link RolloutMachine} decision on its record, the
 * pins of its current wave and the CI records of their commits; the decision's actions first (pins,
 * jobs), then the record by compare-and-set. Every replica runs one: replicas race only on that
 * write, the loser reads again on its next tick, and repeated actions are harmless (a pin already
 * set stays, a job for a repository already pending coalesces, a repeated run finds no difference).
 */
public final class RolloutDriver {
    private static final Logger log = LoggerFactory.getLogger(RolloutDriver.class);
    /** Steps one tick may take on one rollout (a wave start, its end, its gate): enough to never lag a tick behind. */
    private static final int STEPS_PER_TICK = 4;
    /** How often a replica that does not drive an org's rollout reads its gauges. */
    static final Duration FOLLOW_EVERY = Duration.ofSeconds(10);

    private final KvRollouts store;
    private final JobScheduler scheduler;
    private final CiPoller poller;
    private final RolloutWorkflow workflow;
    private final RolloutMetrics metrics;
    private final Clock clock;
    private final Optional<LockService> locks;
    private final Map<String, String> observed = new java.util.concurrent.ConcurrentHashMap<>();
    /** When this replica last read the gauges of a rollout another one drives, per org. */
    private final Map<String, Instant> followed = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicReference<Optional<String>> problem = new AtomicReference<>(Optional.of("not started"));

    public RolloutDriver(KvRollouts store, JobScheduler scheduler, CiPoller poller, RolloutWorkflow workflow,
                         RolloutMetrics metrics, Clock clock) {
        this(store, scheduler, poller, workflow, metrics, clock, Optional.empty());
    }

    /**
     * @param locks when given, one replica at a time drives an org's rollout (lock
     *              {@code controller/rollouts/<org>}, taken per tick, never waited for): the others
     *              would start each wave again, and every repository of it would run twice
     */
    public RolloutDriver(KvRollouts store, JobScheduler scheduler, CiPoller poller, RolloutWorkflow workflow,
                         RolloutMetrics metrics, Clock clock, Optional<LockService> locks) {
        this.locks = locks;
        this.store = store;
        this.scheduler = scheduler;
        this.poller = poller;
        this.workflow = workflow;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Ticks every {@code every} on {@code timers} until they shut down. */
    @SuppressWarnings("FutureReturnValueIgnored") // tick() catches everything: nothing can cancel the task unseen
    public void start(ScheduledExecutorService timers, Duration every) {
        problem.set(Optional.empty());
        timers.scheduleWithFixedDelay(this::tick, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The process stops: so says the source from now on. */
    public void stopped() {
        problem.set(Optional.of("stopped"));
    }

    /** {@code controller-rollouts} in /readyz: empty while ticks read ORGCTL_ROLLOUTS. */
    public EventSource source() {
        return EventSource.of("controller-rollouts", problem::get);
    }

    /** One pass over the current rollout of every org. Never throws: a failure is the source's problem until the next tick. */
    public void tick() {
        try {
            for (String org : store.orgs()) {
                if (locks.isEmpty()) {
                    store.current(org).ifPresent(this::drive);
                    continue;
                }
                Optional<Lease> lease = locks.get().tryAcquire("controller/rollouts/" + org, "rollout driver");
                if (lease.isEmpty()) {
                    follow(org); // another replica drives this org's rollout now
                    continue;
                }
                try (Lease held = lease.get()) {
                    store.current(org).ifPresent(this::drive);
                }
            }
            problem.updateAndGet(p -> p.filter("stopped"::equals));
        } catch (RuntimeException e) {
            problem.set(Optional.of("rollouts not readable: " + e.getMessage()));
            log.atWarn().addKeyValue("error", String.valueOf(e.getMessage())).log("rollout tick failed");
        }
    }

    /**
     * The gauges of a rollout another replica drives, read at most every {@link #FOLLOW_EVERY}: a
     * scrape of any replica shows the rollout, not what this one saw when it last drove it.
     */
    private void follow(String org) {
        Instant now = clock.instant();
        Instant last = followed.get(org);
        if (last != null && now.isBefore(last.plus(FOLLOW_EVERY))) {
            return;
        }
        followed.put(org, now);
        store.current(org).ifPresent(this::observe);
    }

    /** Drives one rollout as far as it goes now; returns the record as left. */
    Rollout drive(Rollout start) {
        Rollout r = start;
        String seen = r.getId() + "@" + r.getTransitions();
        if (!RolloutMachine.going(r.getState()) && seen.equals(observed.get(r.getOrg()))) {
            return r; // ended, and seen as it is: nothing to do, nothing to read
        }
        workflow.sync(r, "");
        if (r.getState() == RolloutState.ROLLOUT_COMPLETED) {
            // A crash between the completing write and the stable mark left it unmarked.
            store.markStable(r.getOrg(), r.getId(), r.getRevision());
        }
        for (int i = 0; i < STEPS_PER_TICK; i++) {
            if (!moving(r)) {
                break;
            }
            Map<String, RolloutPin> pins = pins(r);
            Map<String, CiRecord> ci = r.getState() == RolloutState.ROLLOUT_GATING ? poller.results(r, pins, clock.instant())
                    : Map.of();
            Instant now = clock.instant();
            RolloutMachine.Decision d = RolloutMachine.tick(r, pins, ci, now);
            if (d.next().isEmpty()) {
                break;
            }
            act(r, d);
            Rollout next = d.next().get();
            if (!store.replace(r, next)) {
                log.atDebug().addKeyValue("rollout", r.getId()).log("another replica moved the rollout on first");
                break;
            }
            recorded(r, next, d.event());
            r = next;
        }
        observe(r);
        observed.put(r.getOrg(), r.getId() + "@" + r.getTransitions());
        return r;
    }

    private static boolean moving(Rollout r) {
        return r.getState() == RolloutState.ROLLOUT_ROLLING || r.getState() == RolloutState.ROLLOUT_GATING;
    }

    private Map<String, RolloutPin> pins(Rollout r) {
        Map<String, RolloutPin> pins = new HashMap<>();
        if (r.getWavesCount() == 0) {
            return pins;
        }
        for (String repo : r.getWaves((int) r.getWave()).getReposList()) {
            store.pin(r.getOrg(), repo).ifPresent(p -> pins.put(repo, p));
        }
        return pins;
    }

    private void act(Rollout r, RolloutMachine.Decision d) {
        for (RolloutMachine.Action a : d.actions()) {
            if (a instanceof RolloutMachine.Action.Pin p) {
                store.pinTo(r, p.repo(), p.wave());
            } else if (a instanceof RolloutMachine.Action.Schedule s) {
                scheduler.schedule(r.getOrg(), s.repo(), JobReason.ROLLOUT, r.getRevision(), s.causation(), 0);
            } else if (a instanceof RolloutMachine.Action.MarkStable m) {
                store.markStable(r.getOrg(), r.getId(), m.revision());
            }
        }
    }

    private void recorded(Rollout before, Rollout next, String event) {
        workflow.sync(next, event);
        metrics.transition(next.getState());
        int k = (int) before.getWave();
        if (before.getState() == RolloutState.ROLLOUT_GATING && next.getState() != RolloutState.ROLLOUT_GATING) {
            Instant started = RolloutMachine.toInstant(before.getWaves(k).getGateStartedAt());
            metrics.gate(next.getOrg(), Duration.between(started, RolloutMachine.toInstant(next.getUpdatedAt())),
                    next.getState() == RolloutState.ROLLOUT_PAUSED ? next.getFailuresCount() : 0);
        }
        log.atInfo().addKeyValue("org", next.getOrg()).addKeyValue("rollout", next.getId())
                .addKeyValue("state", RolloutMachine.state(next)).addKeyValue("wave", next.getWave() + 1)
                .log(event);
    }

    /** The metrics of the org's current rollout: only its current wave is read; earlier ones passed, later ones wait. */
    private void observe(Rollout r) {
        Map<String, RolloutPin> pins = pins(r);
        Map<String, CiRecord> ci = new HashMap<>();
        for (RolloutPin p : pins.values()) {
            if (!p.getCommit().isEmpty() && p.getRolloutId().equals(r.getId())) {
                store.ci(r.getOrg(), p.getRepo(), p.getCommit()).ifPresent(c -> ci.put(p.getRepo(), c));
            }
        }
        metrics.observe(r, pins, ci);
    }
}
