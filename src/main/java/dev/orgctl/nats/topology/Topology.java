package dev.orgctl.nats.topology;

import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every stream, KV bucket and consumer orgctl uses, declared in this one place. Each setting has
 * its reason beside it. Names are stable (product brief, section 5): rename only with a migration.
 */
public final class Topology {
    public static final String EVENTS_STREAM = "GITHUB_EVENTS";
    public static final String EVENTS_SUBJECTS = "github.>";
    public static final String LOCKS_BUCKET = "ORGCTL_LOCKS";
    public static final String LONG_LOCKS_BUCKET = "ORGCTL_LOCKS_LONG";
    public static final String WORKFLOWS_BUCKET = "ORGCTL_WORKFLOWS";
    public static final String BOOTSTRAP_BUCKET = "ORGCTL_BOOTSTRAP";
    public static final String COMMITS_BUCKET = "ORGCTL_COMMITS";
    public static final String BREAKERS_BUCKET = "ORGCTL_BREAKERS";
    public static final String CONTROLLER_BUCKET = "ORGCTL_CONTROLLER";
    public static final String RATE_BUCKET = "ORGCTL_RATE";
    public static final String VERIFIED_BUCKET = "ORGCTL_VERIFIED";
    public static final String PREVIEWS_BUCKET = "ORGCTL_PREVIEWS";
    public static final String ROLLOUTS_BUCKET = "ORGCTL_ROLLOUTS";
    public static final String TFSTATE_TOKENS_BUCKET = "ORGCTL_TFSTATE_TOKENS";
    public static final String TFSTATE_BUCKET = "ORGCTL_TFSTATE";
    public static final String TFSTATE_LOCKS_BUCKET = "ORGCTL_TFSTATE_LOCKS";
    public static final String TFSTATE_OBJECTS = "ORGCTL_TFSTATE_OBJECTS";
    public static final String JOBS_STREAM = "ORGCTL_JOBS";
    public static final String JOBS_SUBJECTS = "orgctl.jobs.>";
    public static final String HISTORY_STREAM = "ORGCTL_HISTORY";
    public static final String HISTORY_SUBJECTS = "orgctl.history.>";
    public static final String DLQ_STREAM = "ORGCTL_DLQ";
    public static final String DLQ_SUBJECTS = "orgctl.dlq.>";
    public static final String CONTROLLER_CONSUMER = "orgctl-controller";
    public static final String WORKERS_CONSUMER = "orgctl-workers";

    /** Lease of a lock in {@link #LOCKS_BUCKET}: the bucket's TTL (nats-server 2.9 has no per-key TTL). */
    public static final Duration LOCK_LEASE = Duration.ofSeconds(30);
    /** Lease of a lock in {@link #LONG_LOCKS_BUCKET}, for work whose holder renews rarely. */
    public static final Duration LONG_LOCK_LEASE = Duration.ofMinutes(5);
    /** GitHub's cap on a delivery is 25 MiB; headers and JSON escaping need a little more. */
    public static final long MAX_EVENT_BYTES = 26L * 1024 * 1024;

    private static final long GIB = 1024L * 1024 * 1024;
    private static final long MIB = 1024L * 1024;

    /** What an operator may tune. */
    public record Settings(int replicas, Duration dedupWindow) {
        public static Settings defaults() {
            return new Settings(1, Duration.ofDays(7));
        }
    }

    private final List<ResourceSpec> resources;

    /** A week, or the de-duplication window when it is longer: the delivery index reads it from the stream. */
    static Duration eventsMaxAge(Settings s) {
        Duration week = Duration.ofDays(7);
        return s.dedupWindow().compareTo(week) > 0 ? s.dedupWindow() : week;
    }

    public Topology(Settings s) {
        int r = s.replicas();
        this.resources = List.of(
                // Every accepted delivery. A week covers a long weekend of outages plus GitHub's 3-day
                // redelivery horizon; 8 GiB bounds disk use for a large org (about 1 KiB-50 KiB per
                // delivery). Discard old: ingestion must never be refused because history is full.
                // The 2-minute duplicate window catches fast retries; the gateway's delivery index, read
                // from this stream, catches later ones, so the stream keeps at least the dedup window.
                new StreamSpec(EVENTS_STREAM, "GitHub webhook deliveries, one message per delivery",
                        List.of(EVENTS_SUBJECTS), StorageType.File, RetentionPolicy.Limits, eventsMaxAge(s),
                        8 * GIB, MAX_EVENT_BYTES, Duration.ofMinutes(2), DiscardPolicy.Old, r),
                // Leased locks: the TTL is the lease, history 1 because only the current holder matters.
                new BucketSpec(LOCKS_BUCKET, "leased, fenced locks (30s lease)", 1, LOCK_LEASE, 64 * MIB, 4096,
                        StorageType.File, r),
                new BucketSpec(LONG_LOCKS_BUCKET, "leased, fenced locks (5m lease)", 1, LONG_LOCK_LEASE, 64 * MIB,
                        4096, StorageType.File, r),
                // Workflow state: no TTL (state must outlive any outage); a few revisions help debugging,
                // the full story is in ORGCTL_HISTORY.
                new BucketSpec(WORKFLOWS_BUCKET, "workflow state per workflow id", 5, Duration.ZERO, GIB, 64 * 1024,
                        StorageType.File, r),
                // Bootstrap stage results; small and kept forever.
                new BucketSpec(BOOTSTRAP_BUCKET, "bootstrap stage results and lease", 10, Duration.ZERO, 64 * MIB,
                        256 * 1024, StorageType.File, r),
                // Commits orgctl made, for snake prevention: a month outlives any push that could echo one.
                new BucketSpec(COMMITS_BUCKET, "commits orgctl created (snake prevention)", 1, Duration.ofDays(30),
                        GIB, 4096, StorageType.File, r),
                // Per-repo circuit breakers: recent regeneration commits. A day covers any sane window
                // and lets an open breaker close by itself when nobody touches the repository.
                new BucketSpec(BREAKERS_BUCKET, "per-repository circuit breakers (snake prevention)", 1,
                        Duration.ofDays(1), 256 * MIB, 16 * 1024, StorageType.File, r),
                // The controller's singletons (periodic reconcile, redelivery sweep): when each last ran, so
                // that of several replicas only one does a round per interval. Tiny, kept forever.
                new BucketSpec(CONTROLLER_BUCKET, "controller singletons: when each periodic task last ran", 1,
                        Duration.ZERO, 16 * MIB, 4096, StorageType.File, r),
                // GitHub's content-creation ceiling (80 writes/min, 500/h per account), shared by every
                // replica: one entry per account holding the log of recent writes, taken by compare-and-set.
                // History 1: only the current log matters for the CAS. TTL 65 min: the entry's age resets on
                // every write, so an entry idle longer than the hour window holds nothing that still counts.
                // File storage: a restarted server must not hand out a second hour's worth of writes.
                new BucketSpec(RATE_BUCKET, "shared GitHub write budget (content-creation ceiling)", 1,
                        Duration.ofMinutes(65), 16 * MIB, 16 * 1024, StorageType.File, r),
                // Per repository, the head and template fingerprint orgctl last verified, so that a reconcile
                // skips a repository nothing changed in without reading it. History 1: only the last
                // verification matters. TTL 7 days: every repository is read in full at least once a week
                // (a safety valve; a lost entry costs one read, never a missed change).
                new BucketSpec(VERIFIED_BUCKET, "repositories as orgctl last verified them (head, fingerprint)", 1,
                        Duration.ofDays(7), 256 * MIB, 1024, StorageType.File, r),
                // Template previews of the git backend, one report per templates branch (orgctl regen preview).
                // History 1: only the newest push's report matters. TTL 30 days: a branch left alone that long
                // loses its report, and its next push makes a new one. Values up to 1 MiB (diffs are cut before).
                new BucketSpec(PREVIEWS_BUCKET, "template previews per templates branch (git backend)", 1,
                        Duration.ofDays(30), 256 * MIB, MIB, StorageType.File, r),
                // Progressive rollouts (docs/rollout.md): one record per rollout, the current and stable
                // revision per org, a pin per repository, CI results per commit. History 8: an operator can
                // read a rollout's last steps with 'nats kv history'. No TTL: a rollout's record must outlive
                // any pause; CI records of old commits stay (a few hundred bytes each). Values up to 1 MiB: a
                // rollout freezes the repository names of its waves.
                new BucketSpec(ROLLOUTS_BUCKET, "progressive rollouts: records, pins, CI results per commit", 8,
                        Duration.ZERO, GIB, MIB, StorageType.File, r),
                // orgctl tokens of the Terraform state backend, one entry per token name holding its scope and the
                // SHA-256 of its secret. History 1: a revoked token is purged, and no old hash is worth keeping.
                // No TTL: a token lives until revoked. Tiny values; 16 MiB is thousands of tokens.
                new BucketSpec(TFSTATE_TOKENS_BUCKET, "orgctl tokens of the Terraform state backend (hashed)", 1,
                        Duration.ZERO, 16 * MIB, 16 * 1024, StorageType.File, r),
                // Terraform state (docs/terraform-state.md): one entry per state with its versions and the
                // current one, switched by compare-and-set. History 5 for debugging; no TTL (state outlives
                // everything). 256 KiB holds the metadata of hundreds of versions; the bytes are objects.
                new BucketSpec(TFSTATE_BUCKET, "Terraform states: versions and the current one, per state", 5,
                        Duration.ZERO, GIB, 256 * 1024, StorageType.File, r),
                // Terraform state locks: no TTL, because a lock must hold for a whole apply however long it
                // runs; orgctl releases it (UNLOCK, force-unlock, the maximum hold time). History 1: only the
                // holder matters, and the entry's revision is the holder's fencing token.
                new BucketSpec(TFSTATE_LOCKS_BUCKET, "Terraform state locks (LockInfo, holder, fencing token)", 1,
                        Duration.ZERO, 64 * MIB, 64 * 1024, StorageType.File, r),
                // The bytes of every kept state version (tens of MB each): an object store chunks them past
                // the message limit. 32 GiB bounds disk use; old versions are deleted as retention drops them.
                new ObjectStoreSpec(TFSTATE_OBJECTS, "Terraform state versions (bytes, encrypted when a key is set)",
                        32 * GIB, StorageType.File, r),
                // Regeneration jobs: a work queue, so each job is taken by exactly one worker and removed
                // when acknowledged. Discard new: a full queue refuses (and the controller naks) rather than
                // silently dropping queued work.
                new StreamSpec(JOBS_STREAM, "regeneration jobs, one per repository, coalesced",
                        List.of(JOBS_SUBJECTS), StorageType.File, RetentionPolicy.WorkQueue, Duration.ofDays(7),
                        GIB, 4 * MIB, Duration.ofMinutes(2), DiscardPolicy.New, r),
                // Workflow transitions: the story of every run. 30 days for audits; 2 GiB bound.
                new StreamSpec(HISTORY_STREAM, "workflow state transitions (WorkflowStateEvent)",
                        List.of(HISTORY_SUBJECTS), StorageType.File, RetentionPolicy.Limits, Duration.ofDays(30),
                        2 * GIB, MIB, Duration.ofMinutes(2), DiscardPolicy.Old, r),
                // Dead letters: kept 30 days for an operator to inspect and redrive.
                new StreamSpec(DLQ_STREAM, "jobs and deliveries that failed every attempt",
                        List.of(DLQ_SUBJECTS), StorageType.File, RetentionPolicy.Limits, Duration.ofDays(30),
                        2 * GIB, MAX_EVENT_BYTES, Duration.ofMinutes(2), DiscardPolicy.Old, r),
                // The controller reads every delivery once per deployment (all replicas share it). The ack
                // wait covers classification and job publishing; failures nak with a delay. The controller
                // dead-letters a delivery after its last attempt; the server does not cap deliveries, or a
                // delivery whose dead letter cannot be written (ORGCTL_DLQ gone) would be dropped unseen.
                new ConsumerSpec(EVENTS_STREAM, CONTROLLER_CONSUMER, "controller: classify deliveries",
                        EVENTS_SUBJECTS, DeliverPolicy.All, Duration.ofSeconds(60), -1, 256, List.of()),
                // Workers share the job queue; a job's lease is the ack wait, renewed with in-progress acks
                // three times per ack wait while it works. The ack wait is the lock lease: a SIGKILLed
                // replica's job comes back within one lease of its last in-progress ack, when its repository
                // lock has run out too, so another replica takes the run over within about one lease.
                // Failed runs are counted by the workflow (a retry takes the run over, attempt + 1), not by
                // deliveries: a job also goes back while its repository is locked or a burst settles. So the
                // server does not cap deliveries; the worker sends a job to the DLQ after its last attempt.
                new ConsumerSpec(JOBS_STREAM, WORKERS_CONSUMER, "workers: regenerate repositories",
                        JOBS_SUBJECTS, DeliverPolicy.All, LOCK_LEASE, -1, 64, List.of()));
    }

    public List<ResourceSpec> resources() {
        return resources;
    }

    public Optional<ResourceSpec> find(String name) {
        return resources.stream().filter(r -> r.name().equals(name)).findFirst();
    }
}
