package dev.orgctl.cli;

import dev.orgctl.config.Durations;
import java.time.Duration;

/**
 * Short human durations for tables: 850ms, 12s, 3m04s, 2h05m, 3d04h. The format is
 * {@link Durations#age}, which the controller's status texts share.
 */
final class Ages {
    private Ages() {
    }

    static String format(Duration d) {
        return Durations.age(d);
    }
}
