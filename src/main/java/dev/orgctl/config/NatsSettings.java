package dev.orgctl.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How to reach NATS. An empty {@code urls} list means: start the embedded server.
 * {@code replicasGiven} is false when {@code replicas} is only the default: the replica count is
 * then picked from the server orgctl connects to (3 on a cluster of three or more).
 */
public record NatsSettings(
        List<String> urls,
        Optional<Path> credsFile,
        Optional<Path> nkeyFile,
        Optional<Secret> token,
        Optional<String> user,
        Optional<Secret> password,
        Optional<Path> tlsCaFile,
        Optional<Path> tlsCertFile,
        Optional<Path> tlsKeyFile,
        Optional<String> jetStreamDomain,
        Optional<Path> serverBin,
        int replicas,
        boolean replicasGiven,
        Duration jetStreamWait) {

    public NatsSettings {
        urls = List.copyOf(urls);
    }

    public boolean embedded() {
        return urls.isEmpty();
    }

    public boolean tls() {
        return tlsCaFile.isPresent() || tlsCertFile.isPresent()
                || urls.stream().anyMatch(u -> u.startsWith("tls://") || u.startsWith("wss://"));
    }

    /** The same settings pointed at other servers, for example the embedded one once it runs. */
    public NatsSettings withUrls(List<String> newUrls) {
        return new NatsSettings(newUrls, credsFile, nkeyFile, token, user, password, tlsCaFile, tlsCertFile,
                tlsKeyFile, jetStreamDomain, serverBin, replicas, replicasGiven, jetStreamWait);
    }

    /** The same settings with another replica count, for example the one picked from a cluster's size. */
    public NatsSettings withReplicas(int n) {
        return new NatsSettings(urls, credsFile, nkeyFile, token, user, password, tlsCaFile, tlsCertFile,
                tlsKeyFile, jetStreamDomain, serverBin, n, true, jetStreamWait);
    }

    /** A plain connection to one URL with no authentication: what tests and the embedded server use. */
    public static NatsSettings plain(String url) {
        return new NatsSettings(List.of(url), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), 1, false, Duration.ofSeconds(30));
    }

    /** URLs with any user:password part removed, for logs and messages. */
    public List<String> redactedUrls() {
        return urls.stream().map(NatsSettings::redact).toList();
    }

    /** Removes user:password parts of every URL inside a free text, such as a library's error message. */
    public static String redactAll(String text) {
        return text == null ? null : text.replaceAll("([A-Za-z][A-Za-z0-9+.-]*://)[^@/\\s\\]\\[,]+@", "$1****@");
    }

    public static String redact(String url) {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (scheme >= 0 && at > scheme) {
            return url.substring(0, scheme + 3) + "****@" + url.substring(at + 1);
        }
        return url;
    }
}
