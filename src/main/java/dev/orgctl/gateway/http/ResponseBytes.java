package dev.orgctl.gateway.http;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/** A {@link Response} as the bytes sent on the wire: status line, fields, blank line, body. */
final class ResponseBytes {
    private ResponseBytes() {
    }

    /**
     * @param keepAlive         false adds {@code Connection: close}
     * @param announceKeepAlive add {@code Connection: keep-alive} (HTTP/1.0 clients close otherwise)
     * @param headOnly          the request was HEAD: the head only, with the body's length
     */
    static byte[] of(Response r, boolean keepAlive, boolean announceKeepAlive, boolean headOnly) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("HTTP/1.1 ").append(r.status()).append(' ').append(Reasons.of(r.status())).append("\r\n");
        for (String line : r.headerLines()) {
            sb.append(line).append("\r\n");
        }
        sb.append("Content-Length: ").append(r.body().length).append("\r\n");
        sb.append("Date: ").append(Dates.now()).append("\r\n");
        if (!keepAlive) {
            sb.append("Connection: close\r\n");
        } else if (announceKeepAlive) {
            sb.append("Connection: keep-alive\r\n"); // HTTP/1.0 closes unless told otherwise
        }
        sb.append("\r\n");
        byte[] h = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (headOnly || r.body().length == 0) {
            return h;
        }
        byte[] all = Arrays.copyOf(h, h.length + r.body().length);
        System.arraycopy(r.body(), 0, all, h.length, r.body().length);
        return all;
    }

    /** The IMF-fixdate of this second, formatted once per second. */
    static final class Dates {
        private static volatile long second = -1;
        private static volatile String text = "";

        private Dates() {
        }

        static String now() {
            long s = System.currentTimeMillis() / 1000;
            if (s != second) {
                text = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
                second = s;
            }
            return text;
        }
    }
}
