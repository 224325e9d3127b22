package dev.orgctl.gateway.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: read a head, ask the handler, read the body, hand the request over, write
 * the answer, and go round again (keep-alive) or close.
 *
 * <p>The loop thread reads; the answer is written by whichever thread completes the request
 * (usually jnats's, when JetStream acks), straight to the socket, because waking the loop to write
 * it would cost a thread hand-off per request. The connection's monitor orders the two. Anything
 * that needs the selector (a partial write, pipelined bytes to parse) goes back to the loop.
 */
final class HttpConnection {
    private static final Logger log = LoggerFactory.getLogger(HttpConnection.class);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** After an answer that closes, unread input is drained this long so the client sees the answer, not a reset. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

    private enum State { HEAD, BODY, HANDLING, WRITING, LINGER, CLOSED }

    private final HttpServer server;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final InetSocketAddress remote;
    /** Bytes read and not consumed yet, in {@code in[0, filled)}. */
    private byte[] in = new byte[8192];
    private int filled;
    private int scanned;
    private State state = State.HEAD;
    private RequestHead head;
    /** The head whose body is being read: the handler let it through and has not had it yet. */
    private RequestHead awaitingBody;
    private byte[] body;
    private int bodyFilled;
    private ChunkedDecoder chunked;
    private ByteBuffer out;
    private boolean closeAfterWrite;
    private boolean keepAliveAfterWrite;
    /** System.nanoTime() by which the current phase must end; 0 for none. */
    private long deadline;
    private boolean requestStarted;
    private boolean peerClosed;

    HttpConnection(HttpServer server, SocketChannel channel, SelectionKey key) {
        this.server = server;
        this.channel = channel;
        this.key = key;
        InetSocketAddress r = null;
        try {
            r = (InetSocketAddress) channel.getRemoteAddress();
        } catch (IOException e) {
            // gone already; the first read will say so
        }
        this.remote = r;
        this.deadline = System.nanoTime() + server.limits().idleTimeout().toNanos();
    }

    synchronized void onReadable() {
        if (state == State.LINGER) {
            drain();
            return;
        }
        if (state == State.HANDLING) {
            readAhead();
            return;
        }
        if (state != State.HEAD && state != State.BODY) {
            return;
        }
        if (filled == in.length && state == State.HEAD) {
            // Read ahead while the previous request was handled: whole heads may be waiting.
            advance();
            if (state != State.HEAD && state != State.BODY) {
                return;
            }
        }
        if (filled == in.length) {
            int cap = state == State.HEAD ? server.limits().maxHeadBytes() + 1 : in.length;
            if (in.length >= cap) {
                if (state == State.HEAD) {
                    fail(431, "request head larger than " + server.limits().maxHeadBytes() + " bytes");
                }
                return;
            }
            in = Arrays.copyOf(in, Math.min(cap, in.length * 2));
        }
        int n;
        try {
            n = channel.read(ByteBuffer.wrap(in, filled, in.length - filled));
        } catch (IOException e) {
            close();
            return;
        }
        if (n < 0) {
            if (requestStarted) {
                log.atDebug().addKeyValue("remote", host()).log("client closed the connection in the middle of a request");
            }
            close();
            return;
        }
        filled += n;
        if (!requestStarted && n > 0 && state == State.HEAD) {
            requestStarted = true;
            deadline = System.nanoTime() + server.limits().requestTimeout().toNanos();
        }
        advance();
    }

    /**
     * While a request is handled, the loop still watches the socket: to notice a client that went
     * away, and to keep what a pipelining client sends next (up to the buffer; then it waits).
     */
    private void readAhead() {
        if (filled == in.length) {
            setInterest(0);
            return;
        }
        try {
            int n = channel.read(ByteBuffer.wrap(in, filled, in.length - filled));
            if (n < 0) {
                peerClosed = true; // answer anyway (it may have only half-closed), then close
                setInterest(0);
                return;
            }
            filled += n;
        } catch (IOException e) {
            close();
        }
    }

    /** Parses what is buffered as far as it goes. */
    private void advance() {
        while (true) {
            if (state == State.HEAD) {
                if (filled == 0) {
                    return;
                }
                int end = HeadParser.headEnd(in, Math.max(1, scanned - 3), filled);
                if (end < 0) {
                    scanned = filled;
                    if (filled > server.limits().maxHeadBytes()) {
                        fail(431, "request head larger than " + server.limits().maxHeadBytes() + " bytes");
                    }
                    return;
                }
                if (end > server.limits().maxHeadBytes()) {
                    fail(431, "request head larger than " + server.limits().maxHeadBytes() + " bytes");
                    return;
                }
                if (!requestStarted) {
                    requestStarted = true;
                    deadline = System.nanoTime() + server.limits().requestTimeout().toNanos();
                }
                try {
                    head = HeadParser.parse(in, end, remote);
                } catch (HeadParser.BadHead e) {
                    consume(end);
                    fail(e.status, e.getMessage());
                    return;
                }
                consume(end);
                scanned = 0;
                Response early = server.handler().onHead(head);
                if (early != null) {
                    respond(head.hasBody() ? early.closing() : early);
                    return;
                }
                awaitingBody = head; // from here the handler hears of it again: onRequest or onAbort
                if (head.contentLength() > server.limits().maxBodyBytes()) {
                    respond(server.handler().onBodyTooLarge(head).closing());
                    return;
                }
                if (head.hasBody() && head.headers().hasToken("Expect", "100-continue")) {
                    if (!writeNow(ByteBuffer.wrap(CONTINUE))) {
                        close();
                        return;
                    }
                }
                if (head.chunked()) {
                    chunked = new ChunkedDecoder(server.limits().maxBodyBytes());
                    body = null;
                } else {
                    chunked = null;
                    body = new byte[(int) Math.max(0, head.contentLength())];
                    bodyFilled = 0;
                }
                state = State.BODY;
            }
            if (state == State.BODY) {
                if (chunked != null) {
                    ByteBuffer b = ByteBuffer.wrap(in, 0, filled);
                    ChunkedDecoder.Result r = chunked.feed(b);
                    consume(b.position());
                    switch (r) {
                        case NEED_MORE -> {
                            return;
                        }
                        case TOO_LARGE -> {
                            respond(server.handler().onBodyTooLarge(head).closing());
                            return;
                        }
                        case MALFORMED -> {
                            fail(400, "malformed chunked body");
                            return;
                        }
                        default -> body = chunked.body();
                    }
                } else {
                    int n = Math.min(filled, body.length - bodyFilled);
                    System.arraycopy(in, 0, body, bodyFilled, n);
                    bodyFilled += n;
                    consume(n);
                    if (bodyFilled < body.length) {
                        return;
                    }
                }
                dispatch();
                return;
            }
            return;
        }
    }

    private void dispatch() {
        awaitingBody = null;
        state = State.HANDLING;
        deadline = 0; // the handler bounds its own time
        RequestHead h = head;
        byte[] b = body;
        body = null;
        chunked = null;
        AtomicBoolean answered = new AtomicBoolean();
        Handler.Exchange exchange = response -> {
            if (answered.compareAndSet(false, true)) {
                answer(h, response);
            }
        };
        try {
            server.handler().onRequest(h, b, exchange);
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("HTTP handler failed");
            exchange.respond(Response.json(500, "{\"error\":\"internal error\"}\n").closing());
        }
    }

    private synchronized void answer(RequestHead h, Response r) {
        if (state != State.HANDLING) {
            return; // closed meanwhile
        }
        head = h;
        respond(r);
    }

    /** A refusal of a request the handler never saw: plain JSON, and the connection closes. */
    private void fail(int status, String message) {
        String m = message.replace("\\", "\\\\").replace("\"", "\\\"");
        respond(Response.json(status, "{\"error\":\"" + m + "\"}\n").closing());
    }

    private void respond(Response r) {
        abort();
        boolean headOnly = head != null && "HEAD".equals(head.method());
        boolean keepAlive = head != null && head.keepAlive() && !r.close() && !peerClosed && server.isRunning();
        boolean http10KeepAlive = keepAlive && "HTTP/1.0".equals(head.version());
        out = ByteBuffer.wrap(ResponseBytes.of(r, keepAlive, http10KeepAlive, headOnly));
        closeAfterWrite = !keepAlive;
        keepAliveAfterWrite = keepAlive;
        state = State.WRITING;
        deadline = System.nanoTime() + server.limits().requestTimeout().toNanos();
        onWritable();
    }

    synchronized void onWritable() {
        if (state != State.WRITING) {
            return;
        }
        try {
            channel.write(out);
        } catch (IOException e) {
            close();
            return;
        }
        if (out.hasRemaining()) {
            setInterest(SelectionKey.OP_WRITE); // the loop writes the rest as the client reads
            return;
        }
        out = null;
        head = null;
        if (closeAfterWrite) {
            linger();
            return;
        }
        // Ready for the next request, which may already be buffered (pipelining).
        state = State.HEAD;
        requestStarted = false;
        scanned = 0;
        deadline = System.nanoTime() + server.limits().idleTimeout().toNanos();
        setInterest(SelectionKey.OP_READ);
        if (filled > 0) {
            requestStarted = true;
            deadline = System.nanoTime() + server.limits().requestTimeout().toNanos();
            // Always through the loop's task queue: the handler's head checks run on the loop, and a
            // long pipeline of synchronously answered requests must not recurse.
            server.execute(this::resume);
        }
    }

    private synchronized void resume() {
        if (state == State.HEAD) {
            advance();
        }
    }

    /** Half-closes, then reads and drops what the client still sends, so our answer is not lost to a reset. */
    private void linger() {
        if (peerClosed) {
            close();
            return;
        }
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            close();
            return;
        }
        state = State.LINGER;
        filled = 0;
        deadline = System.nanoTime() + LINGER_NANOS;
        setInterest(SelectionKey.OP_READ);
    }

    private void drain() {
        ByteBuffer sink = ByteBuffer.wrap(in);
        try {
            for (int i = 0; i < 16; i++) {
                sink.clear();
                int n = channel.read(sink);
                if (n < 0) {
                    close();
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        } catch (IOException e) {
            close();
        }
    }

    private boolean writeNow(ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                if (channel.write(b) == 0) {
                    return false; // 25 bytes that do not fit a fresh socket: the client is not reading
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    synchronized void checkDeadline(long now) {
        if (deadline == 0 || now - deadline < 0 || state == State.CLOSED) {
            return;
        }
        if (state == State.HEAD && !requestStarted) {
            close(); // idle keep-alive connection
        } else if (state == State.HEAD || state == State.BODY) {
            log.atInfo().addKeyValue("remote", host()).log("HTTP request not received in time; answered 408");
            fail(408, "request not received within " + server.limits().requestTimeout().toSeconds() + " s");
        } else {
            close(); // an answer nobody reads, or the linger is over
        }
    }

    private void consume(int n) {
        if (n == 0) {
            return;
        }
        System.arraycopy(in, n, in, 0, filled - n);
        filled -= n;
    }

    private void setInterest(int ops) {
        if (key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
            if (!server.onLoop()) {
                server.wakeup(); // a blocked select() would not see the change until it wakes
            }
        }
    }

    private String host() {
        return remote == null || remote.getAddress() == null ? "-" : remote.getAddress().getHostAddress();
    }

    private void abort() {
        RequestHead h = awaitingBody;
        if (h != null) {
            awaitingBody = null;
            try {
                server.handler().onAbort(h);
            } catch (RuntimeException e) {
                log.atError().setCause(e).log("HTTP handler failed on an aborted request");
            }
        }
    }

    synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        abort();
        state = State.CLOSED;
        key.cancel();
        HttpServer.closeQuietly(channel);
        server.closed(this);
    }
}
