package dev.orgctl.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts a foreground command runs (the gateway; the controller when it lands), started in
 * order and stopped in reverse, each stop logged and isolated from the others' failures.
 */
public final class Services implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Services.class);

    private record Named(String name, AutoCloseable service) {
    }

    private final Deque<Named> started = new ArrayDeque<>();

    /** Records a started service; returns it for chaining. */
    public <T extends AutoCloseable> T add(String name, T service) {
        started.push(new Named(name, service));
        return service;
    }

    boolean isEmpty() {
        return started.isEmpty();
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            Named n = started.pop();
            try {
                n.service().close();
                log.atDebug().addKeyValue("service", n.name()).log("service stopped");
            } catch (Exception e) {
                log.atWarn().addKeyValue("service", n.name()).addKeyValue("error", String.valueOf(e.getMessage()))
                        .log("service did not stop cleanly");
            }
        }
    }
}
