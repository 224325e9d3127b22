package dev.orgctl.gateway.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP/1.1 server on Netty: one acceptor thread and one event loop per core, Netty's
 * request decoder (strict line parsing, validated headers) under {@link ConnectionHandler}, which
 * adds the checks and limits of {@link HttpLimits} and talks to the {@link Handler}.
 *
 * <p>A request is read, checked and handed to the handler on its connection's loop; the handler
 * answers from whichever thread finishes (a JetStream ack) and the answer is written on the loop.
 * One request per connection is handled at a time; pipelined requests wait, and past a small
 * buffer the connection stops reading (backpressure through auto-read).
 */
// Netty futures (shutdown, the auto-read resume) and the tick task are not awaited: the tick cannot
// fail, and close() waits on the channel itself.
@SuppressWarnings("FutureReturnValueIgnored")
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    /** A loop that has not ticked for this long cannot serve: {@link #problem()} says so. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final EventLoopGroup acceptor;
    private final EventLoopGroup loops;
    private final Channel listener;
    private final InetSocketAddress address;
    private final ConnectionGate gate;
    private final AtomicLong[] ticks;
    private final BodyBudget budget;
    private volatile boolean running = true;

    private HttpServer(EventLoopGroup acceptor, EventLoopGroup loops, Channel listener, ConnectionGate gate,
                       AtomicLong[] ticks, BodyBudget budget) {
        this.budget = budget;
        this.acceptor = acceptor;
        this.loops = loops;
        this.listener = listener;
        this.address = (InetSocketAddress) listener.localAddress();
        this.gate = gate;
        this.ticks = ticks;
    }

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static HttpServer start(InetSocketAddress bind, int backlog, HttpLimits limits, Handler handler,
                                   String threadName) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, threads(threadName + "-accept"),
                NioIoHandler.newFactory());
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(threads, threads(threadName),
                NioIoHandler.newFactory());
        ConnectionGate gate = new ConnectionGate(limits.maxConnections(), limits.maxConnectionsPerAddress());
        BodyBudget budget = new BodyBudget(limits.bodyBudgetBytes());
        HttpServer[] self = new HttpServer[1];
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, loops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptErrors())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("gate", gate);
                        ConnectionHandler.install(ch.pipeline(), limits, budget, handler,
                                () -> self[0] != null && self[0].running);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
                        // Netty logs and closes; an Error here (a class that cannot load) would
                        // refuse every later connection while the port stays open.
                        FatalErrors.haltOnError(cause);
                        super.exceptionCaught(ctx, cause);
                    }
                });
        ClassPreload.gatewayPackages();
        Channel listener;
        try {
            listener = b.bind(bind).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
            acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UncheckedIOException("cannot listen on " + bind.getHostString() + ":" + bind.getPort() + ": "
                    + why, e instanceof java.io.IOException io ? io : new java.io.IOException(why, e));
        }
        AtomicLong[] ticks = new AtomicLong[threads + 1];
        int i = 0;
        for (EventLoopGroup g : new EventLoopGroup[] {acceptor, loops}) {
            for (var executor : g) {
                AtomicLong tick = new AtomicLong(System.nanoTime());
                ticks[i++] = tick;
                executor.scheduleAtFixedRate(() -> tick.set(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
            }
        }
        self[0] = new HttpServer(acceptor, loops, listener, gate, ticks, budget);
        return self[0];
    }

    /** Loop threads that end the process on an Error instead of dying quietly. */
    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> FatalErrors.thread(r, name + "-" + n.incrementAndGet());
    }

    /** The bound address (the real port when 0 was asked). */
    public InetSocketAddress address() {
        return address;
    }

    /** Open connections (for tests and diagnostics). */
    public int openConnections() {
        return gate.open();
    }

    /** Body bytes reserved by requests being received or handled. */
    public long bodyBytesReserved() {
        return budget.reserved();
    }

    /** The body budget: the most {@link #bodyBytesReserved()} can be. */
    public long bodyBudget() {
        return budget.capacity();
    }

    /** Empty while the server can serve; else why not (a stopped or stalled loop, a closed port). */
    public Optional<String> problem() {
        if (!running) {
            return Optional.of("HTTP server stopped");
        }
        if (!listener.isOpen() || acceptor.isShuttingDown() || loops.isShuttingDown()) {
            return Optional.of("HTTP server is not listening");
        }
        long now = System.nanoTime();
        for (AtomicLong t : ticks) {
            if (now - t.get() > STALL_NANOS) {
                return Optional.of("HTTP event loop stalled for "
                        + TimeUnit.NANOSECONDS.toSeconds(now - t.get()) + " s");
            }
        }
        return Optional.empty();
    }

    /** Stops accepting, closes every connection (answers not yet written are lost) and ends the loops. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        listener.close().syncUninterruptibly();
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Failures to accept (no descriptors left, above all). Netty's acceptor already pauses
     * accepting for a second after one; this keeps the log to a line per ten seconds.
     */
    private static final class AcceptErrors extends ChannelInboundHandlerAdapter {
        private final RateLimitedLog warning = new RateLimitedLog(10, TimeUnit.SECONDS);

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            FatalErrors.haltOnError(cause);
            // Not passed on: this pause replaces the acceptor's own (which would log at the tail).
            var config = ctx.channel().config();
            if (config.isAutoRead()) {
                config.setAutoRead(false);
                ctx.channel().eventLoop().schedule(() -> config.setAutoRead(true), 1, TimeUnit.SECONDS);
            }
            warning.log(left -> log.atWarn().addKeyValue("error", String.valueOf(cause.getMessage()))
                    .addKeyValue("left_out", left).log("HTTP accept failed; accepting pauses for a second"));
        }
    }
}
