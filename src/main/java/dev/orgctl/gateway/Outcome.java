package dev.orgctl.gateway;

/** What became of a verified delivery. */
public sealed interface Outcome permits Outcome.Published, Outcome.Duplicate, Outcome.Unavailable {

    /** Stored in JetStream by this request: 202. */
    record Published(long streamSeq) implements Outcome {
    }

    /** Already stored, at {@code streamSeq}; nothing was published: 200. */
    record Duplicate(long streamSeq, Source source) implements Outcome {
    }

    /** JetStream could not be reached or did not confirm in time: 503 with Retry-After. */
    record Unavailable(String reason) implements Outcome {
    }

    /** How a duplicate was recognized; a label of the duplicates counter. */
    enum Source {
        /** The delivery index (the GUIDs of the window, read from the stream) had it. */
        INDEX("index"),
        /** JetStream's own duplicate window answered the publish as a duplicate. */
        JETSTREAM("jetstream");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The label of the deliveries counter's {@code outcome} tag. */
    default String label() {
        if (this instanceof Published) {
            return "published";
        }
        if (this instanceof Duplicate) {
            return "duplicate";
        }
        return "unavailable";
    }
}
