package dev.orgctl.hosts.github;

import java.util.Optional;

/**
 * GitHub's pagination header: {@code <https://api.github.com/...&page=2>; rel="next", <...>; rel="last"}.
 * Both page-number and cursor pagination use it, so following {@code rel="next"} covers every
 * list orgctl reads.
 */
public final class LinkHeader {
    private LinkHeader() {
    }

    public static Optional<String> next(String header) {
        return rel(header, "next");
    }

    public static Optional<String> rel(String header, String rel) {
        if (header == null) {
            return Optional.empty();
        }
        for (String part : header.split(",(?=\\s*<)")) {
            String p = part.trim();
            int lt = p.indexOf('<');
            int gt = p.indexOf('>');
            if (lt != 0 || gt < 0) {
                continue;
            }
            String url = p.substring(1, gt);
            for (String param : p.substring(gt + 1).split(";")) {
                String kv = param.trim();
                if (kv.startsWith("rel=")) {
                    String v = kv.substring(4).replace("\"", "").trim();
                    for (String r : v.split("\\s+")) {
                        if (r.equals(rel)) {
                            return Optional.of(url);
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }
}
