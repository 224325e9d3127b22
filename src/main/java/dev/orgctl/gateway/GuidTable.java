package dev.orgctl.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Delivery GUIDs and their stream sequences, compactly: open addressing over parallel arrays of
 * longs, 32 bytes a slot, at most half full. A GUID is kept as the first 128 bits of its SHA-256,
 * so ids of any form take the same room and two different ids collide with probability 2^-128
 * (a collision would make a new delivery look like a repeat). Entries older than a horizon are
 * dropped by {@link #expire}.
 *
 * <p>Not thread-safe: {@link DeliveryIndex} guards it.
 */
final class GuidTable {
    private static final int MIN_CAPACITY = 1024;
    /** A free slot has seq 0; stream sequences start at 1. */
    private long[] hi;
    private long[] lo;
    private long[] seq;
    private long[] millis;
    private int size;
    private final MessageDigest sha;

    GuidTable() {
        allocate(MIN_CAPACITY);
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    int size() {
        return size;
    }

    /** Bytes held by the arrays. */
    long bytes() {
        return 32L * hi.length;
    }

    /**
     * Remembers {@code guid} at {@code streamSeq}, stored at {@code storedMillis}. The first
     * sequence of a GUID stays: a later copy (outside JetStream's window) is the duplicate.
     */
    void put(String guid, long streamSeq, long storedMillis) {
        if (streamSeq <= 0) {
            throw new IllegalArgumentException("stream sequence must be positive: " + streamSeq);
        }
        if (2 * (size + 1) > hi.length) {
            rehash(hi.length * 2, Long.MIN_VALUE);
        }
        byte[] d = digest(guid);
        insert(word(d, 0), word(d, 8), streamSeq, storedMillis);
    }

    /** The stream sequence of {@code guid} stored at or after {@code notBeforeMillis}, or 0. */
    long get(String guid, long notBeforeMillis) {
        byte[] d = digest(guid);
        long h = word(d, 0);
        long l = word(d, 8);
        int mask = hi.length - 1;
        for (int i = slot(h, mask); seq[i] != 0; i = (i + 1) & mask) {
            if (hi[i] == h && lo[i] == l) {
                return millis[i] >= notBeforeMillis ? seq[i] : 0;
            }
        }
        return 0;
    }

    /** Drops the entries stored before {@code cutoffMillis}; returns how many. */
    int expire(long cutoffMillis) {
        int before = size;
        int capacity = hi.length;
        while (capacity > MIN_CAPACITY && 8L * countNewer(cutoffMillis) < capacity) {
            capacity /= 2;
        }
        rehash(capacity, cutoffMillis);
        return before - size;
    }

    private int countNewer(long cutoffMillis) {
        int n = 0;
        for (int i = 0; i < seq.length; i++) {
            if (seq[i] != 0 && millis[i] >= cutoffMillis) {
                n++;
            }
        }
        return n;
    }

    private void insert(long h, long l, long s, long m) {
        int mask = hi.length - 1;
        int i = slot(h, mask);
        while (seq[i] != 0) {
            if (hi[i] == h && lo[i] == l) {
                return;
            }
            i = (i + 1) & mask;
        }
        hi[i] = h;
        lo[i] = l;
        seq[i] = s;
        millis[i] = m;
        size++;
    }

    private void rehash(int capacity, long cutoffMillis) {
        long[] oh = hi;
        long[] ol = lo;
        long[] os = seq;
        long[] om = millis;
        allocate(capacity);
        for (int i = 0; i < os.length; i++) {
            if (os[i] != 0 && om[i] >= cutoffMillis) {
                insert(oh[i], ol[i], os[i], om[i]);
            }
        }
    }

    private void allocate(int capacity) {
        hi = new long[capacity];
        lo = new long[capacity];
        seq = new long[capacity];
        millis = new long[capacity];
        size = 0;
    }

    private byte[] digest(String guid) {
        return sha.digest(guid.getBytes(StandardCharsets.UTF_8));
    }

    private static long word(byte[] d, int at) {
        return ByteBuffer.wrap(d, at, 8).getLong();
    }

    private static int slot(long h, int mask) {
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
