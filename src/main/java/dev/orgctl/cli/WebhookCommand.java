package dev.orgctl.cli;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.Durations;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.hosts.github.GitHubApiException;
import dev.orgctl.hosts.github.GitHubClient;
import dev.orgctl.hosts.github.GitHubClients;
import dev.orgctl.hosts.github.OrgWebhooks;
import dev.orgctl.hosts.github.PingVerifier;
import dev.orgctl.hosts.github.RateListener;
import dev.orgctl.hosts.github.WriteBudget;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "webhook", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "The organization webhook that feeds orgctl's gateway: register, verify, redeliver.")
public final class WebhookCommand implements Runnable {
    /** Exit code of {@code verify} when no ping arrived in time. */
    public static final int EXIT_NO_PING = 3;
    private static final Logger log = LoggerFactory.getLogger(WebhookCommand.class);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: register, verify or redeliver");
    }

    /** The hook named by {@code --url} or {@code --hook-id} (exactly one). */
    static long hookId(CommandSpec spec, OrgWebhooks hooks, String url, Long hookId) {
        if ((url == null) == (hookId == null)) {
            throw new ParameterException(spec.commandLine(), "name the webhook with exactly one of --url or --hook-id");
        }
        if (hookId != null) {
            return hookId;
        }
        return hooks.find(url).map(OrgWebhooks.Hook::id).orElseThrow(() -> new CommandFailure(
                "no webhook of the organization delivers to " + url + ": run 'orgctl webhook register --url "
                        + url + "' first", 1));
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Create the organization webhook for orgctl's gateway, or adopt the one at URL.",
                "JSON, signed with the first GITHUB_WEBHOOK_SECRET, for the events orgctl reads: push, repository, "
                + "pull_request, check_suite, workflow_run and status. A hook that already delivers to URL is "
                + "adopted and corrected; running it again never makes a second hook.",
                "Needs a token with the admin:org_hook scope, or an App with the organization_hooks write permission."})
    public static final class Register implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Option(names = "--url", required = true, paramLabel = "URL",
                description = "public URL of the gateway's webhook endpoint, e.g. https://orgctl.example.com/webhooks/github")
        String url;

        @Override
        public Integer call() {
            OrgctlConfig config = settings.resolve();
            String org = config.github().requireOrg();
            checkUrl(url);
            PrintWriter out = spec.commandLine().getOut();
            try (GitHubClient client = client(config)) {
                OrgWebhooks.Registration r = new OrgWebhooks(client, org).register(url,
                        config.webhookSecrets().signing());
                if (r.created()) {
                    out.printf("created webhook %d of %s -> %s (events: %s; JSON; signed)%n", r.hookId(), org, url,
                            String.join(", ", OrgWebhooks.EVENTS));
                } else {
                    out.printf("adopted webhook %d of %s -> %s: %s%n", r.hookId(), org, url,
                            String.join("; ", r.corrections()));
                }
                for (long d : r.duplicates()) {
                    out.printf("note: webhook %d also delivers to %s; delete it in the organization's settings "
                            + "(deliveries are de-duplicated, but each costs a request)%n", d, url);
                }
                out.printf("next: orgctl webhook verify --url %s%n", url);
                out.flush();
                return 0;
            } catch (GitHubApiException e) {
                throw new CommandFailure(e.getMessage(), 1);
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Ask GitHub to ping the webhook and wait until the ping arrives in GITHUB_EVENTS: proof "
                + "that GitHub reaches the gateway and the gateway stores deliveries.",
                "Exit code: 0 arrived, 3 not within the timeout, 1 error."})
    public static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Option(names = "--url", paramLabel = "URL", description = "the webhook delivering to this URL")
        String url;

        @Option(names = "--hook-id", paramLabel = "ID", description = "the webhook with this id")
        Long hookId;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "how long to wait for the ping (default ${DEFAULT-VALUE})",
                converter = DurationConverter.class)
        Duration timeout;

        @Override
        public Integer call() throws InterruptedException {
            OrgctlConfig config = settings.resolve();
            String org = config.github().requireOrg();
            Duration wait = timeout;
            PrintWriter out = spec.commandLine().getOut();
            try (GitHubClient client = client(config);
                 NatsRuntime nats = NatsRuntime.open(config, "webhook-verify", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
                OrgWebhooks hooks = new OrgWebhooks(client, org);
                long id = hookId(spec, hooks, url, hookId);
                Optional<PingVerifier.Arrival> arrival = new PingVerifier(nats.jetStream(), Clock.systemUTC())
                        .verify(org, id, () -> hooks.ping(id), wait);
                if (arrival.isPresent()) {
                    out.printf("ping of webhook %d arrived in %s after %d ms (delivery %s, stream sequence %d)%n",
                            id, Topology.EVENTS_STREAM, arrival.get().latency().toMillis(),
                            arrival.get().deliveryId(), arrival.get().streamSequence());
                    out.flush();
                    return 0;
                }
                String last = hooks.deliveries(id, Instant.now().minus(wait.plusMinutes(1))).stream()
                        .filter(d -> d.event().equals("ping")).findFirst()
                        .map(d -> "GitHub's last ping attempt: " + d.status() + " (HTTP " + d.statusCode() + ")")
                        .orElse("GitHub lists no ping attempt yet");
                out.printf("no ping of webhook %d reached %s within %s; %s. Check that the gateway is reachable "
                        + "from GitHub at the hook's URL, that GITHUB_WEBHOOK_SECRET matches, and 'orgctl webhook "
                        + "redeliver' once it is fixed.%n", id, Topology.EVENTS_STREAM, Durations.format(wait), last);
                out.flush();
                return EXIT_NO_PING;
            } catch (GitHubApiException e) {
                throw new CommandFailure(e.getMessage(), 1);
            } catch (IOException | JetStreamApiException e) {
                throw new CommandFailure("cannot read " + Topology.EVENTS_STREAM + " (run 'orgctl topology apply'?): "
                        + e.getMessage(), 1);
            }
        }
    }

    @Command(name = "redeliver", mixinStandardHelpOptions = true,
            description = {"Redeliver the webhook's failed deliveries of the recent past: every event whose attempts "
                + "all failed is sent again (GitHub never retries by itself). Safe to repeat and to schedule: the "
                + "gateway de-duplicates on the delivery id.",
                "GitHub keeps deliveries for 3 days."})
    public static final class Redeliver implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Option(names = "--url", paramLabel = "URL", description = "the webhook delivering to this URL")
        String url;

        @Option(names = "--hook-id", paramLabel = "ID", description = "the webhook with this id")
        Long hookId;

        @Option(names = "--since", paramLabel = "DURATION", defaultValue = "72h",
                description = "how far back to look (default ${DEFAULT-VALUE})",
                converter = DurationConverter.class)
        Duration since;

        @Option(names = "--dry-run", description = "list what would be redelivered, send nothing")
        boolean dryRun;

        @Override
        public Integer call() {
            OrgctlConfig config = settings.resolve();
            String org = config.github().requireOrg();
            Duration window = since;
            PrintWriter out = spec.commandLine().getOut();
            // A redelivery is a write: share the running replicas' budget when their NATS is reachable.
            Optional<NatsRuntime> nats = Optional.empty();
            WriteBudget budget;
            try {
                nats = Optional.of(NatsRuntime.open(config, "webhook-redeliver", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED));
                budget = GitHubClients.sharedBudget(nats.get().keyValue(Topology.RATE_BUCKET), config.github(),
                        RateListener.NONE);
            } catch (NatsUnavailableException e) {
                log.atWarn().addKeyValue("reason", e.getMessage())
                        .log("no NATS: pacing redeliveries with a budget of this process only");
                budget = GitHubClients.localBudget(config.github(), RateListener.NONE);
            }
            try (GitHubClient client = GitHubClients.create(config.github(), budget, RateListener.NONE)) {
                OrgWebhooks hooks = new OrgWebhooks(client, org);
                long id = hookId(spec, hooks, url, hookId);
                OrgWebhooks.RedeliveryReport r = hooks.redeliver(id, window, Instant.now(), dryRun);
                for (OrgWebhooks.DeliveryAttempt d : r.failed()) {
                    out.printf("%s %s %s%s (%s, %s)%n", dryRun ? "would redeliver" : "redelivered", d.guid(), d.event(),
                            d.action().map(a -> "." + a).orElse(""), d.status(), d.deliveredAt());
                }
                out.printf("webhook %d, last %s: %d attempts of %d events; %d failed %s, %d had already recovered%n",
                        id, Durations.format(window), r.attempts(), r.events(), r.failed().size(),
                        dryRun ? "(dry run: nothing sent)" : "and were redelivered", r.recoveredEarlier());
                out.flush();
                return 0;
            } catch (GitHubApiException e) {
                throw new CommandFailure(e.getMessage(), 1);
            } finally {
                nats.ifPresent(NatsRuntime::close);
            }
        }
    }

    /** A client with a local write budget: these commands make a handful of writes at most a run. */
    static GitHubClient client(OrgctlConfig config) {
        WriteBudget budget = GitHubClients.localBudget(config.github(), RateListener.NONE);
        return GitHubClients.create(config.github(), budget, (reason, until) -> log.atInfo()
                .addKeyValue("reason", reason).addKeyValue("until", until).log("waiting for GitHub's rate limit"));
    }

    static void checkUrl(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--url is not a URL: " + url);
        }
        if (u.getScheme() == null || !(u.getScheme().equals("https") || u.getScheme().equals("http"))
                || u.getHost() == null) {
            throw new ConfigException("--url must be an absolute http(s) URL that GitHub can reach, e.g. "
                    + "https://orgctl.example.com/webhooks/github");
        }
    }
}
