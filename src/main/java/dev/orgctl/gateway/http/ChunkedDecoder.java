package dev.orgctl.gateway.http;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Decodes a {@code Transfer-Encoding: chunked} body as its bytes arrive, in pieces of any size.
 * Chunk extensions and trailer fields are read and dropped.
 */
final class ChunkedDecoder {
    enum Result { NEED_MORE, DONE, TOO_LARGE, MALFORMED }

    private enum State { SIZE, DATA, DATA_END, TRAILER }

    private static final int MAX_LINE = 4096;

    private final long maxBody;
    private State state = State.SIZE;
    private final StringBuilder line = new StringBuilder();
    private long chunkLeft;
    private byte[] body = new byte[1024];
    private int length;
    private boolean sawCr;

    ChunkedDecoder(long maxBody) {
        this.maxBody = maxBody;
    }

    /** Consumes what it can of {@code in} (read mode). */
    Result feed(ByteBuffer in) {
        while (in.hasRemaining()) {
            switch (state) {
                case SIZE, TRAILER -> {
                    Boolean complete = readLine(in);
                    if (complete == null) {
                        return Result.MALFORMED;
                    }
                    if (!complete) {
                        return Result.NEED_MORE;
                    }
                    String l = line.toString();
                    line.setLength(0);
                    if (state == State.TRAILER) {
                        if (l.isEmpty()) {
                            return Result.DONE;
                        }
                        continue; // a trailer field: dropped
                    }
                    int semi = l.indexOf(';');
                    String hex = (semi < 0 ? l : l.substring(0, semi)).trim();
                    if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                        return Result.MALFORMED;
                    }
                    long size;
                    try {
                        size = Long.parseLong(hex, 16);
                    } catch (NumberFormatException e) {
                        return Result.MALFORMED;
                    }
                    if (size < 0) {
                        return Result.MALFORMED;
                    }
                    if (size == 0) {
                        state = State.TRAILER;
                    } else if (length + size > maxBody) {
                        return Result.TOO_LARGE;
                    } else {
                        chunkLeft = size;
                        ensure((int) (length + size));
                        state = State.DATA;
                    }
                }
                case DATA -> {
                    int n = (int) Math.min(chunkLeft, in.remaining());
                    in.get(body, length, n);
                    length += n;
                    chunkLeft -= n;
                    if (chunkLeft == 0) {
                        state = State.DATA_END;
                    }
                }
                case DATA_END -> {
                    Boolean complete = readLine(in);
                    if (complete == null) {
                        return Result.MALFORMED;
                    }
                    if (!complete) {
                        return Result.NEED_MORE;
                    }
                    if (line.length() != 0) {
                        return Result.MALFORMED;
                    }
                    state = State.SIZE;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        return Result.NEED_MORE;
    }

    byte[] body() {
        return Arrays.copyOf(body, length);
    }

    /** True at the end of a line (CRLF, or a bare LF), false when more bytes are needed, null when too long. */
    private Boolean readLine(ByteBuffer in) {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                sawCr = false;
                return true;
            }
            if (sawCr) {
                line.append('\r');
            }
            sawCr = b == '\r';
            if (!sawCr) {
                line.append((char) (b & 0xFF));
            }
            if (line.length() > MAX_LINE) {
                return null;
            }
        }
        return false;
    }

    private void ensure(int capacity) {
        if (capacity > body.length) {
            body = Arrays.copyOf(body, Math.max(capacity, (int) Math.min(maxBody, (long) body.length * 2)));
        }
    }
}
