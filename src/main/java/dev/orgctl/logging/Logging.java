package dev.orgctl.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.orgctl.config.LogFormat;
import java.net.URL;
import org.slf4j.LoggerFactory;

/**
 * Chooses the log format at start: key=value text for people, or one JSON document per line
 * ({@code --log-format json}). Both write to stderr so that command output on stdout stays
 * parseable.
 */
public final class Logging {
    private static LogFormat current = LogFormat.TEXT;

    private Logging() {
    }

    /**
     * The level of orgctl's log lines: INFO for the long-running commands and with
     * {@code --verbose}, WARN for the others, so that a one-shot command prints only its output and
     * what went wrong. {@code ORGCTL_LOG_LEVEL}, when set, wins (the logback configuration reads it).
     */
    public static synchronized void verbose(boolean verbose) {
        String explicit = System.getenv("ORGCTL_LOG_LEVEL");
        if (explicit != null && !explicit.isBlank()) {
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(verbose ? Level.INFO : Level.WARN);
        }
    }

    public static synchronized void configure(LogFormat format) {
        if (format == current) {
            return;
        }
        String resource = format == LogFormat.JSON ? "logback-json.xml" : "logback.xml";
        URL url = Logging.class.getClassLoader().getResource(resource);
        if (url == null || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        ctx.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(ctx);
        try {
            configurator.doConfigure(url);
            current = format;
        } catch (JoranException e) {
            System.err.println("orgctl: cannot configure logging: " + e.getMessage());
        }
    }
}
