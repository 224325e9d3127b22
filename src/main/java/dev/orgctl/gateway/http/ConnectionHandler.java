package dev.orgctl.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, on its event loop: take a decoded head, check it, ask the {@link Handler},
 * reserve the body's bytes from the {@link BodyBudget}, collect the body as it arrives, hand the
 * request over, write the answer, and go round again (keep-alive) or close.
 *
 * <p>Every field is touched on the connection's loop only; an answer from another thread (a
 * JetStream ack) is carried over to the loop.
 */
// Netty futures of closes and writes are not awaited: a connection that cannot be answered or
// closed has no one left to tell, and pipeline errors reach exceptionCaught.
@SuppressWarnings("FutureReturnValueIgnored")
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    /** After an answer that closes, unread input is drained this long so the client sees the answer, not a reset. */
    private static final long LINGER_MILLIS = 2000;
    /** Pipelined input kept while a request is handled; beyond it the connection stops reading. */
    private static final int PENDING_LIMIT = 64 * 1024;
    private static final RateLimitedLog TIMEOUTS = new RateLimitedLog(10, TimeUnit.SECONDS);
    private static final RateLimitedLog FAILURES = new RateLimitedLog(10, TimeUnit.SECONDS);

    private enum State { IDLE, RECEIVING, HANDLING, LINGER, CLOSED }

    private final HttpLimits limits;
    private final BodyBudget budget;
    private final Handler handler;
    private final BooleanSupplier running;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    /** The request being received or handled. */
    private RequestHead head;
    /** The head whose body is being read: the handler let it through and has not had it yet. */
    private RequestHead awaitingBody;
    /** Content of a request answered on its head alone, dropped up to its end. */
    private boolean discardUntilLast;
    private final RequestBody body;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private int pendingBytes;
    private boolean inputClosed;
    private ScheduledFuture<?> timer;

    private ConnectionHandler(HttpLimits limits, BodyBudget budget, Handler handler, BooleanSupplier running) {
        this.limits = limits;
        this.budget = budget;
        this.body = new RequestBody(budget);
        this.handler = handler;
        this.running = running;
    }

    static void install(ChannelPipeline p, HttpLimits limits, BodyBudget budget, Handler handler,
                        BooleanSupplier running) {
        ConnectionHandler h = new ConnectionHandler(limits, budget, handler, running);
        p.addLast("clock", h.new Clock());
        p.addLast("decoder", new StrictRequestDecoder(limits.maxHeadBytes()));
        p.addLast("encoder", new HttpResponseEncoder());
        p.addLast("http", h);
    }

    /** Sees the raw bytes before the decoder: the first byte of a request starts its clock. */
    private final class Clock extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (state == State.IDLE) {
                startRequest();
            }
            c.fireChannelRead(msg);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
        schedule(limits.idleTimeout().toMillis(), this::timedOut);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSED || state == State.LINGER) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (state == State.HANDLING || !pending.isEmpty()) {
            pending.add(msg);
            pendingBytes += msg instanceof HttpContent c ? c.content().readableBytes() + 16 : 256;
            updateAutoRead();
            return;
        }
        process(msg);
    }

    private void process(Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                onHead(req);
            }
            if (msg instanceof HttpContent c && state == State.RECEIVING) {
                onContent(c);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest req) {
        if (state != State.RECEIVING) {
            startRequest();
        }
        if (req.decoderResult().isFailure()) {
            RequestChecks.Bad bad = RequestChecks.decoderFailure(req, limits.maxHeadBytes());
            fail(bad.status(), bad.message());
            return;
        }
        RequestChecks.Bad bad = RequestChecks.check(req, limits.maxHeadBytes());
        if (bad != null) {
            fail(bad.status(), bad.message());
            return;
        }
        head = RequestChecks.head(req, remote());
        Response early;
        try {
            early = handler.onHead(head);
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("HTTP handler failed on a head");
            early = Response.json(500, "{\"error\":\"internal error\"}\n");
        }
        if (early != null) {
            discardUntilLast = !head.hasBody();
            respond(head.hasBody() ? early.closing() : early);
            return;
        }
        awaitingBody = head; // from here the handler hears of it again: onRequest or onAbort
        if (head.contentLength() > limits.maxBodyBytes()) {
            respond(handler.onBodyTooLarge(head).closing());
            return;
        }
        if (head.contentLength() > 0 && !reserve(head.contentLength())) {
            return;
        }
        if (head.hasBody() && "HTTP/1.1".equals(head.version()) && head.headers().hasToken("Expect", "100-continue")) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }

    /** Takes body bytes from the budget, or refuses the request: 413 above the whole budget, else 503. */
    private boolean reserve(long bytes) {
        switch (body.reserve(bytes)) {
            case TAKEN -> {
                return true;
            }
            case LARGER_THAN_BUDGET -> fail(413, "body of " + body.reservedWith(bytes)
                    + " bytes exceeds the server's memory budget of " + body.budgetCapacity() + " bytes");
            default -> respond(Response.json(503, "{\"error\":\"too many request bodies in flight; retry later\"}\n")
                    .with("Retry-After", "10").closing());
        }
        return false;
    }

    private void onContent(HttpContent c) {
        if (discardUntilLast) {
            discardUntilLast = !(c instanceof LastHttpContent);
            if (!discardUntilLast) {
                finishedWithoutBody();
            }
            return;
        }
        if (awaitingBody == null) {
            return;
        }
        if (c.decoderResult().isFailure()) {
            fail(400, "malformed chunked body");
            return;
        }
        ByteBuf content = c.content();
        int n = content.readableBytes();
        if (n > 0) {
            if (head.chunked()) {
                if (body.size() + n > limits.maxBodyBytes()) {
                    respond(handler.onBodyTooLarge(head).closing());
                    return;
                }
                if (!reserve(n)) {
                    return;
                }
            }
            body.add(ctx.alloc(), content);
        }
        if (c instanceof LastHttpContent last) {
            RequestChecks.Bad bad = RequestChecks.checkTrailers(last.trailingHeaders());
            if (bad != null) {
                fail(bad.status(), bad.message());
                return;
            }
            dispatch();
        }
    }

    /** A request answered on its head, whose (empty) end has now been read. */
    private void finishedWithoutBody() {
        if (state == State.RECEIVING && head == null) {
            state = State.IDLE;
            schedule(limits.idleTimeout().toMillis(), this::timedOut);
        }
    }

    private void dispatch() {
        byte[] bytes = body.take();
        RequestHead h = head;
        awaitingBody = null;
        state = State.HANDLING;
        cancelTimer();
        long held = body.handOverReservation();
        AtomicBoolean answered = new AtomicBoolean();
        var loop = ctx.executor();
        Handler.Exchange exchange = (response, written) -> {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            budget.release(held);
            if (loop.inEventLoop()) {
                answer(response, written);
                return;
            }
            try {
                loop.execute(() -> answer(response, written));
            } catch (RejectedExecutionException stopped) {
                written.run();
            }
        };
        try {
            handler.onRequest(h, bytes, exchange);
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("HTTP handler failed");
            exchange.respond(Response.json(500, "{\"error\":\"internal error\"}\n").closing());
        }
    }

    private void answer(Response r, Runnable written) {
        if (state != State.HANDLING) {
            written.run();
            return;
        }
        respond(r).addListener((ChannelFutureListener) f -> written.run());
    }

    /** A refusal of a request the handler never saw (or could not finish): plain JSON, and the connection closes. */
    private void fail(int status, String message) {
        String m = message.replace("\\", "\\\\").replace("\"", "\\\"");
        respond(Response.json(status, "{\"error\":\"" + m + "\"}\n").closing());
    }

    private ChannelFuture respond(Response r) {
        abort();
        body.release();
        RequestHead h = head;
        head = null;
        boolean headOnly = h != null && "HEAD".equals(h.method());
        boolean keepAlive = h != null && h.keepAlive() && !r.close() && !inputClosed && running.getAsBoolean()
                && ctx.channel().isActive();
        boolean announce = keepAlive && "HTTP/1.0".equals(h.version());
        var written = ctx.writeAndFlush(Answers.of(r, keepAlive, announce, headOnly));
        cancelTimer();
        if (!keepAlive) {
            state = State.LINGER;
            dropPending();
            written.addListener((ChannelFutureListener) f -> linger());
            return written;
        }
        if (discardUntilLast) {
            state = State.RECEIVING; // the empty end of this request is still to come
            return written;
        }
        state = State.IDLE;
        if (pending.isEmpty()) {
            schedule(limits.idleTimeout().toMillis(), this::timedOut);
        } else {
            startRequest();
            // Through the loop's queue: a long pipeline of synchronously answered requests must not recurse.
            ctx.executor().execute(this::drainPending);
        }
        updateAutoRead();
        return written;
    }

    private void drainPending() {
        while (!pending.isEmpty() && (state == State.RECEIVING || state == State.IDLE)) {
            Object msg = pending.poll();
            pendingBytes -= msg instanceof HttpContent c ? c.content().readableBytes() + 16 : 256;
            process(msg);
        }
        if (pending.isEmpty()) {
            pendingBytes = 0;
        }
        updateAutoRead();
    }

    /** Half-closes, then reads and drops what the client still sends, so our answer is not lost to a reset. */
    private void linger() {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (inputClosed || !(ctx.channel() instanceof DuplexChannel duplex)) {
            ctx.close();
            return;
        }
        if (ctx.pipeline().get("decoder") != null) {
            ctx.pipeline().remove("decoder"); // what is still sent arrives raw and is dropped
        }
        duplex.shutdownOutput();
        ctx.channel().config().setAutoRead(true);
        schedule(LINGER_MILLIS, ctx::close);
    }

    private void startRequest() {
        state = State.RECEIVING;
        schedule(limits.requestTimeout().toMillis(), this::timedOut);
    }

    private void timedOut() {
        timer = null;
        switch (state) {
            case RECEIVING -> {
                TIMEOUTS.log(left -> log.atInfo().addKeyValue("remote", remoteHost()).addKeyValue("left_out", left)
                        .log("HTTP request not received in time; answered 408"));
                fail(408, "request not received within " + limits.requestTimeout().toSeconds() + " s");
            }
            case IDLE -> ctx.close();
            default -> {
                // handled, or already closing
            }
        }
    }

    private void schedule(long millis, Runnable task) {
        cancelTimer();
        timer = ctx.executor().schedule(task, millis, TimeUnit.MILLISECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void updateAutoRead() {
        if (state == State.CLOSED) {
            return;
        }
        boolean want = state == State.LINGER || (ctx.channel().isWritable() && pendingBytes <= PENDING_LIMIT);
        if (ctx.channel().config().isAutoRead() != want) {
            ctx.channel().config().setAutoRead(want);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputClosed = true;
            if (state != State.HANDLING) {
                ctx.close(); // nothing to answer; a request cut short is aborted as the channel closes
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        cancelTimer();
        abort();
        body.release();
        dropPending();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FatalErrors.haltOnError(cause);
        if (!(cause instanceof IOException)) {
            FAILURES.log(left -> log.atWarn().addKeyValue("remote", remoteHost()).addKeyValue("left_out", left)
                    .addKeyValue("error", String.valueOf(cause)).log("HTTP connection failed"));
        }
        ctx.close();
    }

    private void abort() {
        RequestHead h = awaitingBody;
        if (h != null) {
            awaitingBody = null;
            try {
                handler.onAbort(h);
            } catch (RuntimeException e) {
                log.atError().setCause(e).log("HTTP handler failed on an aborted request");
            }
        }
    }

    private void dropPending() {
        Object m;
        while ((m = pending.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        pendingBytes = 0;
    }

    private InetSocketAddress remote() {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
    }

    private String remoteHost() {
        InetSocketAddress a = remote();
        return a == null || a.getAddress() == null ? "-" : a.getAddress().getHostAddress();
    }
}
