package dev.orgctl.gateway.http;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Parses a request line and its header fields (RFC 9112), strictly enough to refuse smuggling. */
final class HeadParser {
    static final int MAX_FIELDS = 100;

    /** A head that cannot be served: its status (400, 431, 501, 505) and why. */
    static final class BadHead extends Exception {
        final int status;

        BadHead(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private HeadParser() {
    }

    /**
     * Finds the end of the head in {@code buf[0, limit)}: the index just past the empty line, or -1.
     * A bare LF is accepted as a line end, as RFC 9112 allows.
     */
    static int headEnd(byte[] buf, int from, int limit) {
        for (int i = Math.max(1, from); i < limit; i++) {
            if (buf[i] == '\n') {
                if (buf[i - 1] == '\n') {
                    return i + 1;
                }
                if (buf[i - 1] == '\r' && i >= 2 && buf[i - 2] == '\n') {
                    return i + 1;
                }
            }
        }
        return -1;
    }

    static RequestHead parse(byte[] buf, int length, InetSocketAddress remote) throws BadHead {
        String text = new String(buf, 0, length, StandardCharsets.ISO_8859_1);
        String[] lines = lines(text);
        int first = 0;
        while (first < lines.length && lines[first].isEmpty()) {
            first++; // RFC 9112: ignore at least one empty line before the request line
        }
        if (first >= lines.length) {
            throw new BadHead(400, "empty request");
        }
        String[] parts = requestLine(lines[first]);
        if (parts == null || parts[0].isEmpty() || parts[1].isEmpty() || !isToken(parts[0])) {
            throw new BadHead(400, "malformed request line");
        }
        String method = parts[0];
        String target = parts[1];
        String version = parts[2];
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new BadHead(505, "HTTP version not supported: use HTTP/1.1");
        }
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = first + 1; i < lines.length; i++) {
            String l = lines[i];
            if (l.isEmpty()) {
                break;
            }
            if (l.charAt(0) == ' ' || l.charAt(0) == '\t') {
                throw new BadHead(400, "obsolete line folding in header fields");
            }
            int colon = l.indexOf(':');
            if (colon <= 0 || !isToken(l.substring(0, colon))) {
                throw new BadHead(400, "malformed header field");
            }
            if (names.size() == MAX_FIELDS) {
                throw new BadHead(431, "too many header fields");
            }
            names.add(l.substring(0, colon));
            values.add(l.substring(colon + 1).strip());
        }
        HttpHeaders headers = new HttpHeaders(names, values);
        List<String> lengths = headers.all("Content-Length");
        List<String> encodings = headers.all("Transfer-Encoding");
        boolean chunked = false;
        if (!encodings.isEmpty()) {
            if (!lengths.isEmpty()) {
                throw new BadHead(400, "both Content-Length and Transfer-Encoding");
            }
            String te = String.join(",", encodings).trim();
            if (!te.equalsIgnoreCase("chunked")) {
                throw new BadHead(501, "transfer coding not supported: " + (isToken(te) && te.length() <= 40 ? te : "?")
                        + "; send Content-Length or chunked");
            }
            chunked = true;
        }
        long contentLength = -1;
        for (String v : lengths) {
            for (String one : v.split(",")) {
                long n = digits(one.trim());
                if (n < 0 || (contentLength >= 0 && n != contentLength)) {
                    throw new BadHead(400, "invalid Content-Length");
                }
                contentLength = n;
            }
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        if (path.startsWith("http://") || path.startsWith("https://")) {
            int slash = path.indexOf('/', path.indexOf("//") + 2);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        return new RequestHead(method, target, path, version, headers, contentLength, chunked, remote);
    }

    /** The lines of the head, without their CRLF or LF. */
    private static String[] lines(String text) {
        List<String> out = new ArrayList<>(16);
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            if (nl < 0) {
                out.add(text.substring(from));
                break;
            }
            int end = nl > from && text.charAt(nl - 1) == '\r' ? nl - 1 : nl;
            out.add(text.substring(from, end));
            from = nl + 1;
        }
        return out.toArray(new String[0]);
    }

    /** Method, target and version, split at single spaces; null unless exactly three. */
    private static String[] requestLine(String line) {
        int a = line.indexOf(' ');
        int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
        if (a < 0 || b < 0 || line.indexOf(' ', b + 1) >= 0) {
            return null;
        }
        return new String[] {line.substring(0, a), line.substring(a + 1, b), line.substring(b + 1)};
    }

    /** A decimal of 1 to 18 digits, or -2. */
    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -2;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -2;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static boolean isToken(String s) {
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
}
