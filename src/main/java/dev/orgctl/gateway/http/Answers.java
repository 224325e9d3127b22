package dev.orgctl.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Date;

/** A {@link Response} as Netty's message: status line, fields, body; {@code Date} in IMF-fixdate. */
final class Answers {
    private Answers() {
    }

    /**
     * @param keepAlive         false adds {@code Connection: close}
     * @param announceKeepAlive add {@code Connection: keep-alive} (HTTP/1.0 clients close otherwise)
     * @param headOnly          the request was HEAD: the head only, with the body's length
     */
    static FullHttpResponse of(Response r, boolean keepAlive, boolean announceKeepAlive, boolean headOnly) {
        HttpResponseStatus status = new HttpResponseStatus(r.status(), Reasons.of(r.status()));
        FullHttpResponse m = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                headOnly || r.body().length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
        HttpHeaders h = m.headers();
        for (String line : r.headerLines()) {
            int colon = line.indexOf(':');
            h.add(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        h.set("Content-Length", r.body().length);
        h.set("Date", Dates.now());
        if (!keepAlive) {
            h.set("Connection", "close");
        } else if (announceKeepAlive) {
            h.set("Connection", "keep-alive");
        }
        return m;
    }

    /** The IMF-fixdate of this second ({@code Thu, 03 Dec 2026 18:20:53 GMT}), formatted once per second. */
    static final class Dates {
        private static volatile long second = -1;
        private static volatile String text = "";

        private Dates() {
        }

        static String now() {
            long millis = System.currentTimeMillis();
            long s = millis / 1000;
            if (s != second) {
                text = format(s * 1000);
                second = s;
            }
            return text;
        }

        @SuppressWarnings("JavaUtilDate") // Netty's DateFormatter takes a Date
        static String format(long epochMillis) {
            return DateFormatter.format(new Date(epochMillis));
        }
    }
}
