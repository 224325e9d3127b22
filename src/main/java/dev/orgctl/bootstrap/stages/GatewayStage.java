package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BackgroundProcess;
import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapException;
import dev.orgctl.bootstrap.BootstrapMode;
import dev.orgctl.bootstrap.Stage;
import dev.orgctl.bootstrap.StageName;
import dev.orgctl.config.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Stage 5: the gateway and controller running and ready. Dev mode starts {@code orgctl up} in the
 * background (or adopts the one already running); external mode writes how to run it (a command
 * line, a systemd unit, a Kubernetes manifest) and waits for {@code --gateway-url}'s /readyz.
 */
public final class GatewayStage implements Stage {
    public static final String PROCESS = "orgctl-up";
    private final Duration readyTimeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final StateBackendCheck states = new StateBackendCheck(http);

    public GatewayStage(Duration readyTimeout) {
        this.readyTimeout = readyTimeout;
    }

    @Override
    public StageName name() {
        return StageName.GATEWAY;
    }

    /** Where the gateway answers: --gateway-url, else the local http address. */
    public static URI gatewayUrl(BootstrapContext ctx) {
        if (ctx.gatewayUrl().isPresent()) {
            return ctx.gatewayUrl().get();
        }
        HostPort a = ctx.config().httpAddr();
        String host = a.host().equals("0.0.0.0") || a.host().equals("::") ? "127.0.0.1" : a.host();
        return URI.create("http://" + new HostPort(host, a.port()));
    }

    @Override
    public String plan(BootstrapContext ctx) {
        URI url = gatewayUrl(ctx);
        if (ready(url)) {
            return "adopt the gateway already ready at " + url;
        }
        return ctx.mode() == BootstrapMode.DEV
                ? "start 'orgctl up' in the background (log " + process(ctx).logFile() + ") and wait for " + url + "/readyz"
                : "write deployment files to " + deployDir(ctx) + " and wait for " + url + "/readyz";
    }

    @Override
    public void precondition(BootstrapContext ctx) {
        if (ctx.mode() == BootstrapMode.EXTERNAL && ctx.gatewayUrl().isEmpty()) {
            throw new BootstrapException("--mode external needs --gateway-url: where your platform serves the gateway");
        }
        ctx.nats();
    }

    @Override
    public Outcome apply(BootstrapContext ctx) {
        URI url = gatewayUrl(ctx);
        if (ready(url)) {
            return Outcome.adopted("gateway already ready at " + url + states.announce(ctx, url),
                    Map.of("url", url.toString(), "tfstate_url", StateBackendCheck.url(url)));
        }
        if (ctx.mode() == BootstrapMode.DEV) {
            BackgroundProcess up = process(ctx);
            up.stop(Duration.ofSeconds(10)); // one that runs but is not ready is replaced, never doubled
            ProcessHandle ph = up.start(ctx.config(), List.of("up"));
            ctx.out().print("(starting orgctl up, pid " + ph.pid() + ") ");
            ctx.out().flush();
            waitReady(ctx, url, Optional.of(ph), up.logFile());
            return Outcome.done("orgctl up running in the background (pid " + ph.pid() + ", log " + up.logFile()
                    + "), ready at " + url + states.announce(ctx, url), Map.of("url", url.toString(), "pid",
                    Long.toString(ph.pid()), "tfstate_url", StateBackendCheck.url(url)));
        }
        Path dir = writeDeployment(ctx, url);
        ctx.out().println();
        ctx.out().println("  Run the gateway and controller on your platform; files are in " + dir + ":");
        ctx.out().println("    orgctl-up.sh       the command line (settings as environment variables)");
        ctx.out().println("    orgctl.service     a systemd unit");
        ctx.out().println("    orgctl-k8s.yaml    a Kubernetes Deployment and Service");
        ctx.out().print("  waiting for " + url + "/readyz ");
        ctx.out().flush();
        waitReady(ctx, url, Optional.empty(), null);
        return Outcome.done("gateway ready at " + url + states.announce(ctx, url), Map.of("url", url.toString(),
                "deploy_dir", dir.toString(), "tfstate_url", StateBackendCheck.url(url)));
    }

    @Override
    public Optional<String> verify(BootstrapContext ctx) {
        URI url = ctx.state().result(StageName.GATEWAY).map(r -> r.details().get("url")).filter(u -> u != null)
                .map(URI::create).orElse(gatewayUrl(ctx));
        if (!ready(url)) {
            return Optional.of("the gateway at " + url + " is not ready (GET /readyz); "
                    + (ctx.mode() == BootstrapMode.DEV ? "see " + process(ctx).logFile()
                    + " or run 'orgctl bootstrap --from gateway'" : "check your deployment"));
        }
        return states.problem(url);
    }

    private static BackgroundProcess process(BootstrapContext ctx) {
        return new BackgroundProcess(ctx.config().dataDir(), PROCESS);
    }

    private static Path deployDir(BootstrapContext ctx) {
        return ctx.config().dataDir().resolve("deploy");
    }

    private void waitReady(BootstrapContext ctx, URI url, Optional<ProcessHandle> process, Path log) {
        Instant deadline = Instant.now().plus(readyTimeout);
        int dots = 0;
        while (!ready(url)) {
            if (process.isPresent() && !process.get().isAlive()) {
                throw new BootstrapException("orgctl up exited before it was ready; its log " + log + " ends with: "
                        + tail(log));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new BootstrapException("the gateway at " + url + " was not ready within " + readyTimeout
                        + (log == null ? "" : "; see " + log));
            }
            if (++dots % 10 == 0) {
                ctx.out().print('.');
                ctx.out().flush();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BootstrapException("interrupted while waiting for the gateway", e);
            }
        }
    }

    boolean ready(URI base) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(base.resolve("/readyz")).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static Path writeDeployment(BootstrapContext ctx, URI url) {
        Path dir = deployDir(ctx);
        String org = ctx.config().github().org().orElse("ORG");
        String nats = String.join(",", ctx.config().nats().redactedUrls());
        String env = "NATS_URL=" + nats + "\nGITHUB_ORG=" + org + "\nORGCTL_BACKEND="
                + ctx.config().backend().name().toLowerCase(Locale.ROOT) + "\nORGCTL_HTTP_ADDR=0.0.0.0:" + url.getPort()
                // An OutOfMemoryError ends the process, so the supervisor restarts it instead of a
                // listener that no longer answers (docs/gateway.md, "Never a zombie").
                + "\nJAVA_TOOL_OPTIONS=-XX:+ExitOnOutOfMemoryError\n";
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("orgctl-up.sh"), "#!/bin/sh\n# Secrets (NATS_CREDS_FILE, GITHUB_TOKEN or the "
                    + "App key, GITHUB_WEBHOOK_SECRET) come from your secret store, not from this file.\n"
                    + env.lines().map(l -> "export " + l).reduce("", (a, b) -> a + b + "\n") + "exec orgctl up\n");
            Files.writeString(dir.resolve("orgctl.service"), "[Unit]\nDescription=orgctl gateway and controller\n"
                    + "After=network-online.target\n\n[Service]\nEnvironmentFile=/etc/orgctl/orgctl.env\n"
                    + "ExecStart=/usr/local/bin/orgctl up\nRestart=always\nRestartSec=2\n"
                    + "# above the gateway's connection limit (10,000 by default) plus NATS and files\n"
                    + "LimitNOFILE=65536\n\n[Install]\n"
                    + "WantedBy=multi-user.target\n# /etc/orgctl/orgctl.env:\n" + env.lines().map(l -> "# " + l)
                    .reduce("", (a, b) -> a + b + "\n"));
            Files.writeString(dir.resolve("orgctl-k8s.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                    + "  name: orgctl\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: orgctl}\n  template:\n"
                    + "    metadata:\n      labels: {app: orgctl}\n    spec:\n      containers:\n      - name: orgctl\n"
                    + "        image: YOUR-REGISTRY/orgctl:latest\n        args: [up]\n        envFrom:\n"
                    + "        - secretRef: {name: orgctl}\n        env:\n" + env.lines().map(l -> "        - {name: "
                    + l.substring(0, l.indexOf('=')) + ", value: \"" + l.substring(l.indexOf('=') + 1) + "\"}")
                    .reduce("", (a, b) -> a + b + "\n") + "        ports: [{containerPort: " + url.getPort() + "}]\n"
                    + "        readinessProbe: {httpGet: {path: /readyz, port: " + url.getPort() + "}}\n"
                    + "        livenessProbe: {httpGet: {path: /healthz, port: " + url.getPort() + "}}\n---\n"
                    + "apiVersion: v1\nkind: Service\nmetadata:\n  name: orgctl\nspec:\n  selector: {app: orgctl}\n"
                    + "  ports: [{port: 80, targetPort: " + url.getPort() + "}]\n");
            return dir;
        } catch (IOException e) {
            throw new BootstrapException("cannot write deployment files to " + dir + ": " + e.getMessage(), e);
        }
    }
}
