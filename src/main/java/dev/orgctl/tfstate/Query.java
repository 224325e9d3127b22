package dev.orgctl.tfstate;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The query parameters of a request target, decoded as Go's {@code url.Values.Encode} writes them. */
final class Query {
    private Query() {
    }

    /** The first value of {@code name}, if the target has it. */
    static Optional<String> param(String target, String name) {
        int q = target.indexOf('?');
        if (q < 0) {
            return Optional.empty();
        }
        for (String pair : target.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (decode(key).equals(name)) {
                return Optional.of(eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return Optional.empty();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
