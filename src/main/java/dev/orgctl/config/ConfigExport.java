package dev.orgctl.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns a resolved configuration back into environment variables, so a background process that
 * orgctl starts (the detached {@code orgctl up} of a dev bootstrap) runs with exactly the settings
 * of the command that started it, whether they came from flags, the environment or a file.
 * Secrets travel in the child's environment, never on its command line.
 */
public final class ConfigExport {
    private ConfigExport() {
    }

    public static Map<String, String> toEnvironment(OrgctlConfig c) {
        Map<String, String> env = new LinkedHashMap<>();
        NatsSettings n = c.nats();
        if (!n.urls().isEmpty()) {
            env.put(Setting.NATS_URL.env(), String.join(",", n.urls()));
        }
        put(env, Setting.NATS_CREDS_FILE, n.credsFile().map(Object::toString));
        put(env, Setting.NATS_NKEY_FILE, n.nkeyFile().map(Object::toString));
        put(env, Setting.NATS_TOKEN, n.token().map(Secret::revealAsString));
        put(env, Setting.NATS_USER, n.user());
        put(env, Setting.NATS_PASSWORD, n.password().map(Secret::revealAsString));
        put(env, Setting.NATS_TLS_CA_FILE, n.tlsCaFile().map(Object::toString));
        put(env, Setting.NATS_TLS_CERT_FILE, n.tlsCertFile().map(Object::toString));
        put(env, Setting.NATS_TLS_KEY_FILE, n.tlsKeyFile().map(Object::toString));
        put(env, Setting.NATS_JETSTREAM_DOMAIN, n.jetStreamDomain());
        put(env, Setting.NATS_SERVER_BIN, n.serverBin().map(Object::toString));
        env.put(Setting.NATS_REPLICAS.env(), Integer.toString(n.replicas()));
        env.put(Setting.NATS_WAIT.env(), Durations.format(n.jetStreamWait()));
        env.put(Setting.DATA_DIR.env(), c.dataDir().toString());
        env.put(Setting.HTTP_ADDR.env(), c.httpAddr().toString());
        env.put(Setting.BACKEND.env(), c.backend().name().toLowerCase(java.util.Locale.ROOT));
        put(env, Setting.GIT_ROOT, c.gitRoot().map(p -> p.toAbsolutePath().toString()));
        GitHubSettings g = c.github();
        put(env, Setting.GITHUB_ORG, g.org());
        env.put(Setting.GITHUB_API_URL.env(), g.apiUrl().toString());
        put(env, Setting.GITHUB_TOKEN, g.token().map(Secret::revealAsString));
        put(env, Setting.GITHUB_APP_ID, g.appId().map(Object::toString));
        put(env, Setting.GITHUB_APP_PRIVATE_KEY_FILE, g.appPrivateKeyFile().map(p -> p.toAbsolutePath().toString()));
        put(env, Setting.GITHUB_APP_INSTALLATION_ID, g.appInstallationId().map(Object::toString));
        env.put(Setting.GITHUB_WRITE_BUDGET.env(), g.writeBudget().toString());
        if (!c.webhookSecrets().none()) {
            env.put(Setting.GITHUB_WEBHOOK_SECRET.env(), c.webhookSecrets().secrets().stream()
                    .map(Secret::revealAsString).collect(Collectors.joining(",")));
        }
        env.put(Setting.DEDUP_WINDOW.env(), Durations.format(c.dedupWindow()));
        c.httpCapacity().bodyBudgetBytes().ifPresent(b -> env.put(Setting.HTTP_BODY_BUDGET.env(), Long.toString(b)));
        env.put(Setting.HTTP_MAX_CONNECTIONS.env(), Integer.toString(c.httpCapacity().maxConnections()));
        env.put(Setting.HTTP_MAX_CONNECTIONS_PER_ADDRESS.env(),
                Integer.toString(c.httpCapacity().maxConnectionsPerAddress()));
        env.put(Setting.RETRY_MAX_ATTEMPTS.env(), Integer.toString(c.retry().maxAttempts()));
        env.put(Setting.RETRY_INITIAL.env(), Durations.format(c.retry().initial()));
        env.put(Setting.RETRY_MAX.env(), Durations.format(c.retry().max()));
        env.put(Setting.RETRY_JITTER.env(), Double.toString(c.retry().jitter()));
        env.put(Setting.LOG_FORMAT.env(), c.logFormat().name().toLowerCase(java.util.Locale.ROOT));
        env.put(Setting.APPLY_TOPOLOGY.env(), Boolean.toString(c.applyTopology()));
        GatewayTuning gw = c.gateway();
        env.put(Setting.INSECURE_NO_SIGNATURE.env(), Boolean.toString(gw.insecureNoSignature()));
        env.put(Setting.MAX_BODY.env(), Long.toString(gw.maxBodyBytes()));
        env.put(Setting.NATS_TIMEOUT.env(), Durations.format(gw.natsTimeout()));
        env.put(Setting.HTTP_THREADS.env(), Integer.toString(gw.httpThreads()));
        env.put(Setting.SHUTDOWN_GRACE.env(), Durations.format(gw.shutdownGrace()));
        ControllerTuning ct = c.controller();
        env.put(Setting.WORKERS.env(), Integer.toString(ct.workers()));
        env.put(Setting.RECONCILE_EVERY.env(), ct.reconcileEvery().map(Durations::format).orElse("0"));
        env.put(Setting.MAX_DEPTH.env(), Integer.toString(ct.maxDepth()));
        env.put(Setting.BREAKER.env(), ct.breakerCommits() + "/" + Durations.format(ct.breakerWindow()));
        env.put(Setting.MAX_LOCK_FAILURES.env(), Integer.toString(ct.maxLockFailures()));
        env.put(Setting.WATCH_INTERVAL.env(), Durations.format(ct.watchInterval()));
        env.put(Setting.REPO_LOCK_WAIT.env(), Durations.format(ct.lockWait()));
        env.put(Setting.SETTLE.env(), Durations.format(ct.settle()));
        env.put(Setting.MAX_SETTLE.env(), Durations.format(ct.maxSettle()));
        env.put(Setting.PREVIEW_COMMENT.env(), Boolean.toString(ct.previewComment()));
        env.put(Setting.ROLLOUT_TICK.env(), Durations.format(ct.rolloutTick()));
        env.put(Setting.ROLLOUT_POLL.env(), Durations.format(ct.rolloutPoll()));
        env.put(Setting.COMMIT_AUTHOR.env(), c.commitAuthor().toString());
        env.put(Setting.GIT_CI.env(), Boolean.toString(c.gitCi().enabled()));
        env.put(Setting.GIT_CI_TIMEOUT.env(), Durations.format(c.gitCi().timeout()));
        env.put(Setting.GIT_CI_PARALLEL.env(), Integer.toString(c.gitCi().parallel()));
        env.put(Setting.TFSTATE_OIDC_ISSUER.env(), c.tfstateAuth().issuer().toString());
        env.put(Setting.TFSTATE_OIDC_AUDIENCE.env(), c.tfstateAuth().audience());
        // the Terraform state policy is a list in the file, not a setting: the child reads the same file
        c.tfstateAuth().policyFile().ifPresent(f -> env.put(ConfigResolver.CONFIG_ENV, f.toString()));
        TfstateTuning tf = c.tfstate();
        env.put(Setting.TFSTATE_VERSIONS.env(), Integer.toString(tf.versions()));
        env.put(Setting.TFSTATE_MAX_BYTES.env(), Long.toString(tf.maxBytes()));
        env.put(Setting.TFSTATE_MAX_INFLIGHT.env(), Integer.toString(tf.maxInflight()));
        env.put(Setting.TFSTATE_MAX_HOLD.env(), Durations.format(tf.maxHold()));
        put(env, Setting.TFSTATE_KEY_FILE, tf.keyFile().map(p -> p.toAbsolutePath().toString()));
        return env;
    }

    private static void put(Map<String, String> env, Setting s, Optional<String> v) {
        v.ifPresent(x -> env.put(s.env(), x));
    }
}
