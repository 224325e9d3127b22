package dev.orgctl.gateway.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Error} on an I/O thread (out of memory, a stack overflow, a linkage error) leaves the
 * server in a state nobody can reason about: a loop that died silently keeps the port open and
 * answers nothing. The process ends instead, so that its supervisor restarts it.
 */
public final class FatalErrors {
    private static final Logger log = LoggerFactory.getLogger(FatalErrors.class);
    /** The exit status of a process ended by an Error (EX_SOFTWARE). */
    public static final int EXIT_STATUS = 70;

    private FatalErrors() {
    }

    /** Ends the process when {@code t} is (or is caused by) an Error; returns otherwise. */
    public static void haltOnError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Error e) {
                halt(e);
            }
            if (c.getCause() == c) {
                break;
            }
        }
    }

    private static void halt(Error e) {
        try {
            System.err.println("orgctl: fatal " + e.getClass().getName() + " on thread "
                    + Thread.currentThread().getName() + "; exiting so that a supervisor restarts the process");
            log.atError().setCause(e).log("fatal error on an I/O thread; the process exits");
        } catch (Throwable ignored) {
            // out of memory may fail the report too; exiting matters more
        }
        Runtime.getRuntime().halt(EXIT_STATUS);
    }

    /** A thread that ends the process when an Error escapes its work. */
    public static Thread thread(Runnable r, String name) {
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                haltOnError(e);
                throw e;
            }
        }, name);
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> haltOnError(e));
        return t;
    }
}
