package dev.orgctl.bench;

import dev.orgctl.config.HostPort;
import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.webhook.Signatures;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code orgctl bench gateway}: signed deliveries through the in-process gateway over loopback
 * HTTP, beside the same payloads published straight to {@code GITHUB_EVENTS} with jnats (the
 * limit the gateway cannot beat: it makes that same publish, behind HTTP, verification and its index).
 *
 * <p>Closed loop: {@code concurrency} workers each send the next request as soon as the previous
 * one is answered; reports deliveries/s and latency percentiles. Fixed rate: requests are
 * scheduled at {@code rate} per second and each latency is measured from its scheduled time, so a
 * stall shows up in the percentiles instead of silently lowering the offered rate.
 */
public final class GatewayBenchmark {
    /** What to run. {@code rate} 0 skips the fixed-rate phase. */
    public record Options(int concurrency, int smallRequests, int largeRequests, int rate, Duration rateDuration,
                          Duration warmup, int rounds) {
    }

    /**
     * One phase's figures. CPU is per delivery, in microseconds: this JVM (gateway, load generator,
     * jnats) and the nats-server process (-1 when it is not a local process the benchmark knows).
     */
    public record Result(String payload, String mode, String load, long ok, long errors, double seconds,
                         double perSecond, double p50Ms, double p99Ms, double maxMs, double jvmCpuMicros,
                         double natsCpuMicros) {
    }

    static final int SMALL = 1024;
    static final int LARGE = 25 * 1024;
    static final String ORG = "bench-org";
    static final String REPO = "bench-repo";
    static final String EVENT = "push";

    private final Options options;
    private final NatsConnector connector;
    private final boolean purgeBetweenPhases;
    private final Optional<ProcessHandle> natsProcess;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicLong ids = new AtomicLong();

    /**
     * @param purgeBetweenPhases purge the stream between phases to bound disk use;
     *                           only for a server the benchmark started itself
     */
    public GatewayBenchmark(Options options, NatsConnector connector, boolean purgeBetweenPhases,
                            Optional<ProcessHandle> natsProcess) {
        this.options = options;
        this.connector = connector;
        this.purgeBetweenPhases = purgeBetweenPhases;
        this.natsProcess = natsProcess;
    }

    public List<Result> run(PrintWriter out) throws Exception {
        byte[] secretBytes = new byte[32];
        new SecureRandom().nextBytes(secretBytes);
        Secret secret = Secret.of(HexFormat.of().formatHex(secretBytes));
        GatewaySettings settings = GatewaySettings.defaults(new HostPort("127.0.0.1", 0),
                new WebhookSecrets(List.of(secret))).withWorkerThreads(Math.max(32, options.concurrency()));
        List<Result> results = new ArrayList<>();
        try (Gateway gateway = Gateway.start(settings, connector, Gateway.newRegistry());
             Connection raw = connector.connect("bench-raw", Duration.ofSeconds(5))) {
            JetStream js = raw.jetStream(connector.jetStreamOptions());
            out.printf("machine: %s%n", machine(raw));
            out.printf("gateway: %s, Netty, " + Runtime.getRuntime().availableProcessors()
                    + " HTTP event loops, %d worker threads; load: %d workers, loopback, keep-alive%n%n",
                    gateway.url(), settings.workerThreads(), options.concurrency());
            printHeader(out);
            InetSocketAddress address = gateway.address();
            for (int size : new int[] {SMALL, LARGE}) {
                byte[] body = payload(size);
                String signature = Signatures.sign(secret, body);
                int requests = size == SMALL ? options.smallRequests() : options.largeRequests();
                if (requests <= 0) {
                    continue;
                }
                String label = size / 1024 + " KiB";
                // Warm-up: JIT, connections, server caches; not reported.
                closedLoop(options.concurrency(), Integer.MAX_VALUE, options.warmup(), rawOp(js, body), label, "warmup", "");
                closedLoop(options.concurrency(), Integer.MAX_VALUE, options.warmup(),
                        httpOp(address, body, signature), label, "warmup", "");
                purge(raw);
                List<Result> raws = new ArrayList<>();
                List<Result> gws = new ArrayList<>();
                List<Result> httpOnly = new ArrayList<>();
                // The same request naming a repository but no owner: HTTP, body, signature and JSON check in
                // full, then 400 before any NATS call. It shows what the HTTP side costs on its own.
                byte[] ownerless = payload(size, false);
                String ownerlessSignature = Signatures.sign(secret, ownerless);
                // Rounds alternate the modes, so a neighbour's load hits them alike; the summary pairs
                // each gateway round with the raw round before it.
                for (int round = 0; round < options.rounds(); round++) {
                    Result r = measured(() -> closedLoop(options.concurrency(), requests, Duration.ofMinutes(5),
                            rawOp(js, body), label, "raw jnats publish", "closed loop, " + options.concurrency() + " at once"));
                    print(out, r);
                    purge(raw);
                    Result g = measured(() -> closedLoop(options.concurrency(), requests, Duration.ofMinutes(5),
                            httpOp(address, body, signature), label, "gateway", "closed loop, "
                                    + options.concurrency() + " at once"));
                    print(out, g);
                    purge(raw);
                    Result h = measured(() -> closedLoop(options.concurrency(), requests, Duration.ofMinutes(5),
                            httpOp(address, ownerless, ownerlessSignature, 400), label, "gateway, no NATS",
                            "closed loop, verified then 400"));
                    print(out, h);
                    raws.add(r);
                    gws.add(g);
                    httpOnly.add(h);
                }
                results.addAll(raws);
                results.addAll(gws);
                results.addAll(httpOnly);
                summarize(out, label, raws, gws);
                out.printf(Locale.ROOT, "  %s, HTTP side alone (verified, refused before NATS): %.0f/s, cpu %.0f us; "
                                + "that is %.2f of raw%n", label, median(httpOnly, Result::perSecond),
                        median(httpOnly, Result::jvmCpuMicros),
                        median(httpOnly, Result::perSecond) / median(raws, Result::perSecond));
            }
            if (options.rate() > 0) {
                byte[] body = payload(SMALL);
                String signature = Signatures.sign(secret, body);
                String load = "fixed rate " + options.rate() + "/s for " + options.rateDuration().toSeconds() + "s";
                Result r = measured(() -> fixedRate(options.concurrency(), options.rate(), options.rateDuration(),
                        rawOp(js, body), "1 KiB", "raw jnats publish", load));
                print(out, r);
                results.add(r);
                purge(raw);
                Result g = measured(() -> fixedRate(options.concurrency(), options.rate(), options.rateDuration(),
                        httpOp(address, body, signature), "1 KiB", "gateway", load));
                print(out, g);
                results.add(g);
                purge(raw);
            }
        }
        return results;
    }

    @FunctionalInterface
    interface Phase {
        Result run() throws InterruptedException;
    }

    /** Runs a phase and adds the CPU both processes spent on it, per delivery. */
    private Result measured(Phase phase) throws InterruptedException {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long jvm0 = os.getProcessCpuTime();
        long nats0 = natsCpuNanos();
        Result r = phase.run();
        long jvm = os.getProcessCpuTime() - jvm0;
        long nats = natsCpuNanos() - nats0;
        double n = Math.max(1, r.ok() + r.errors());
        return new Result(r.payload(), r.mode(), r.load(), r.ok(), r.errors(), r.seconds(), r.perSecond(), r.p50Ms(),
                r.p99Ms(), r.maxMs(), jvm / 1000.0 / n, nats0 < 0 ? -1 : nats / 1000.0 / n);
    }

    private long natsCpuNanos() {
        return natsProcess.flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(-1L);
    }

    /** One worker's operation: true when the delivery was stored (202, or a non-duplicate ack). */
    @FunctionalInterface
    interface Op {
        boolean call() throws Exception;
    }

    @FunctionalInterface
    interface OpFactory {
        Op newWorker();
    }

    private OpFactory rawOp(JetStream js, byte[] body) {
        String subject = SubjectCodec.subject(ORG, Optional.of(REPO), EVENT);
        return () -> () -> {
            String id = nextId();
            Headers h = new Headers();
            h.put("X-GitHub-Event", EVENT);
            h.put("X-GitHub-Delivery", id);
            h.put("X-GitHub-Hook-ID", "1");
            PublishAck ack = js.publish(NatsMessage.builder().subject(subject).headers(h).data(body).build(),
                    PublishOptions.builder().messageId(id).expectedStream(Topology.EVENTS_STREAM).build());
            return !ack.isDuplicate();
        };
    }

    private OpFactory httpOp(InetSocketAddress address, byte[] body, String signature) {
        return httpOp(address, body, signature, 202);
    }

    private OpFactory httpOp(InetSocketAddress address, byte[] body, String signature, int expected) {
        byte[] prefix = ("POST /webhooks/github HTTP/1.1\r\nHost: " + address.getHostString() + ":" + address.getPort()
                + "\r\nUser-Agent: orgctl-bench\r\nContent-Type: application/json\r\nX-GitHub-Event: " + EVENT
                + "\r\nX-GitHub-Hook-ID: 1\r\nX-Hub-Signature-256: " + signature + "\r\nContent-Length: " + body.length
                + "\r\nX-GitHub-Delivery: ").getBytes(StandardCharsets.US_ASCII);
        byte[] suffix = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        return () -> {
            RawHttpClient client = new RawHttpClient(address);
            return () -> {
                byte[] id = nextId().getBytes(StandardCharsets.US_ASCII);
                byte[] head = Arrays.copyOf(prefix, prefix.length + id.length + suffix.length);
                System.arraycopy(id, 0, head, prefix.length, id.length);
                System.arraycopy(suffix, 0, head, prefix.length + id.length, suffix.length);
                return client.send(head, body) == expected;
            };
        };
    }

    private String nextId() {
        return "bench-" + runId + "-" + ids.incrementAndGet();
    }

    /** Workers send back to back until {@code total} requests or {@code maxTime}. */
    static Result closedLoop(int workers, int total, Duration maxTime, OpFactory factory, String payload, String mode,
                             String load) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        long[][] latencies = new long[workers][];
        long[] errors = new long[workers];
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[workers];
        long[] startEnd = new long[2];
        long maxNanos = maxTime.toNanos();
        for (int w = 0; w < workers; w++) {
            int me = w;
            threads[w] = new Thread(() -> {
                Op op = factory.newWorker();
                long[] lat = new long[Math.min(total, 1 << 16)];
                int n = 0;
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long began = startEnd[0];
                while (next.getAndIncrement() < total && System.nanoTime() - began < maxNanos) {
                    long t0 = System.nanoTime();
                    boolean ok;
                    try {
                        ok = op.call();
                    } catch (Exception e) {
                        ok = false;
                    }
                    long t1 = System.nanoTime();
                    if (ok) {
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, lat.length * 2);
                        }
                        lat[n++] = t1 - t0;
                    } else {
                        errors[me]++;
                    }
                }
                latencies[me] = Arrays.copyOf(lat, n);
                if (op instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        // ignore
                    }
                }
            }, "bench-" + w);
            threads[w].start();
        }
        ready.await();
        startEnd[0] = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        startEnd[1] = System.nanoTime();
        return summarize(payload, mode, load, latencies, errors, startEnd[1] - startEnd[0]);
    }

    /**
     * Requests scheduled every {@code 1/rate} seconds; latency counts from the scheduled time.
     * {@code workers} senders take the slots in turn, so one slow answer delays later slots
     * (and their latency shows it) only when all workers are busy.
     */
    static Result fixedRate(int workers, int rate, Duration duration, OpFactory factory, String payload, String mode,
                            String load) throws InterruptedException {
        long total = Math.max(1, rate * duration.toSeconds());
        long interval = 1_000_000_000L / rate;
        AtomicLong next = new AtomicLong();
        long[][] latencies = new long[workers][];
        long[] errors = new long[workers];
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        long[] start = new long[1];
        Thread[] threads = new Thread[workers];
        for (int w = 0; w < workers; w++) {
            int me = w;
            threads[w] = new Thread(() -> {
                Op op = factory.newWorker();
                long[] lat = new long[(int) Math.min(total, 1 << 16)];
                int n = 0;
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long k;
                while ((k = next.getAndIncrement()) < total) {
                    long due = start[0] + k * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    boolean ok;
                    try {
                        ok = op.call();
                    } catch (Exception e) {
                        ok = false;
                    }
                    long end = System.nanoTime();
                    if (ok) {
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, lat.length * 2);
                        }
                        lat[n++] = end - due;
                    } else {
                        errors[me]++;
                    }
                }
                latencies[me] = Arrays.copyOf(lat, n);
            }, "bench-rate-" + w);
            threads[w].start();
        }
        ready.await();
        start[0] = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return summarize(payload, mode, load, latencies, errors, System.nanoTime() - start[0]);
    }

    private static Result summarize(String payload, String mode, String load, long[][] latencies, long[] errors,
                                    long elapsedNanos) {
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        long errs = Arrays.stream(errors).sum();
        double seconds = elapsedNanos / 1e9;
        return new Result(payload, mode, load, all.length, errs, seconds, all.length / seconds,
                percentile(all, 0.50), percentile(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6, 0, 0);
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    /** A push-like payload of exactly {@code size} bytes. */
    static byte[] payload(int size) {
        return payload(size, true);
    }

    /** A push-like payload of exactly {@code size} bytes; a repository without an owner is refused (400). */
    static byte[] payload(int size, boolean withOwner) {
        String head = withOwner
                ? "{\"ref\":\"refs/heads/main\",\"repository\":{\"name\":\"" + REPO + "\",\"full_name\":\"" + ORG
                + "/" + REPO + "\",\"owner\":{\"login\":\"" + ORG + "\"}},\"organization\":{\"login\":\"" + ORG
                + "\"},\"sender\":{\"login\":\"octocat\"},\"padding\":\""
                : "{\"ref\":\"refs/heads/main\",\"repository\":{\"name\":\"" + REPO + "\",\"full_name\":\"" + ORG
                + "/" + REPO + "\",\"owner\":{\"id\":1}},\"organization\":{\"id\":2},\"sender\":{\"id\":3},"
                + "\"padding\":\"";
        String tail = "\"}";
        int pad = size - head.length() - tail.length();
        if (pad < 0) {
            throw new IllegalArgumentException("payload size too small: " + size);
        }
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.UTF_8);
    }

    private void purge(Connection c) {
        if (!purgeBetweenPhases) {
            return;
        }
        try {
            var jsm = c.jetStreamManagement(connector.jetStreamOptions());
            jsm.purgeStream(Topology.EVENTS_STREAM);
        } catch (IOException | JetStreamApiException e) {
            // disk use only
        }
    }

    /** Medians over the rounds, and the paired ratios. */
    static void summarize(PrintWriter out, String label, List<Result> raws, List<Result> gws) {
        double[] ratios = new double[raws.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = gws.get(i).perSecond() / raws.get(i).perSecond();
        }
        Arrays.sort(ratios);
        out.printf(Locale.ROOT, "  %s, median of %d rounds: raw %.0f/s (p50 %.2f ms, p99 %.2f ms, cpu %.0f+%.0f us); "
                        + "gateway %.0f/s (p50 %.2f ms, p99 %.2f ms, cpu %.0f+%.0f us); ratio %.2f (rounds %.2f to %.2f)%n",
                label, raws.size(),
                median(raws, Result::perSecond), median(raws, Result::p50Ms), median(raws, Result::p99Ms),
                median(raws, Result::jvmCpuMicros), median(raws, Result::natsCpuMicros),
                median(gws, Result::perSecond), median(gws, Result::p50Ms), median(gws, Result::p99Ms),
                median(gws, Result::jvmCpuMicros), median(gws, Result::natsCpuMicros),
                medianOf(ratios), ratios[0],
                ratios[ratios.length - 1]);
        out.flush();
    }

    static double median(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        return medianOf(rs.stream().mapToDouble(f).sorted().toArray());
    }

    /** The median of sorted values. */
    static double medianOf(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void printHeader(PrintWriter out) {
        out.printf("%-7s %-18s %-34s %8s %6s %8s %10s %8s %8s %8s %12s %12s%n", "payload", "mode", "load", "ok",
                "errors", "seconds", "per second", "p50 ms", "p99 ms", "max ms", "jvm cpu us", "nats cpu us");
    }

    private static void print(PrintWriter out, Result r) {
        out.printf(Locale.ROOT, "%-7s %-18s %-34s %8d %6d %8.2f %10.0f %8.2f %8.2f %8.2f %12.0f %12s%n", r.payload(),
                r.mode(), r.load(), r.ok(), r.errors(), r.seconds(), r.perSecond(), r.p50Ms(), r.p99Ms(), r.maxMs(),
                r.jvmCpuMicros(), r.natsCpuMicros() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", r.natsCpuMicros()));
        out.flush();
    }

    /** Cores, CPU, OS, JVM and nats-server version, for the record. */
    static String machine(Connection c) {
        String cpu = "unknown cpu";
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version") + ", nats-server "
                + NatsConnector.serverVersion(c).orElse("?");
    }
}
