package dev.orgctl.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;

/**
 * The body of the request a connection is receiving: its bytes as they arrive (never sized from a
 * declared length) and its share of the {@link BodyBudget}, which it holds until the request is
 * answered.
 */
final class RequestBody {
    /** What a reservation came to. */
    enum Reservation { TAKEN, LARGER_THAN_BUDGET, BUDGET_IN_USE }

    private final BodyBudget budget;
    private CompositeByteBuf bytes;
    private long size;
    private long reserved;

    RequestBody(BodyBudget budget) {
        this.budget = budget;
    }

    long size() {
        return size;
    }

    /** Bytes reserved so far, including {@code n} more when they were taken. */
    long reservedWith(long n) {
        return reserved + n;
    }

    long budgetCapacity() {
        return budget.capacity();
    }

    Reservation reserve(long n) {
        if (reserved + n > budget.capacity()) {
            return Reservation.LARGER_THAN_BUDGET;
        }
        if (!budget.tryReserve(n)) {
            return Reservation.BUDGET_IN_USE;
        }
        reserved += n;
        return Reservation.TAKEN;
    }

    /** Keeps {@code content} (retained; the caller releases its own reference). */
    void add(ByteBufAllocator alloc, ByteBuf content) {
        if (bytes == null) {
            bytes = alloc.compositeBuffer(64);
        }
        bytes.addComponent(true, content.retain());
        size += content.readableBytes();
    }

    /** The whole body as an array; the network buffers are released, the reservation stays. */
    byte[] take() {
        byte[] out = bytes == null ? new byte[0] : ByteBufUtil.getBytes(bytes);
        releaseBytes();
        return out;
    }

    /** Hands the reservation over to whoever answers the request: it gives it back with {@link BodyBudget#release}. */
    long handOverReservation() {
        long r = reserved;
        reserved = 0;
        return r;
    }

    /** Drops the bytes and gives the reservation back. */
    void release() {
        releaseBytes();
        budget.release(reserved);
        reserved = 0;
    }

    private void releaseBytes() {
        if (bytes != null) {
            bytes.release();
            bytes = null;
        }
        size = 0;
    }
}
