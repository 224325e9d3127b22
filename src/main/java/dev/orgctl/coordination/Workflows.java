package dev.orgctl.coordination;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.KvCas;
import dev.orgctl.nats.MessageCodec;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.JetStreamSubscription;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workflow state per workflow id in {@code ORGCTL_WORKFLOWS}, its history in {@code ORGCTL_HISTORY},
 * and coalescing. This is the API the controller and the workers use:
 *
 * <pre>{@code
 * // controller, for every event that should (re)generate a repository:
 * TriggerOutcome o = workflows.trigger("regen/acme/api", trigger);   // STARTED_PENDING: enqueue a job
 *                                                                      // COALESCED: nothing to do
 * // worker, for a job:
 * try (Lease lease = locks.acquire("regen/acme/api", "regen", Duration.ofMinutes(5)).orElseThrow()) {
 *     Optional<Run> run = workflows.start("regen/acme/api", jobId, lease);  // empty: nothing to run
 *     ...                       // do the work; lease.checkStillHeld() before each external write
 *     FollowUp f = workflows.complete(run.get(), RunResult.of("committed"));   // or fail(run, error)
 *     if (f.isRerun()) { ... start again (or enqueue a job): the workflow is PENDING with f.trigger() }
 * }
 * }</pre>
 *
 * <p><b>Compare-and-set.</b> Every write names the KV revision it read; a lost race re-reads and
 * decides again on the fresh state, never overwriting. A step that is no longer legal on the fresh
 * state fails with {@link IllegalTransitionException} (naming both states), so of several concurrent
 * attempts at the same transition exactly one wins.
 *
 * <p><b>History.</b> Each transition publishes one {@link WorkflowStateEvent} (protobuf,
 * {@link MessageCodec}) on {@code orgctl.history.<key>} where {@code <key>} is the workflow's
 * {@link KeyCodec encoded} id. The KV write comes first (it is the truth); the event follows with
 * message id {@code wf-<key>-<revision>-<n>}, so a retried publish within the stream's duplicate
 * window is not doubled. The record keeps the events of the write that produced it: if a process dies
 * between the write and the publish, the next writer of that workflow sees that the history stops
 * before the record's revision and publishes the missing events first (same message ids), so the
 * history is complete and in order. {@link #history} also de-duplicates by (revision, transition),
 * which covers a publish delayed past the duplicate window.
 *
 * <p><b>Coalescing.</b> A trigger while PENDING replaces the pending run's trigger; a trigger while
 * RUNNING is remembered (the record is "dirty"). When the run ends the workflow goes on to PENDING
 * with the newest trigger in the same write, so N triggers during one run cause exactly one follow-up
 * run, and the last trigger is always the one the final run uses. "Newest" is the order in which
 * the triggers' writes succeeded.
 *
 * <p><b>Recovery.</b> A RUNNING workflow whose worker died is taken over by the next worker that
 * holds the workflow's lock: its lease carries a larger fencing token than the one recorded for the
 * run, which proves the old holding ended ({@link #start}). The old worker's later
 * {@link #complete}/{@link #fail} is refused with {@link StaleRunException}.
 *
 * <p>Thread-safe.
 */
public final class Workflows {
    private static final Logger log = LoggerFactory.getLogger(Workflows.class);
    /** History subjects: {@code orgctl.history.<encoded workflow id>}. */
    public static final String HISTORY_PREFIX = "orgctl.history.";
    private static final int MAX_ATTEMPTS = 1000;
    private static final int PUBLISHED_CACHE = 10_000;

    private final KeyValue kv;
    private final KvCas cas;
    private final JetStream js;
    private final JetStreamManagement jsm;
    private final String actor;
    private final Clock clock;
    /** Revision of each workflow whose history this process knows to be complete. */
    private final Map<String, Long> published = Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                    return size() > PUBLISHED_CACHE;
                }
            });

    Workflows(Connection connection, JetStreamOptions jsOptions, KeyValueOptions kvOptions, String actor,
              Clock clock) {
        try {
            this.kv = connection.keyValue(Topology.WORKFLOWS_BUCKET, kvOptions);
            this.cas = new KvCas(kv, MAX_ATTEMPTS, KvCas.CONTENTION);
            this.js = connection.jetStream(jsOptions);
            this.jsm = connection.jetStreamManagement(jsOptions);
        } catch (IOException e) {
            throw new NatsUnavailableException("JetStream is not available: " + e.getMessage(), e);
        }
        this.actor = actor;
        this.clock = clock;
    }

    /** @param actor who this process is, written into history events (for example "worker@host/pid-1") */
    public static Workflows open(NatsRuntime nats, String actor) {
        return new Workflows(nats.connection(), nats.connector().jetStreamOptions(),
                nats.connector().keyValueOptions(), actor, Clock.systemUTC());
    }

    public static Workflows open(Connection connection, JetStreamOptions jsOptions, KeyValueOptions kvOptions,
                                 String actor) {
        return new Workflows(connection, jsOptions, kvOptions, actor, Clock.systemUTC());
    }

    /** The history subject of a workflow. */
    public static String historySubject(String workflowId) {
        return HISTORY_PREFIX + KeyCodec.encode(workflowId);
    }

    // ---------------------------------------------------------------- the controller's API

    /**
     * Records a trigger. IDLE, COMPLETED or FAILED: the workflow becomes PENDING
     * ({@link TriggerOutcome#STARTED_PENDING}: the caller makes sure a worker will start it).
     * PENDING or RUNNING: the trigger is coalesced ({@link TriggerOutcome#COALESCED}: nothing more to
     * do; the pending run, or exactly one follow-up run, will use it).
     */
    public TriggerOutcome trigger(String workflowId, Trigger trigger) {
        return update(workflowId, cur -> WorkflowMachine.trigger(workflowId, cur, trigger, actor, now())).result();
    }

    /**
     * Starts the pending run of a workflow (PENDING -> RUNNING), or takes over a RUNNING workflow
     * whose worker's lease ran out (RUNNING -> RUNNING, attempt + 1). The caller must hold the
     * workflow's lock: {@code lease}. Its name, bucket and token are recorded with the run: a later
     * holder of the same lock (a larger token) may take the run over; nobody else can.
     *
     * @param runId unique per start (a job id plus delivery count, or a random id)
     * @return the run; empty when there is nothing to start (IDLE, COMPLETED or FAILED with no new
     *         trigger, or RUNNING under a holding that is not older than {@code lease})
     * @throws LeaseLostException when {@code lease} is no longer held
     */
    public Optional<Run> start(String workflowId, String runId, Lease lease) {
        if (!lease.isHeld()) {
            lease.checkStillHeld();
        }
        String owner = actor + " [lock " + lease.name() + " token " + lease.token() + "]";
        return update(workflowId, cur -> WorkflowMachine.start(workflowId, cur, runId, owner, lease.ref(), now()))
                .result();
    }

    /**
     * Ends a run successfully (RUNNING -> COMPLETED). If triggers arrived while it ran, the workflow
     * goes on to PENDING with the newest one in the same write and the answer is
     * {@link FollowUp#rerun}. A retry of an end whose answer was lost returns the same answer.
     *
     * @throws StaleRunException when the run was taken over by another worker
     */
    public FollowUp complete(Run run, RunResult result) {
        Change c = new Change(result.reason().isEmpty() ? "run " + run.runId() + " completed" : result.reason(),
                actor, run.runId(), null, null, null, result.baseCommit(), result.resultCommit());
        return update(run.workflowId(),
                cur -> WorkflowMachine.end(run.workflowId(), cur, run, WorkflowState.COMPLETED, c, now())).result();
    }

    /** Ends a run with an error (RUNNING -> FAILED); otherwise as {@link #complete}. */
    public FollowUp fail(Run run, String error) {
        Change c = new Change("run " + run.runId() + " failed", actor, run.runId(), null, null, error, null, null);
        return update(run.workflowId(),
                cur -> WorkflowMachine.end(run.workflowId(), cur, run, WorkflowState.FAILED, c, now())).result();
    }

    /**
     * Gives up a PENDING or RUNNING workflow (-> FAILED with {@code error}) without holding its lock:
     * for a worker whose bounded retries found the lock unusable (lost every time, or a lock bucket
     * that answers inconsistently). Other states are left alone.
     */
    public FollowUp abandon(String workflowId, String error) {
        Change c = new Change("abandoned: " + error, actor, "", null, null, error, null, null);
        return update(workflowId, cur -> WorkflowMachine.abandon(workflowId, cur, c, now())).result();
    }

    // ---------------------------------------------------------------- lower level and reading

    /**
     * A plain transition (the state machine's table, no takeover), for operators and tests; the
     * controller uses the methods above. Decided on the fresh state at each attempt.
     *
     * @throws IllegalTransitionException when it is not legal from the current state
     */
    public WorkflowSnapshot transition(String workflowId, WorkflowState to, Change change) {
        Change c = change.actor().isEmpty() ? change.withActor(actor) : change;
        Applied<WorkflowRecord> a = update(workflowId, cur -> {
            WorkflowRecord next = WorkflowMachine.transition(workflowId, cur, to, c, now());
            return new WorkflowMachine.Step<>(next, next);
        });
        return new WorkflowSnapshot(workflowId, a.result(), a.revision());
    }

    /**
     * A RUNNING workflow's progress (RUNNING -> RUNNING with {@code change}'s reason in the history):
     * a rollout's wave started or its gate passed.
     *
     * @throws IllegalTransitionException when it is not RUNNING
     */
    public WorkflowSnapshot progress(String workflowId, Change change) {
        Change c = change.actor().isEmpty() ? change.withActor(actor) : change;
        Applied<WorkflowRecord> a = update(workflowId, cur -> {
            WorkflowRecord next = WorkflowMachine.progress(workflowId, cur, c, now());
            return new WorkflowMachine.Step<>(next, next);
        });
        return new WorkflowSnapshot(workflowId, a.result(), a.revision());
    }

    /** The workflow's record; empty while it is IDLE (never triggered). */
    public Optional<WorkflowSnapshot> get(String workflowId) {
        try {
            KeyValueEntry e = kv.get(KeyCodec.encode(workflowId));
            return e == null ? Optional.empty()
                    : Optional.of(new WorkflowSnapshot(workflowId, parse(e), e.getRevision()));
        } catch (IOException ex) {
            throw new NatsUnavailableException("cannot read workflow " + workflowId + ": " + ex.getMessage(), ex);
        } catch (JetStreamApiException ex) {
            throw new CoordinationException("cannot read workflow " + workflowId + ": " + ex.getMessage(), ex);
        }
    }

    /** Every workflow that has a record, in id order (one watcher, not one request per workflow). */
    public List<WorkflowSnapshot> list() {
        List<WorkflowSnapshot> out = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        KeyValueWatcher watcher = new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                if (e.getOperation() == KeyValueOperation.PUT) {
                    String id;
                    try {
                        id = KeyCodec.decode(e.getKey());
                    } catch (IllegalArgumentException ex) {
                        id = e.getKey();
                    }
                    try {
                        out.add(new WorkflowSnapshot(id, parse(e), e.getRevision()));
                    } catch (CoordinationException ex) {
                        log.atWarn().addKeyValue("key", e.getKey()).log("skipping an unreadable workflow record");
                    }
                }
            }

            @Override
            public void endOfData() {
                done.countDown();
            }
        };
        try {
            NatsKeyValueWatchSubscription sub = kv.watchAll(watcher, KeyValueWatchOption.IGNORE_DELETE);
            try {
                if (!done.await(60, TimeUnit.SECONDS)) {
                    throw new NatsUnavailableException("listing workflows timed out", null);
                }
            } finally {
                sub.unsubscribe();
            }
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot list workflows: " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new CoordinationException("cannot list workflows: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while listing workflows", e);
        }
        List<WorkflowSnapshot> sorted = new ArrayList<>(out);
        sorted.sort(Comparator.comparing(WorkflowSnapshot::workflowId));
        return sorted;
    }

    /**
     * The story of a workflow: one event per transition, in order (by KV revision, then by position
     * within a write), duplicates removed.
     */
    public List<WorkflowStateEvent> history(String workflowId) {
        String subject = historySubject(workflowId);
        long lastSeq;
        try {
            lastSeq = jsm.getLastMessage(Topology.HISTORY_STREAM, subject).getSeq();
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isNoMessage(e)) {
                return List.of();
            }
            throw new CoordinationException("cannot read history of " + workflowId + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot read history of " + workflowId + ": " + e.getMessage(), e);
        }
        List<WorkflowStateEvent> events = new ArrayList<>();
        try {
            JetStreamSubscription sub = js.subscribe(subject,
                    PushSubscribeOptions.builder().stream(Topology.HISTORY_STREAM).ordered(true).build());
            try {
                while (true) {
                    Message m = sub.nextMessage(Duration.ofSeconds(10));
                    if (m == null) {
                        throw new NatsUnavailableException("reading the history of " + workflowId + " timed out", null);
                    }
                    events.add(MessageCodec.decode(m, WorkflowStateEvent.getDefaultInstance()));
                    if (m.metaData().streamSequence() >= lastSeq) {
                        break;
                    }
                }
            } finally {
                sub.unsubscribe();
            }
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot read history of " + workflowId + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new CoordinationException("cannot read history of " + workflowId + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while reading history", e);
        }
        return dedupe(events);
    }

    /**
     * Publishes the last transition's events if the history stops before them (a crash between the
     * KV write and the publish). Every write does this first; this method is for readers and tools.
     *
     * @return the number of events published
     */
    public int repairHistory(String workflowId) {
        String key = KeyCodec.encode(workflowId);
        published.remove(key);
        return get(workflowId).map(s -> ensureHistory(key, s.record(), s.revision())).orElse(0);
    }

    static List<WorkflowStateEvent> dedupe(List<WorkflowStateEvent> events) {
        Set<String> seen = new HashSet<>();
        List<WorkflowStateEvent> out = new ArrayList<>();
        for (WorkflowStateEvent e : events) {
            if (seen.add(e.getRevision() + ":" + e.getCurrentState() + ":" + e.getTargetState())) {
                out.add(e);
            }
        }
        // Stable: events of one write keep their order.
        out.sort(Comparator.comparingLong(WorkflowStateEvent::getRevision));
        return out;
    }

    // ---------------------------------------------------------------- the compare-and-set loop

    private record Applied<R>(R result, WorkflowRecord record, long revision) {
    }

    private <R> Applied<R> update(String workflowId, Function<WorkflowRecord, WorkflowMachine.Step<R>> decide) {
        String key = KeyCodec.encode(workflowId);
        KvCas.Outcome<Decided<R>> outcome;
        try {
            outcome = cas.update(key, cur -> {
                WorkflowRecord record = cur.absent() ? null : parse(key, cur.value());
                if (record != null) {
                    ensureHistory(key, record, cur.revision());
                }
                WorkflowMachine.Step<R> step = decide.apply(record);
                Decided<R> d = new Decided<>(step, record);
                return step.write() == null ? KvCas.Decision.keep(d) : KvCas.Decision.put(step.write().toByteArray(), d);
            });
        } catch (IOException ex) {
            throw new NatsUnavailableException("cannot update workflow " + workflowId + " (it may or may not "
                    + "have been written; retrying is safe): " + ex.getMessage(), ex);
        } catch (JetStreamApiException ex) {
            throw new CoordinationException("cannot update workflow " + workflowId + ": " + ex.getMessage(), ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted", ex);
        }
        if (outcome instanceof KvCas.Outcome.Kept<Decided<R>> kept) {
            return new Applied<>(kept.result().step().result(), kept.result().read(), kept.revision());
        }
        if (outcome instanceof KvCas.Outcome.Written<Decided<R>> w) {
            WorkflowRecord written = w.result().step().write();
            publish(key, written, w.revision());
            if (!written.getLastEventsList().isEmpty() || w.result().read() == null) {
                log.atDebug().addKeyValue("workflow", workflowId).addKeyValue("state", written.getState())
                        .addKeyValue("revision", w.revision()).log("workflow written");
            }
            return new Applied<>(w.result().step().result(), written, w.revision());
        }
        throw new CoordinationException("workflow " + workflowId + ": gave up after " + MAX_ATTEMPTS
                + " lost compare-and-set races", null);
    }

    /** A decision of the state machine and the record it was made on (null: none yet). */
    private record Decided<R>(WorkflowMachine.Step<R> step, WorkflowRecord read) {
    }

    /** Makes sure the history holds the events of the record at {@code revision}; returns how many it added. */
    private int ensureHistory(String key, WorkflowRecord cur, long revision) {
        Long known = published.get(key);
        if (known != null && known == revision) {
            return 0;
        }
        if (cur.getLastEventsCount() == 0) {
            published.put(key, revision);
            return 0;
        }
        long last;
        try {
            MessageInfo mi = jsm.getLastMessage(Topology.HISTORY_STREAM, HISTORY_PREFIX + key);
            last = MessageCodec.decode(mi.getHeaders(), mi.getData(), WorkflowStateEvent.getDefaultInstance())
                    .getRevision();
        } catch (JetStreamApiException e) {
            if (!JetStreamErrors.isNoMessage(e)) {
                log.atWarn().addKeyValue("workflow_key", key).addKeyValue("error", e.getMessage())
                        .log("cannot check the workflow history");
                return 0;
            }
            last = 0;
        } catch (IOException | IllegalArgumentException e) {
            log.atWarn().addKeyValue("workflow_key", key).addKeyValue("error", e.getMessage())
                    .log("cannot check the workflow history");
            return 0;
        }
        if (last >= revision) {
            published.put(key, revision);
            return 0;
        }
        log.atInfo().addKeyValue("workflow_key", key).addKeyValue("revision", revision)
                .addKeyValue("history_revision", last)
                .log("history is missing the last transition (a writer stopped between the KV write and the "
                        + "history publish); publishing it now");
        return publish(key, cur, revision);
    }

    private int publish(String key, WorkflowRecord rec, long revision) {
        List<WorkflowStateEvent> events = rec.getLastEventsList();
        String subject = HISTORY_PREFIX + key;
        int n = 0;
        try {
            for (int i = 0; i < events.size(); i++) {
                WorkflowStateEvent ev = events.get(i).toBuilder().setRevision(revision).build();
                MessageCodec.Encoded enc = MessageCodec.encode(ev);
                Message m = NatsMessage.builder().subject(subject).headers(enc.headers()).data(enc.body()).build();
                js.publish(m, PublishOptions.builder().messageId(messageId(key, revision, i))
                        .expectedStream(Topology.HISTORY_STREAM).build());
                n++;
            }
            published.put(key, revision);
        } catch (IOException | JetStreamApiException e) {
            log.atWarn().addKeyValue("workflow_key", key).addKeyValue("revision", revision)
                    .addKeyValue("error", e.getMessage())
                    .log("history event not published; the next transition of this workflow publishes it");
        }
        return n;
    }

    static String messageId(String key, long revision, int index) {
        return "wf-" + key + "-" + revision + "-" + index;
    }

    private static WorkflowRecord parse(KeyValueEntry e) {
        return parse(e.getKey(), e.getValue());
    }

    private static WorkflowRecord parse(String key, byte[] value) {
        try {
            return WorkflowRecord.parseFrom(value);
        } catch (InvalidProtocolBufferException ex) {
            throw new CoordinationException("workflow record " + key + " is not a WorkflowRecord: "
                    + ex.getMessage(), ex);
        }
    }

    private Instant now() {
        return clock.instant();
    }
}
