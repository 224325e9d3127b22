package dev.orgctl.gateway.http;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks of RFC 9110/9112 that a request head must pass beyond what Netty's decoder enforces,
 * and the head as the {@link Handler} sees it. Each failure is a status and a one-line reason.
 */
final class RequestChecks {
    static final int MAX_FIELDS = 100;

    /** Why a head cannot be served. */
    record Bad(int status, String message) {
    }

    private RequestChecks() {
    }

    /** A failure of Netty's decoder, as a status and reason. */
    static Bad decoderFailure(HttpRequest req, int maxHeadBytes) {
        Throwable cause = req.decoderResult().cause();
        if (req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // Netty refuses codings it cannot decode; our own check says which status that is (501).
            Bad own = check(req, maxHeadBytes);
            if (own != null) {
                return own;
            }
        }
        if (cause instanceof TooLongFrameException) {
            return new Bad(431, "request head larger than " + maxHeadBytes + " bytes");
        }
        String m = cause.getMessage() == null ? "" : cause.getMessage();
        if (m.contains(StrictRequestDecoder.BOTH_LENGTHS)) {
            return new Bad(400, StrictRequestDecoder.BOTH_LENGTHS);
        }
        if (m.toLowerCase(java.util.Locale.ROOT).contains("content-length")) {
            return new Bad(400, "invalid Content-Length");
        }
        if (m.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding")) {
            return new Bad(400, "invalid Transfer-Encoding");
        }
        if (m.contains("initial line") || m.contains("Invalid separator") && !m.contains("header")) {
            return new Bad(400, "malformed request line");
        }
        return new Bad(400, "malformed request head: " + printable(m));
    }

    /** The head's own checks, in order; null when it may be served. */
    static Bad check(HttpRequest req, int maxHeadBytes) {
        HttpVersion v = req.protocolVersion();
        if (!isToken(req.method().name()) || req.uri().isEmpty()) {
            return new Bad(400, "malformed request line");
        }
        if (!v.equals(HttpVersion.HTTP_1_1) && !v.equals(HttpVersion.HTTP_1_0)) {
            return new Bad(505, "HTTP version not supported: use HTTP/1.1");
        }
        io.netty.handler.codec.http.HttpHeaders headers = req.headers();
        if (headers.size() > MAX_FIELDS) {
            return new Bad(431, "too many header fields");
        }
        long size = req.method().name().length() + req.uri().length() + v.text().length() + 4L + 2;
        for (Map.Entry<String, String> e : headers) {
            size += e.getKey().length() + e.getValue().length() + 4L;
            if (!validValue(e.getValue())) {
                return new Bad(400, "invalid character in the value of header field " + printable(e.getKey()));
            }
        }
        if (size > maxHeadBytes) {
            return new Bad(431, "request head larger than " + maxHeadBytes + " bytes");
        }
        if (v.equals(HttpVersion.HTTP_1_1) && headers.getAll(HttpHeaderNames.HOST).size() != 1) {
            return new Bad(400, "an HTTP/1.1 request needs exactly one Host header");
        }
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty()) {
            if (v.equals(HttpVersion.HTTP_1_0)) {
                return new Bad(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return new Bad(400, StrictRequestDecoder.BOTH_LENGTHS);
            }
            String te = String.join(",", codings).trim();
            if (!te.equalsIgnoreCase("chunked")) {
                return new Bad(501, "transfer coding not supported: " + (isToken(te) && te.length() <= 40 ? te : "?")
                        + "; send Content-Length or chunked");
            }
        }
        for (String length : headers.getAll(HttpHeaderNames.CONTENT_LENGTH)) {
            for (String one : length.split(",", -1)) {
                if (!digits(one.trim())) {
                    return new Bad(400, "invalid Content-Length");
                }
            }
        }
        return null;
    }

    /** Trailer fields: valid values, and none of the fields that frame or route a message. */
    static Bad checkTrailers(io.netty.handler.codec.http.HttpHeaders trailers) {
        for (Map.Entry<String, String> e : trailers) {
            String name = e.getKey();
            if (!isToken(name) || !validValue(e.getValue())) {
                return new Bad(400, "malformed trailer field");
            }
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                    || name.equalsIgnoreCase("Host") || name.equalsIgnoreCase("Trailer")
                    || name.equalsIgnoreCase("Content-Type") || name.toLowerCase(java.util.Locale.ROOT)
                    .startsWith("x-hub-signature")) {
                return new Bad(400, "trailer field " + name + " is not allowed");
            }
        }
        return null;
    }

    static RequestHead head(HttpRequest req, InetSocketAddress remote) {
        List<String> names = new ArrayList<>(req.headers().size());
        List<String> values = new ArrayList<>(req.headers().size());
        for (Map.Entry<String, String> e : req.headers()) {
            names.add(e.getKey());
            values.add(e.getValue().strip());
        }
        HttpHeaders headers = new HttpHeaders(names, values);
        boolean chunked = !headers.all("Transfer-Encoding").isEmpty();
        long contentLength = -1;
        String cl = headers.first("Content-Length");
        if (cl != null && !chunked) {
            contentLength = Long.parseLong(cl.split(",")[0].trim());
        }
        String target = req.uri();
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        if (path.startsWith("http://") || path.startsWith("https://")) {
            int slash = path.indexOf('/', path.indexOf("//") + 2);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        return new RequestHead(req.method().name(), target, path, req.protocolVersion().text(), headers,
                contentLength, chunked, remote);
    }

    /** RFC 9110 field-value: visible characters, spaces and tabs; no CR, LF, NUL or other controls. */
    static boolean validValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static boolean digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Up to 80 printable ASCII characters of a client's text, safe to log and echo. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
        }
        return b.toString();
    }
}
