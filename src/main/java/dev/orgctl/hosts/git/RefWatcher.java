package dev.orgctl.hosts.git;

import dev.orgctl.controller.EventSource;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.nats.Backoff;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every ref change of the bare repositories under the git root into a GitHub-format
 * {@code push} delivery (and a new repository into a {@code repository created} delivery), so the
 * git backend feeds the gateway exactly as GitHub does.
 *
 * <p>It polls rather than installing a post-receive hook: a hook runs only while orgctl is up
 * (a push made while orgctl is down would be lost), must be installed into every repository,
 * including ones created later by any tool, and is bypassed by writes that do not go through
 * {@code receive-pack} (JGit, a local {@code git commit} in a non-bare clone pushing with
 * {@code file://} still runs hooks, but {@code git update-ref} does not). Comparing refs with the
 * last acknowledged state catches every change, whoever made it and whenever orgctl comes back.
 *
 * <p>A scan is cheap: per repository it compares a fingerprint of {@code HEAD},
 * {@code packed-refs} and the {@code refs/} tree (modification times, sizes, count) with the
 * previous scan and reads refs only when it differs (or when the newest change is too recent to
 * trust file times, or every {@code fullCheckEvery} scans). A changed ref becomes one delivery;
 * the persisted state ({@link RefStateStore}) moves only after the sink acknowledged it, so a
 * crash re-emits what was not acknowledged, with the same GUID ({@link PushPayloads#pushGuid}).
 *
 * <p>The first scan with an empty store is a baseline: existing repositories and refs are recorded
 * without deliveries (the full reconcile covers them). A repository that appears afterwards
 * gets a {@code repository created} delivery, then one push per ref. A ref written after the
 * watcher was created is a push racing the baseline, not history: it is left out of the
 * baseline and delivered (as a new ref) like any later push. Until its first scan has finished,
 * {@link #problem()} keeps {@code /readyz} from saying ready, so a push made after readiness is
 * never absorbed into the baseline.
 */
public final class RefWatcher implements AutoCloseable, EventSource {
    private static final Duration MAX_FAILURE_PAUSE = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(RefWatcher.class);
    /** Scans between two that read every repository's refs whatever the fingerprints say. */
    public static final int DEFAULT_FULL_CHECK_EVERY = 60;
    /** Its {@code /readyz} check. */
    public static final String NAME = "git-ref-watcher";
    /** File times newer than this are not trusted to reveal the next change (coarse timestamps). */
    private static final Duration RACY = Duration.ofSeconds(2);

    private final GitHost host;
    private final RefStateStore store;
    private final DeliverySink sink;
    private final Duration interval;
    private final Predicate<String> orgFilter;
    private final int fullCheckEvery;
    private final HeadListener heads;
    private final Map<RepoRef, Fingerprint> fingerprints = new ConcurrentHashMap<>();
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private volatile Thread thread;
    private volatile boolean running;
    /** Refs written from here on are pushes to deliver, even during the baseline. */
    private final Instant createdAt = Instant.now();
    private volatile boolean firstScanDone;

    /**
     * Told of each new head of a repository's default branch once its push was acknowledged (not of
     * the baseline's heads, which are history). Called on the watcher's thread: it must hand the
     * work off and return at once.
     */
    @FunctionalInterface
    public interface HeadListener {
        void defaultBranchMoved(DefaultHead head);
    }

    /** A new head of a default branch: the repository as the push described it, and the move. */
    public record DefaultHead(RepoRef repo, PushPayloads.RepoContext context, String branch, String before,
                              String after) {
    }

    /** What one scan did. */
    public record ScanReport(int repositories, int examined, int deliveries, int failures) {
    }

    /**
     * @param host     the git backend whose root is watched
     * @param store    last acknowledged refs
     * @param sink     where deliveries go (the gateway)
     * @param interval pause between scans, e.g. 500 ms
     * @param org      only this organization, or empty for every org under the root
     */
    public RefWatcher(GitHost host, RefStateStore store, DeliverySink sink, Duration interval, Optional<String> org) {
        this(host, store, sink, interval, org, DEFAULT_FULL_CHECK_EVERY);
    }

    public RefWatcher(GitHost host, RefStateStore store, DeliverySink sink, Duration interval, Optional<String> org,
                      int fullCheckEvery) {
        this(host, store, sink, interval, org, fullCheckEvery, head -> { });
    }

    /** As above, telling {@code heads} of every new default-branch head (the git backend's simulated CI). */
    public RefWatcher(GitHost host, RefStateStore store, DeliverySink sink, Duration interval, Optional<String> org,
                      int fullCheckEvery, HeadListener heads) {
        this.heads = heads;
        this.host = host;
        this.store = store;
        this.sink = sink;
        this.interval = interval;
        this.orgFilter = org.isPresent() ? org.get()::equals : o -> true;
        this.fullCheckEvery = Math.max(1, fullCheckEvery);
    }

    /** Starts scanning in a background thread, every {@code interval}; backs off while deliveries fail. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::loop, "git-ref-watcher");
        thread.setDaemon(true);
        thread.start();
        log.atInfo().addKeyValue("root", host.root()).addKeyValue("interval_ms", interval.toMillis())
                .log("git ref watcher started");
    }

    private void loop() {
        // Failing scans back off from twice the interval, doubling, up to 30 s (or the interval, if longer).
        Duration twice = interval.multipliedBy(2);
        Backoff backoff = Backoff.exact(twice, twice.compareTo(MAX_FAILURE_PAUSE) > 0 ? twice : MAX_FAILURE_PAUSE);
        int failures = 0;
        while (running) {
            long pause = interval.toMillis();
            try {
                ScanReport r = scanOnce();
                failures = r.failures() > 0 ? failures + 1 : 0;
            } catch (RuntimeException e) {
                failures++;
                log.atError().setCause(e).addKeyValue("error", e.getMessage()).log("git ref watcher scan failed");
            }
            if (failures > 0) {
                pause = backoff.delay(failures).toMillis();
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * For readiness: empty once a whole scan has finished (on a fresh data dir, the baseline), so
     * every push from then on is delivered; until then, what is still missing.
     */
    @Override
    public Optional<String> problem() {
        if (firstScanDone) {
            return Optional.empty();
        }
        return Optional.of(store.initialized() ? "first scan of " + host.root() + " not finished"
                : "taking the baseline of the refs under " + host.root());
    }

    /** Deliveries acknowledged since this watcher was created. */
    public long deliveredCount() {
        return delivered.get();
    }

    public long scanCount() {
        return scans.get();
    }

    /**
     * One pass over every repository: delivers what changed since the last acknowledged state.
     * Stops at the first delivery the sink does not acknowledge (the receiver is likely down);
     * the next scan starts over from the persisted state.
     */
    public synchronized ScanReport scanOnce() {
        boolean baseline = !store.initialized();
        boolean full = scans.incrementAndGet() % fullCheckEvery == 0;
        int repos = 0;
        int examined = 0;
        int deliveries = 0;
        for (String org : host.organizations()) {
            if (!orgFilter.test(org)) {
                continue;
            }
            for (String name : host.repositoryNames(org)) {
                repos++;
                RepoRef ref = new RepoRef(org, name);
                Path dir = host.gitDir(ref);
                Fingerprint fp;
                try {
                    fp = Fingerprint.of(dir);
                } catch (IOException e) {
                    continue; // being created or deleted right now: next scan
                }
                if (!full && fp.equals(fingerprints.get(ref))) {
                    continue;
                }
                examined++;
                try {
                    deliveries += examine(ref, dir, baseline);
                } catch (DeliveryException e) {
                    fingerprints.remove(ref);
                    log.atWarn().addKeyValue("repo", ref.fullName()).addKeyValue("error", e.getMessage())
                            .log("delivery not acknowledged; will emit it again");
                    return new ScanReport(repos, examined, deliveries, 1);
                } catch (IOException | HostException e) {
                    fingerprints.remove(ref);
                    log.atWarn().addKeyValue("repo", ref.fullName()).addKeyValue("error", e.getMessage())
                            .log("cannot read repository; will retry");
                    continue;
                }
                if (fp.trustworthy(Instant.now())) {
                    fingerprints.put(ref, fp);
                } else {
                    fingerprints.remove(ref);
                }
            }
        }
        if (baseline) {
            store.markInitialized();
            log.atInfo().addKeyValue("repositories", repos).log("git ref watcher baseline recorded");
        }
        firstScanDone = true;
        return new ScanReport(repos, examined, deliveries, 0);
    }

    /** Delivers the changes of one repository; returns how many deliveries were acknowledged. */
    private int examine(RepoRef ref, Path dir, boolean baseline) throws IOException, DeliveryException {
        try (Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build()) {
            Map<String, String> current = currentRefs(repo);
            Optional<Map<String, String>> known = store.load(ref);
            if (known.isEmpty() && baseline) {
                Map<String, String> settled = new TreeMap<>(current);
                settled.keySet().removeIf(name -> writtenSince(dir, name, createdAt));
                store.save(ref, settled);
                if (settled.size() == current.size()) {
                    return 0;
                }
                known = Optional.of(settled); // the racing refs are delivered below, as new refs
            }
            int sent = 0;
            RepositoryInfo info = host.repository(ref).orElseThrow(() -> new IOException("repository vanished"));
            long repoId = host.repositoryId(ref);
            Instant createdAt = createdAt(dir);
            Map<String, String> state;
            if (known.isEmpty()) {
                PushPayloads.RepoContext ctx = new PushPayloads.RepoContext(info, repoId, url(dir), createdAt,
                        createdAt);
                PushPayloads.Person sender = current.isEmpty() ? new PushPayloads.Person("git", "git@localhost")
                        : pusher(repo, current.values().iterator().next());
                String guid = PushPayloads.createdGuid(ref, repoId);
                sink.deliver(new OutgoingDelivery("repository", guid, PushPayloads.repositoryCreatedBody(ctx, sender),
                        ref.fullName()));
                delivered.incrementAndGet();
                sent++;
                state = new TreeMap<>();
                store.save(ref, state);
                log.atInfo().addKeyValue("repo", ref.fullName()).addKeyValue("delivery", guid)
                        .log("new repository delivered");
            } else {
                state = new TreeMap<>(known.get());
            }
            for (String name : order(state.keySet(), current.keySet(), info.defaultBranch())) {
                String before = state.getOrDefault(name, PushPayloads.ZERO);
                String after = current.getOrDefault(name, PushPayloads.ZERO);
                if (before.equals(after)) {
                    continue;
                }
                PushPayloads.Push push = push(repo, info, repoId, dir, createdAt, name, before, after, state);
                String guid = PushPayloads.pushGuid(ref, name, before, after);
                sink.deliver(new OutgoingDelivery("push", guid, PushPayloads.pushBody(push), ref.fullName()));
                delivered.incrementAndGet();
                sent++;
                if (after.equals(PushPayloads.ZERO)) {
                    state.remove(name);
                } else {
                    state.put(name, after);
                }
                store.save(ref, state);
                if (name.equals(Constants.R_HEADS + info.defaultBranch()) && !push.deleted()) {
                    tell(new DefaultHead(ref, push.repo(), info.defaultBranch(), before, after));
                }
                log.atInfo().addKeyValue("repo", ref.fullName()).addKeyValue("ref", name)
                        .addKeyValue("before", before.substring(0, 12)).addKeyValue("after", after.substring(0, 12))
                        .addKeyValue("commits", push.commits().size()).addKeyValue("delivery", guid)
                        .log("push delivered");
            }
            return sent;
        }
    }

    private void tell(DefaultHead head) {
        try {
            heads.defaultBranchMoved(head);
        } catch (RuntimeException e) {
            // A listener's failure must not stop the pushes, which are already delivered.
            log.atWarn().setCause(e).addKeyValue("repo", head.repo().fullName()).log("default-branch listener failed");
        }
    }

    /**
     * Whether the loose ref {@code name} was written at or after {@code since}. A packed ref is
     * history (packing rewrites every ref's file at once, so its time says nothing about a push).
     */
    private static boolean writtenSince(Path dir, String name, Instant since) {
        try {
            Path loose = dir.resolve(name);
            return Files.isRegularFile(loose, LinkOption.NOFOLLOW_LINKS)
                    && !Files.getLastModifiedTime(loose, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(since);
        } catch (IOException e) {
            return false;
        }
    }

    /** Default branch first, then the other branches, then tags, each sorted. */
    private static List<String> order(Set<String> a, Set<String> b, String defaultBranch) {
        TreeSet<String> all = new TreeSet<>(a);
        all.addAll(b);
        List<String> out = new ArrayList<>(all);
        String def = Constants.R_HEADS + defaultBranch;
        out.sort(Comparator.comparing((String s) -> !s.equals(def))
                .thenComparing(s -> !s.startsWith(Constants.R_HEADS)).thenComparing(s -> s));
        return out;
    }

    private static Map<String, String> currentRefs(Repository repo) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
            if (!r.isSymbolic() && r.getObjectId() != null) {
                out.put(r.getName(), r.getObjectId().name());
            }
        }
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_TAGS)) {
            if (!r.isSymbolic() && r.getObjectId() != null) {
                out.put(r.getName(), r.getObjectId().name());
            }
        }
        return out;
    }

    private PushPayloads.Push push(Repository repo, RepositoryInfo info, long repoId, Path dir, Instant createdAt,
                                   String refName, String before, String after, Map<String, String> others)
            throws IOException {
        boolean created = before.equals(PushPayloads.ZERO);
        boolean deleted = after.equals(PushPayloads.ZERO);
        List<PushPayloads.PushCommit> commits = new ArrayList<>();
        Optional<PushPayloads.PushCommit> head = Optional.empty();
        boolean forced = false;
        PushPayloads.Person pusher = new PushPayloads.Person("git", "git@localhost");
        Instant pushedAt = Instant.now();
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            RevCommit afterCommit = deleted ? null : peelCommit(rw, after);
            RevCommit beforeCommit = created ? null : peelCommitOrNull(rw, before);
            if (afterCommit != null) {
                rw.reset();
                rw.markStart(rw.parseCommit(afterCommit));
                if (beforeCommit != null) {
                    rw.markUninteresting(rw.parseCommit(beforeCommit));
                } else {
                    // A new ref: only commits no other (already delivered) ref had are "pushed".
                    for (Map.Entry<String, String> e : others.entrySet()) {
                        if (!e.getKey().equals(refName)) {
                            RevCommit c = peelCommitOrNull(rw, e.getValue());
                            if (c != null) {
                                rw.markUninteresting(rw.parseCommit(c));
                            }
                        }
                    }
                }
                List<RevCommit> newestFirst = new ArrayList<>();
                for (RevCommit c : rw) {
                    newestFirst.add(c);
                    if (newestFirst.size() >= PushPayloads.MAX_COMMITS) {
                        break;
                    }
                }
                for (int i = newestFirst.size() - 1; i >= 0; i--) {
                    commits.add(describe(reader, rw, newestFirst.get(i)));
                }
                RevCommit h = rw.parseCommit(afterCommit);
                head = Optional.of(commits.isEmpty() || !commits.get(commits.size() - 1).id().equals(h.name())
                        ? describe(reader, rw, h) : commits.get(commits.size() - 1));
                pusher = new PushPayloads.Person(h.getCommitterIdent().getName(),
                        h.getCommitterIdent().getEmailAddress());
                if (beforeCommit != null) {
                    rw.reset();
                    forced = !rw.isMergedInto(rw.parseCommit(beforeCommit), rw.parseCommit(afterCommit));
                }
            } else if (beforeCommit != null) {
                pusher = new PushPayloads.Person(beforeCommit.getCommitterIdent().getName(),
                        beforeCommit.getCommitterIdent().getEmailAddress());
            }
        }
        PushPayloads.RepoContext ctx = new PushPayloads.RepoContext(info, repoId, url(dir), createdAt, pushedAt);
        return new PushPayloads.Push(ctx, refName, before, after, created, deleted, forced, commits, head, pusher);
    }

    private static RevCommit peelCommit(RevWalk rw, String id) throws IOException {
        RevObject o = rw.peel(rw.parseAny(ObjectId.fromString(id)));
        if (o instanceof RevCommit c) {
            return c;
        }
        return null;
    }

    private static RevCommit peelCommitOrNull(RevWalk rw, String id) {
        try {
            return peelCommit(rw, id);
        } catch (IOException e) {
            return null; // gone (garbage-collected after a force push): treat as unknown
        }
    }

    private static PushPayloads.PushCommit describe(ObjectReader reader, RevWalk rw, RevCommit c) throws IOException {
        rw.parseBody(c);
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> modified = new ArrayList<>();
        try (TreeWalk tw = new TreeWalk(reader)) {
            tw.setRecursive(true);
            if (c.getParentCount() > 0) {
                RevCommit parent = rw.parseCommit(c.getParent(0));
                tw.addTree(parent.getTree());
            } else {
                tw.addTree(new EmptyTreeIterator());
            }
            tw.addTree(c.getTree());
            tw.setFilter(TreeFilter.ANY_DIFF);
            while (tw.next()) {
                int m0 = tw.getRawMode(0);
                int m1 = tw.getRawMode(1);
                if (m0 == 0) {
                    added.add(tw.getPathString());
                } else if (m1 == 0) {
                    removed.add(tw.getPathString());
                } else {
                    modified.add(tw.getPathString());
                }
            }
        }
        PersonIdent a = c.getAuthorIdent();
        PersonIdent k = c.getCommitterIdent();
        OffsetDateTime ts = OffsetDateTime.ofInstant(a.getWhenAsInstant(), a.getZoneId());
        return new PushPayloads.PushCommit(c.name(), c.getTree().name(), c.getFullMessage(), ts,
                new PushPayloads.Person(a.getName(), a.getEmailAddress()),
                new PushPayloads.Person(k.getName(), k.getEmailAddress()), added, removed, modified, true);
    }

    private static PushPayloads.Person pusher(Repository repo, String id) {
        try (RevWalk rw = new RevWalk(repo)) {
            RevCommit c = peelCommit(rw, id);
            if (c != null) {
                return new PushPayloads.Person(c.getCommitterIdent().getName(), c.getCommitterIdent().getEmailAddress());
            }
        } catch (IOException e) {
            // fall through
        }
        return new PushPayloads.Person("git", "git@localhost");
    }

    private static String url(Path dir) {
        return dir.toUri().toString().replaceAll("/$", "");
    }

    private static Instant createdAt(Path dir) {
        try {
            return Files.readAttributes(dir.resolve("objects"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .creationTime().toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }

    /** Stops the background scanning (a scan in progress finishes its current delivery). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** File-level summary of a repository's refs: equal fingerprints mean unchanged refs. */
    record Fingerprint(long headTime, long packedTime, long packedSize, long refsNewest, long refsCount,
                       long refsTotalSize) {
        static Fingerprint of(Path dir) throws IOException {
            long headTime = mtime(dir.resolve("HEAD"));
            Path packed = dir.resolve("packed-refs");
            long packedTime = 0;
            long packedSize = 0;
            if (Files.exists(packed)) {
                BasicFileAttributes a = Files.readAttributes(packed, BasicFileAttributes.class);
                packedTime = nanos(a);
                packedSize = a.size();
            }
            long[] acc = new long[3];
            try (Stream<Path> s = Files.walk(dir.resolve("refs"))) {
                s.forEach(p -> {
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        acc[0] = Math.max(acc[0], nanos(a));
                        acc[1]++;
                        acc[2] += a.isRegularFile() ? a.size() : 0;
                    } catch (IOException e) {
                        acc[1] += 1_000_000; // vanished mid-walk: the fingerprint will differ next time
                    }
                });
            }
            return new Fingerprint(headTime, packedTime, packedSize, acc[0], acc[1], acc[2]);
        }

        private static long mtime(Path p) throws IOException {
            return nanos(Files.readAttributes(p, BasicFileAttributes.class));
        }

        private static long nanos(BasicFileAttributes a) {
            Instant t = a.lastModifiedTime().toInstant();
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        }

        /** File times within the racy window may hide a change made in the same clock tick. */
        boolean trustworthy(Instant now) {
            long newest = Math.max(Math.max(headTime, packedTime), refsNewest);
            long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            return nowNanos - newest > RACY.toNanos();
        }
    }
}
