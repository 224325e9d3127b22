package dev.orgctl.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder, configured strictly: lines end in CRLF, header names and values are
 * validated, and a request with both {@code Content-Length} and {@code Transfer-Encoding} is
 * refused (Netty would drop the length and go on, which is what request smuggling relies on).
 *
 * <p>Two things Netty tolerates are refused before its parser sees them: a request line that is not
 * exactly method, one space, target, one space, version; and obsolete line folding (a header line
 * starting with a space or tab), which Netty would join to the previous value. A refused head
 * becomes a request whose decoder result is the failure, and the rest of the input is dropped.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    static final String BOTH_LENGTHS = "both Content-Length and Transfer-Encoding";
    /** Body bytes are handed on in pieces of at most this, so nothing is sized from a declared length. */
    private static final int MAX_CHUNK = 64 * 1024;

    StrictRequestDecoder(int maxHeadBytes) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxHeadBytes)
                .setMaxHeaderSize(maxHeadBytes)
                .setMaxChunkSize(MAX_CHUNK)
                .setInitialBufferSize(Math.min(maxHeadBytes, 1024))
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                // Off: the codings are checked by RequestChecks, which answers 501 for an unknown one.
                .setUseRfc9112TransferEncoding(false)
                .setAllowDuplicateContentLengths(true)
                .setChunkedSupported(true)
                .setAllowPartialChunks(true));
    }

    /** Between a request's end and its head's end: what the pre-check must look at. */
    private boolean inHead = true;
    /** Part of the current head was consumed already: the next byte starts a header line. */
    private boolean midHead;
    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (inHead) {
            String bad = preCheck(in);
            if (bad != null) {
                failed = true;
                in.skipBytes(in.readableBytes());
                HttpRequest refused = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
                refused.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(bad)));
                out.add(refused);
                return;
            }
        }
        int before = in.readableBytes();
        int emitted = out.size();
        super.decode(ctx, in, out);
        for (int i = emitted; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest) {
                inHead = false;
                midHead = false;
            }
            if (o instanceof LastHttpContent) {
                inHead = true;
            }
        }
        if (inHead && out.size() == emitted && in.readableBytes() < before) {
            midHead = true;
        }
    }

    /** The request line's shape and obsolete folding, as far as the head is buffered; null when fine. */
    private String preCheck(ByteBuf in) {
        int from = in.readerIndex();
        int end = in.writerIndex();
        int i = from;
        if (!midHead) {
            while (i < end && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
                i++; // RFC 9112 2.2: empty lines before the request line are ignored
            }
            int lf = in.indexOf(i, end, (byte) '\n');
            if (lf < 0) {
                return null;
            }
            int lineEnd = lf > i && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            if (!requestLine(in, i, lineEnd)) {
                return "malformed request line";
            }
            i = lf + 1;
        } else if (i < end && (in.getByte(i) == ' ' || in.getByte(i) == '\t')) {
            return "obsolete line folding in header fields";
        }
        // Header lines up to the empty line: none may start with whitespace.
        while (i < end) {
            byte b = in.getByte(i);
            if (b == '\n' || (b == '\r' && i + 1 < end && in.getByte(i + 1) == '\n')) {
                return null; // the empty line: the head ends here
            }
            if (b == ' ' || b == '\t') {
                return "obsolete line folding in header fields";
            }
            int lf = in.indexOf(i, end, (byte) '\n');
            if (lf < 0) {
                return null;
            }
            i = lf + 1;
        }
        return null;
    }

    /** {@code method SP target SP HTTP-version}, with single spaces and visible characters only. */
    private static boolean requestLine(ByteBuf in, int from, int to) {
        int spaces = 0;
        boolean lastSpace = true;
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if (b == ' ') {
                if (lastSpace) {
                    return false;
                }
                spaces++;
                lastSpace = true;
            } else if (b <= 0x20 || b == 0x7f) {
                return false;
            } else {
                lastSpace = false;
            }
        }
        return spaces == 2 && !lastSpace;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException(BOTH_LENGTHS);
    }
}
