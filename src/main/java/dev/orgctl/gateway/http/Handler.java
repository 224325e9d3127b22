package dev.orgctl.gateway.http;

/**
 * What the server calls for each request. {@link #onHead} and {@link #onBodyTooLarge} run on the
 * event loop and must not block; {@link #onRequest} runs there too and must hand anything slow to
 * another thread, answering through the {@link Exchange} from wherever it finishes.
 */
public interface Handler {

    /**
     * The head is complete, the body not read yet.
     *
     * @return an answer that is sent without reading the body (the connection then closes if a
     *         body was announced), or null to read the body and go on to {@link #onRequest}
     */
    Response onHead(RequestHead head);

    /** The body turned out longer than the limit (chunked, so not known from the head). */
    Response onBodyTooLarge(RequestHead head);

    /**
     * The body of a request that {@link #onHead} let through will not come: the client went away,
     * timed out, or sent a malformed or oversized body (which the server answers itself).
     */
    default void onAbort(RequestHead head) {
    }

    /** A whole request. Answer exactly once, from any thread. */
    void onRequest(RequestHead head, byte[] body, Exchange exchange);

    /** The answer channel of one request. */
    interface Exchange {
        /** Sends the answer; later calls are ignored. Safe from any thread. */
        default void respond(Response response) {
            respond(response, () -> { });
        }

        /**
         * Sends the answer and runs {@code written} once it has left (or could not be written:
         * the connection is gone or the server stopped). A graceful stop counts a request in
         * flight until then, so that closing the connections cannot cut an answer already given.
         */
        void respond(Response response, Runnable written);
    }
}
