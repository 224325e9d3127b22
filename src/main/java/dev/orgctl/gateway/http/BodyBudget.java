package dev.orgctl.gateway.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The body bytes all requests together may hold. A request reserves what it declares before its
 * body is read (a chunked one as its chunks arrive) and gives it back once it is answered, so no
 * number of clients can make the server hold more than this.
 */
final class BodyBudget {
    private final long capacity;
    private final AtomicLong reserved = new AtomicLong();

    BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    /** Takes {@code bytes} when they fit, else nothing. */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = reserved.get();
            if (now + bytes > capacity) {
                return false;
            }
            if (reserved.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        if (bytes > 0) {
            reserved.addAndGet(-bytes);
        }
    }

    long capacity() {
        return capacity;
    }

    long reserved() {
        return reserved.get();
    }
}
