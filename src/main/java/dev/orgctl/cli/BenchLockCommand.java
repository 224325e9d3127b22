package dev.orgctl.cli;

import dev.orgctl.config.Durations;
import dev.orgctl.config.NatsSettings;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Run;
import dev.orgctl.coordination.RunResult;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.nats.topology.TopologyReconciler;
import dev.orgctl.proto.LockHolder;
import dev.orgctl.proto.Trigger;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.PurgeOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code orgctl bench lock}: what a lock costs beside the raw KV operations it is made of, and how
 * fast workflow transitions are, measured in one run on one server.
 */
@Command(name = "lock", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure locks and workflow transitions in one run on one server.",
            "Raw KV create+delete pairs beside lock acquire+release pairs, uncontended",
            "and with N contenders on one key (each its own connection), in alternating",
            "rounds; workflow transitions (trigger, start, complete) on one workflow and",
            "on N workflows at once. Starts a private nats-server (file store in a",
            "temporary directory) unless --against-configured, which uses NATS_URL with",
            "keys under bench/<random id> that it removes afterwards."})
public final class BenchLockCommand implements Callable<Integer> {
    /** Raw and lock cases alternate in this many rounds. */
    static final int ROUNDS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "5s",
            description = "measuring time per case (default 5s)",
            converter = DurationConverter.class)
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "2s",
            description = "warm-up time per case, not measured (default 2s)",
            converter = DurationConverter.class)
    Duration warmup;

    @Option(names = "--contenders", paramLabel = "N", defaultValue = "8",
            description = "contenders for the contended cases (default 8)")
    int contenders;

    @Option(names = "--against-configured",
            description = "measure the configured NATS (NATS_URL) instead of a private server")
    boolean againstConfigured;

    /** The figures of one case. */
    record Figures(String name, long ops, double opsPerSecond, long p50Nanos, long p99Nanos, long maxNanos) {
    }

    /** One measured operation; returns how many operations it did (a workflow cycle is 3 transitions). */
    @FunctionalInterface
    interface Op {
        int run() throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        Duration measure = duration;
        Duration warm = warmup;
        if (contenders < 2 || contenders > 64) {
            throw new ParameterException(spec.commandLine(), "--contenders must be between 2 and 64");
        }
        OrgctlConfig config = settings.resolve();
        PrintWriter out = spec.commandLine().getOut();
        Path store = null;
        EmbeddedNats server = null;
        NatsSettings settings;
        if (againstConfigured) {
            if (config.nats().embedded()) {
                throw new ParameterException(spec.commandLine(), "--against-configured needs NATS_URL (--nats-url)");
            }
            settings = config.nats();
        } else {
            store = Files.createTempDirectory("orgctl-bench-");
            server = EmbeddedNats.start(new EmbeddedNats.Spec(EmbeddedNats.locateBinary(config.nats().serverBin()),
                    store, "127.0.0.1", 0, -1, ""), Duration.ofSeconds(15), true);
            settings = NatsSettings.plain(server.url());
        }
        NatsConnector connector = new NatsConnector(settings);
        List<Connection> conns = new ArrayList<>();
        String prefix = "bench/" + UUID.randomUUID().toString().substring(0, 8);
        try {
            for (int i = 0; i < contenders + 1; i++) {
                conns.add(connector.connect("bench", Duration.ofSeconds(5)));
            }
            Connection main = conns.get(0);
            if (!againstConfigured) {
                new TopologyReconciler(main, connector.jetStreamOptions(), connector.keyValueOptions())
                        .apply(new Topology(Topology.Settings.defaults()), true);
            }
            String version = NatsConnector.serverVersion(main).orElse("?");
            out.printf("orgctl bench lock: nats-server %s at %s (%s), %s per case after %s warm-up, %d cores, Java %s%n",
                    version, String.join(",", settings.redactedUrls()), againstConfigured ? "configured" : "private, file store",
                    Durations.format(measure), Durations.format(warm), Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            out.flush();
            List<Figures> all = new ArrayList<>();
            String bucket = LeaseClass.STANDARD.bucket();
            byte[] value = LockHolder.newBuilder().setLeaseId(UUID.randomUUID().toString()).setName(prefix)
                    .setPurpose("bench").setHost("bench-host").setPid(1).setProcess("orgctl bench lock")
                    .setTtlMs(30_000).build().toByteArray();

            // Uncontended: one client, one key.
            KeyValue kv = main.keyValue(bucket, connector.keyValueOptions());
            String rawKey = KeyCodec.encode(prefix + "/raw");
            try (LockService locks = LockService.open(main, connector.keyValueOptions(), bucket,
                    LockService.Identity.current("orgctl bench lock"), null)) {
                String name = prefix + "/lock";
                all.addAll(runPair(out, "raw KV create+delete, 1 client", List.of(() -> {
                    long rev = kv.create(rawKey, value);
                    kv.delete(rawKey, rev);
                    return 1;
                }), "lock acquire+release, 1 client", List.of(() -> {
                    Lease l = locks.tryAcquire(name, "bench").orElseThrow();
                    l.release();
                    return 1;
                }), warm, measure, ROUNDS));
            }

            // Contended: N clients, one key.
            List<Op> rawOps = new ArrayList<>();
            String rawShared = KeyCodec.encode(prefix + "/raw-shared");
            for (int i = 0; i < contenders; i++) {
                KeyValue k = conns.get(i + 1).keyValue(bucket, connector.keyValueOptions());
                rawOps.add(() -> {
                    while (true) {
                        try {
                            long rev = k.create(rawShared, value);
                            k.delete(rawShared, rev);
                            return 1;
                        } catch (JetStreamApiException e) {
                            if (!JetStreamErrors.isConflict(e)) {
                                throw e;
                            }
                        }
                    }
                });
            }
            List<LockService> services = new ArrayList<>();
            try {
                List<Op> lockOps = new ArrayList<>();
                String shared = prefix + "/lock-shared";
                for (int i = 0; i < contenders; i++) {
                    LockService s = LockService.open(conns.get(i + 1), connector.keyValueOptions(), bucket,
                            LockService.Identity.current("orgctl bench lock"), null);
                    services.add(s);
                    lockOps.add(() -> {
                        Lease l = s.acquire(shared, "bench", Duration.ofMinutes(1)).orElseThrow();
                        l.release();
                        return 1;
                    });
                }
                all.addAll(runPair(out, "raw KV create+delete, " + contenders + " clients (spin)", rawOps,
                        "lock acquire+release, " + contenders + " clients (wait)", lockOps, warm, measure, ROUNDS));
            } finally {
                services.forEach(LockService::close);
            }

            // Workflow transitions: trigger -> start -> complete, 3 transitions per cycle.
            try (LockService locks = LockService.open(main, connector.keyValueOptions(), bucket,
                    LockService.Identity.current("orgctl bench lock"), null)) {
                List<Op> one = List.of(cycle(Workflows.open(main, connector.jetStreamOptions(),
                        connector.keyValueOptions(), "bench"), locks, prefix + "/wf/one"));
                all.add(run(out, "workflow transitions, 1 workflow", warm, measure, one));
                List<Op> many = new ArrayList<>();
                for (int i = 0; i < contenders; i++) {
                    many.add(cycle(Workflows.open(conns.get(i + 1), connector.jetStreamOptions(),
                            connector.keyValueOptions(), "bench"), locks, prefix + "/wf/w" + i));
                }
                all.add(run(out, "workflow transitions, " + contenders + " workflows", warm, measure, many));
            }
            out.println();
            ratio(out, "uncontended", all.get(0), all.get(1));
            ratio(out, contenders + " contenders", all.get(2), all.get(3));
            out.flush();
            if (againstConfigured) {
                cleanUp(main, connector, prefix);
            }
            return 0;
        } finally {
            for (Connection c : conns) {
                try {
                    c.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (server != null) {
                server.close();
            }
            if (store != null) {
                TempDirs.deleteTree(store);
            }
        }
    }

    private static Op cycle(Workflows wf, LockService locks, String id) throws InterruptedException {
        Lease lease = locks.acquire(id, "bench", Duration.ofSeconds(30)).orElseThrow();
        long[] n = {0};
        return () -> {
            wf.trigger(id, Trigger.newBuilder().setCausationId("bench-" + n[0]).build());
            Run run = wf.start(id, "run-" + (n[0]++), lease).orElseThrow();
            wf.complete(run, RunResult.of("bench"));
            return 3;
        };
    }

    /** Samples of a case, added up over rounds. */
    static final class Samples {
        final String name;
        long[] lat = new long[0];
        long ops;
        long nanos;

        Samples(String name) {
            this.name = name;
        }

        void add(long[] more, long moreOps, long moreNanos) {
            long[] m = Arrays.copyOf(lat, lat.length + more.length);
            System.arraycopy(more, 0, m, lat.length, more.length);
            lat = m;
            ops += moreOps;
            nanos += moreNanos;
        }

        Figures figures() {
            long[] sorted = lat.clone();
            Arrays.sort(sorted);
            return new Figures(name, ops, ops / (nanos / 1e9), pct(sorted, 0.50), pct(sorted, 0.99),
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        }
    }

    /**
     * Measures two cases in alternating rounds (A, B, A, B, ...), so that a change in the machine's
     * load (it is shared) hits both alike; prints and returns both.
     */
    static List<Figures> runPair(PrintWriter out, String nameA, List<Op> a, String nameB, List<Op> b, Duration warm,
                                 Duration measure, int rounds) throws InterruptedException {
        Samples sa = new Samples(nameA);
        Samples sb = new Samples(nameB);
        measureInto(sa, a, warm, Duration.ZERO);
        measureInto(sb, b, warm, Duration.ZERO);
        Duration slice = measure.dividedBy(rounds);
        for (int r = 0; r < rounds; r++) {
            measureInto(sa, a, Duration.ofMillis(100), slice);
            measureInto(sb, b, Duration.ofMillis(100), slice);
        }
        Figures fa = sa.figures();
        Figures fb = sb.figures();
        print(out, fa);
        print(out, fb);
        return List.of(fa, fb);
    }

    static Figures run(PrintWriter out, String name, Duration warm, Duration measure, List<Op> ops)
            throws InterruptedException {
        Samples s = new Samples(name);
        measureInto(s, ops, warm, measure);
        Figures f = s.figures();
        print(out, f);
        return f;
    }

    private static void print(PrintWriter out, Figures f) {
        out.printf("%-46s %8d ops %9.0f/s   p50 %7s   p99 %7s   max %7s%n", f.name(), f.ops(), f.opsPerSecond(),
                micros(f.p50Nanos()), micros(f.p99Nanos()), micros(f.maxNanos()));
        out.flush();
    }

    /** Runs the ops in parallel (one thread each) for warm-up plus measure; adds the measured part. */
    static void measureInto(Samples into, List<Op> ops, Duration warm, Duration measure)
            throws InterruptedException {
        String name = into.name;
        int threads = ops.size();
        long[][] lat = new long[threads][];
        int[] counts = new int[threads];
        long[] opsDone = new long[threads];
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int ti = t;
            lat[t] = new long[1 << 16];
            Thread th = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        int n = ops.get(ti).run();
                        long d = System.nanoTime() - t0;
                        if (measuring.get()) {
                            if (counts[ti] == lat[ti].length) {
                                lat[ti] = Arrays.copyOf(lat[ti], lat[ti].length * 2);
                            }
                            // A workflow cycle counts as n transitions of d/n each.
                            for (int i = 0; i < n; i++) {
                                if (counts[ti] == lat[ti].length) {
                                    lat[ti] = Arrays.copyOf(lat[ti], lat[ti].length * 2);
                                }
                                lat[ti][counts[ti]++] = d / n;
                            }
                            opsDone[ti] += n;
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    stop.set(true);
                } finally {
                    done.countDown();
                }
            }, "bench-" + t);
            th.setDaemon(true);
            th.start();
        }
        Thread.sleep(warm.toMillis());
        long elapsed = 0;
        if (!measure.isZero()) {
            measuring.set(true);
            long start = System.nanoTime();
            Thread.sleep(measure.toMillis());
            measuring.set(false);
            elapsed = System.nanoTime() - start;
        }
        stop.set(true);
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException(name + " failed: " + failure.get(), failure.get());
        }
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        long[] merged = new long[total];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(lat[t], 0, merged, at, counts[t]);
            at += counts[t];
        }
        into.add(merged, Arrays.stream(opsDone).sum(), measure.isZero() ? 0 : elapsed);
    }

    private static void ratio(PrintWriter out, String what, Figures raw, Figures lock) {
        out.printf("lock vs raw KV, %s: time per pair %.2fx (%.0f vs %.0f pairs/s), p99 %.2fx%n", what,
                raw.opsPerSecond() / lock.opsPerSecond(), lock.opsPerSecond(), raw.opsPerSecond(),
                (double) lock.p99Nanos() / Math.max(1, raw.p99Nanos()));
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String micros(long nanos) {
        if (nanos >= 10_000_000) {
            return (nanos / 1_000_000) + "ms";
        }
        return String.format("%.0fus", nanos / 1000.0);
    }

    /** Removes what the bench wrote into the configured server: no markers left behind. */
    private static void cleanUp(Connection c, NatsConnector connector, String prefix) {
        String keyPrefix = KeyCodec.encode(prefix);
        try {
            var jsm = c.jetStreamManagement(connector.jetStreamOptions());
            for (String bucket : List.of(LeaseClass.STANDARD.bucket(), Topology.WORKFLOWS_BUCKET)) {
                jsm.purgeStream("KV_" + bucket, PurgeOptions.subject("$KV." + bucket + "." + keyPrefix + ".>"));
            }
            jsm.purgeStream(Topology.HISTORY_STREAM, PurgeOptions.subject(Workflows.HISTORY_PREFIX + keyPrefix + ".>"));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot clean up the bench keys under " + prefix + ": " + e.getMessage(), e);
        }
    }
}
