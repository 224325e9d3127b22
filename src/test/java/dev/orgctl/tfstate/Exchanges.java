package dev.orgctl.tfstate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.orgctl.gateway.http.Handler;
import dev.orgctl.gateway.http.RequestHead;
import dev.orgctl.gateway.http.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP exchanges between Terraform and the backend, as recorded from the real binary: what
 * Terraform sent (method, target, the headers that matter, body) and what it was answered. A
 * {@link Recorder} wraps the handler during a capturing run; {@code TfstateProtocolTest} replays them.
 */
final class Exchanges {
    static final ObjectMapper JSON = JsonMapper.builder().build();
    /** Headers whose presence or value the backend reads. */
    static final List<String> HEADERS = List.of("Content-Type", "Content-MD5");

    /**
     * @param authorized whether Terraform sent basic credentials (never the credentials themselves)
     */
    record Recorded(String step, String method, String target, Map<String, String> headers, boolean authorized,
                    String bodyBase64, int status, String answerBase64) {
        byte[] body() {
            return Base64.getDecoder().decode(bodyBase64);
        }

        byte[] answer() {
            return Base64.getDecoder().decode(answerBase64);
        }
    }

    private Exchanges() {
    }

    /** Records every exchange of the wrapped handler, each under the step running at the time. */
    static final class Recorder implements Handler {
        private final Handler inner;
        private final List<Recorded> recorded = new ArrayList<>();
        private volatile String step = "";

        Recorder(Handler inner) {
            this.inner = inner;
        }

        void step(String name) {
            this.step = name;
        }

        synchronized List<Recorded> recorded() {
            return List.copyOf(recorded);
        }

        @Override
        public Response onHead(RequestHead head) {
            return inner.onHead(head);
        }

        @Override
        public Response onBodyTooLarge(RequestHead head) {
            return inner.onBodyTooLarge(head);
        }

        @Override
        public void onAbort(RequestHead head) {
            inner.onAbort(head);
        }

        @Override
        public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
            String at = step;
            inner.onRequest(head, body, (response, written) -> {
                Map<String, String> headers = new LinkedHashMap<>();
                for (String h : HEADERS) {
                    String v = head.headers().first(h);
                    if (v != null) {
                        headers.put(h, v);
                    }
                }
                synchronized (this) {
                    recorded.add(new Recorded(at, head.method(), head.target(), headers,
                            head.headers().first("Authorization") != null,
                            Base64.getEncoder().encodeToString(body), response.status(),
                            Base64.getEncoder().encodeToString(response.body())));
                }
                exchange.respond(response, written);
            });
        }
    }

    static String toJson(List<Recorded> exchanges) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(exchanges);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Recorded> fromJson(byte[] json) {
        try {
            return List.of(JSON.readValue(json, Recorded[].class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
