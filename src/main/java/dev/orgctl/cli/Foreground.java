package dev.orgctl.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a long-lived command in the foreground until Ctrl-C (SIGINT) or SIGTERM. The shutdown hook
 * only signals the command and then waits, up to a bound, for it to finish its graceful stop, so
 * the JVM does not halt half-way through closing. Close this last (declare it first in a
 * try-with-resources): closing it tells the hook that everything is stopped.
 */
final class Foreground implements AutoCloseable {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;

    private Foreground(Duration maxStopTime) {
        this.hook = new Thread(() -> {
            stop.countDown();
            try {
                done.await(maxStopTime.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "orgctl-shutdown");
    }

    /** Installs the shutdown hook. */
    static Foreground install(Duration maxStopTime) {
        Foreground f = new Foreground(maxStopTime);
        Runtime.getRuntime().addShutdownHook(f.hook);
        return f;
    }

    /** Blocks until the process is asked to stop. */
    void awaitStop() throws InterruptedException {
        stop.await();
    }

    @Override
    public void close() {
        done.countDown();
        if (stop.getCount() > 0) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running and has just been released
            }
        }
    }
}
