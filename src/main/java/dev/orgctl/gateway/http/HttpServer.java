package dev.orgctl.gateway.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server on one event-loop thread: keep-alive, pipelining, chunked bodies,
 * {@code Expect: 100-continue}, limits and timeouts from {@link HttpLimits}.
 *
 * <p>Why not the JDK's {@code com.sun.net.httpserver}: it hands every request from its selector
 * to a worker thread and back, and a webhook's own work (verify, parse, two JetStream writes) is
 * cheaper than those hand-offs. Here a request is read, parsed and handed to the {@link Handler}
 * on the loop; the handler answers from whichever thread finishes (a JetStream ack), and the loop
 * writes the answer. One request per connection is handled at a time; pipelined requests wait in
 * the connection's buffer.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final ServerSocketChannel listener;
    private final Selector selector;
    private final HttpLimits limits;
    private final Handler handler;
    private final Thread loop;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<HttpConnection> connections = new HashSet<>();
    private final InetSocketAddress address;
    private volatile boolean running = true;
    private volatile int open;
    private long nextSweep;

    private HttpServer(ServerSocketChannel listener, Selector selector, HttpLimits limits, Handler handler,
                       String threadName) throws IOException {
        this.listener = listener;
        this.selector = selector;
        this.limits = limits;
        this.handler = handler;
        this.address = (InetSocketAddress) listener.getLocalAddress();
        this.loop = new Thread(this::run, threadName);
        this.loop.setDaemon(true);
    }

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static HttpServer start(InetSocketAddress bind, int backlog, HttpLimits limits, Handler handler,
                                   String threadName) {
        ServerSocketChannel ch = null;
        Selector sel = null;
        try {
            ch = ServerSocketChannel.open();
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(bind, backlog);
            ch.configureBlocking(false);
            sel = Selector.open();
            ch.register(sel, SelectionKey.OP_ACCEPT);
            HttpServer s = new HttpServer(ch, sel, limits, handler, threadName);
            s.loop.start();
            return s;
        } catch (IOException e) {
            closeQuietly(ch);
            closeQuietly(sel);
            throw new UncheckedIOException("cannot listen on " + bind.getHostString() + ":" + bind.getPort() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The bound address (the real port when 0 was asked). */
    public InetSocketAddress address() {
        return address;
    }

    HttpLimits limits() {
        return limits;
    }

    Handler handler() {
        return handler;
    }

    boolean onLoop() {
        return Thread.currentThread() == loop;
    }

    void wakeup() {
        selector.wakeup();
    }

    /** Runs {@code task} on the loop thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private void run() {
        nextSweep = System.nanoTime() + SWEEP_NANOS;
        while (running) {
            try {
                selector.select(this::ready, 250);
            } catch (IOException | RuntimeException e) {
                log.atError().setCause(e).log("HTTP event loop failed to select");
            }
            Runnable t;
            while ((t = tasks.poll()) != null) {
                try {
                    t.run();
                } catch (RuntimeException e) {
                    log.atError().setCause(e).log("HTTP event loop task failed");
                }
            }
            long now = System.nanoTime();
            if (now - nextSweep >= 0) {
                nextSweep = now + SWEEP_NANOS;
                for (HttpConnection c : new ArrayList<>(connections)) {
                    c.checkDeadline(now);
                }
            }
        }
        for (HttpConnection c : new ArrayList<>(connections)) {
            c.close();
        }
        closeQuietly(listener);
        closeQuietly(selector);
    }

    private void ready(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.attachment() == null) {
            accept();
            return;
        }
        HttpConnection c = (HttpConnection) key.attachment();
        try {
            if (key.isWritable()) {
                c.onWritable();
            }
            if (key.isValid() && key.isReadable()) {
                c.onReadable();
            }
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("HTTP connection failed");
            c.close();
        }
    }

    private void accept() {
        for (int i = 0; i < 64; i++) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                log.atWarn().addKeyValue("error", e.getMessage()).log("HTTP accept failed");
                return;
            }
            if (ch == null) {
                return;
            }
            if (connections.size() >= limits.maxConnections()) {
                log.atWarn().addKeyValue("max_connections", limits.maxConnections())
                        .log("HTTP connection refused: too many open connections");
                closeQuietly(ch);
                continue;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
                HttpConnection c = new HttpConnection(this, ch, key);
                key.attach(c);
                connections.add(c);
                open = connections.size();
            } catch (IOException e) {
                closeQuietly(ch);
            }
        }
    }

    void closed(HttpConnection c) {
        connections.remove(c);
        open = connections.size();
    }

    boolean isRunning() {
        return running;
    }

    /** Open connections (for tests and diagnostics). */
    public int openConnections() {
        return open;
    }

    /** Stops accepting, closes every connection (answers not yet written are lost) and ends the loop. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        selector.wakeup();
        if (!onLoop()) {
            try {
                loop.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing: nothing left to do
        }
    }
}
