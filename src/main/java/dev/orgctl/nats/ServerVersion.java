package dev.orgctl.nats;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nats-server release orgctl recommends for production, and the warning for older servers.
 * Before it, unclean shutdowns (SIGKILL, OOM kill, power loss) can leave a KV bucket's per-key
 * state inconsistent: creates succeed over live entries and keys read as empty, which is what a
 * lock must never believe. docs/coordination.md lists the fixes this is based on.
 */
public final class ServerVersion {
    private static final Logger log = LoggerFactory.getLogger(ServerVersion.class);
    /** 2.10.20: the 2.10 filestore recovery fixes, and the KV compare-and-set fix after 2.10.19's regression. */
    private static final int[] RECOMMENDED = {2, 10, 20};
    private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)\\.(\\d+)");
    /** Once per process: every connection of a process talks to the same deployment. */
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private ServerVersion() {
    }

    /** Why {@code version} is not recommended for production; empty when it is (or cannot be read). */
    public static Optional<String> advice(String version) {
        Matcher m = version == null ? null : VERSION.matcher(version.trim());
        if (m == null || !m.find()) {
            return Optional.empty();
        }
        int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        for (int i = 0; i < 3; i++) {
            if (v[i] != RECOMMENDED[i]) {
                return v[i] > RECOMMENDED[i] ? Optional.empty() : Optional.of(text(version.trim()));
            }
        }
        return Optional.empty();
    }

    /**
     * Logs {@link #advice} at WARN, once per process. The services call it when they start
     * (`up`, `gateway`); one-shot commands do not, so that every `lock list` on a 2.9 server
     * does not repeat it (they log the version at INFO under --verbose).
     */
    public static void warnIfOld(String version) {
        advice(version).ifPresent(a -> {
            if (WARNED.compareAndSet(false, true)) {
                log.atWarn().addKeyValue("server_version", version).log(a);
            }
        });
    }

    private static String text(String version) {
        return "nats-server " + version + " is older than " + RECOMMENDED[0] + "." + RECOMMENDED[1] + "." + RECOMMENDED[2]
                + ", the release orgctl recommends for production: older servers can corrupt a KV bucket's per-key "
                + "state after an unclean shutdown (a create succeeds over a held lock, the key then reads as empty); "
                + "orgctl refuses such locks, but upgrade (docs/coordination.md, 'Server versions')";
    }
}
