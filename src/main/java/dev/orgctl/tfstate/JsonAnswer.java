package dev.orgctl.tfstate;

import dev.orgctl.gateway.http.Response;

/** The backend's own answers: {@code {"error": "..."}}, and JSON strings written by hand. */
final class JsonAnswer {
    private JsonAnswer() {
    }

    static Response error(int status, String message) {
        return Response.json(status, "{\"error\":" + quote(message) + "}\n");
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
