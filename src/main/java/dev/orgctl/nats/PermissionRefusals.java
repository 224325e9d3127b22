package dev.orgctl.nats;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The permissions the server refused on one connection. A refused publish (a JetStream API
 * request, say) is not answered: the server reports "Permissions Violation" asynchronously, to the
 * connection's error listener, and the request itself only times out. This keeps the refusal so
 * that the timeout can be reported as what it is.
 */
public final class PermissionRefusals {
    private static final Pattern VIOLATION =
            Pattern.compile("Permissions Violation for (Publish|Subscription) to \"?([^\"'\\s]+)");

    private final String who;
    private final AtomicReference<String> last = new AtomicReference<>();

    PermissionRefusals(Optional<String> user) {
        this.who = user.map(u -> "NATS user \"" + u + "\"").orElse("the NATS user");
    }

    /** @return whether the server's error was a refused permission (then it is kept) */
    boolean offer(String serverError) {
        Matcher m = VIOLATION.matcher(String.valueOf(serverError));
        if (!m.find()) {
            return false;
        }
        String verb = m.group(1).equals("Publish") ? "publish to " : "subscribe to ";
        last.set(who + " is not permitted to " + verb + m.group(2)
                + " (the server refused it: Permissions Violation; see the user's permissions in the NATS server"
                + " configuration, docs/deploy.md#nats)");
        return true;
    }

    /** The last refusal, as one sentence naming the user and the subject. */
    public Optional<String> last() {
        return Optional.ofNullable(last.get());
    }

    /**
     * What to report when a request on {@code connection} failed with {@code e}: the refusal that
     * explains it if the server refused a permission, else {@code what: e's message}.
     */
    public static String explain(Connection connection, String what, Exception e) {
        return of(connection).flatMap(PermissionRefusals::last).map(r -> what + ": " + r)
                .orElse(what + ": " + e.getMessage());
    }

    /** The refusals kept for a connection opened by {@link NatsConnector}. */
    public static Optional<PermissionRefusals> of(Connection connection) {
        ErrorListener l = connection.getOptions().getErrorListener();
        return l instanceof NatsConnector.LoggingErrorListener listener ? Optional.of(listener.refusals())
                : Optional.empty();
    }
}
