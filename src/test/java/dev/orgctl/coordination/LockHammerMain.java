package dev.orgctl.coordination;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.nats.NatsConnector;
import io.nats.client.Connection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A contender in its own JVM: {@code url bucket lock iterations threads logFile label}. Prints READY,
 * waits for a line on stdin, then takes the lock {@code iterations} times from each of
 * {@code threads} threads, recording every critical section in the shared log, and prints DONE.
 */
public final class LockHammerMain {
    private static final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
            new java.util.concurrent.atomic.AtomicReference<>();

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String bucket = args[1];
        String lock = args[2];
        int iterations = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        Path logFile = Path.of(args[5]);
        String label = args[6];
        try (Connection c = new NatsConnector(NatsSettings.plain(url)).connect("hammer", Duration.ofSeconds(5));
             LockService locks = TestBuckets.locks(c, bucket, label);
             CriticalSectionLog log = new CriticalSectionLog(logFile)) {
            System.out.println("READY");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String who = label + "-" + ProcessHandle.current().pid() + "-t" + t;
                Thread th = new Thread(() -> hammer(locks, lock, iterations, log, who), who);
                th.setUncaughtExceptionHandler((x, e) -> failure.set(e));
                ts.add(th);
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join();
            }
        }
        if (failure.get() != null) {
            failure.get().printStackTrace();
            System.exit(1);
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    static void hammer(LockService locks, String lock, int iterations, CriticalSectionLog log, String who) {
        try {
            for (int i = 0; i < iterations; i++) {
                Lease lease = locks.acquire(lock, who, Duration.ofSeconds(60))
                        .orElseThrow(() -> new IllegalStateException(who + " could not take the lock in 60 s"));
                log.enter(lease.token(), who);
                Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                log.exit(lease.token(), who);
                if (!lease.release()) {
                    throw new IllegalStateException(who + " lost the lock " + lease);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
