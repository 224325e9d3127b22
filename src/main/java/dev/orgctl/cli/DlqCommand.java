package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.controller.CircuitBreaker;
import dev.orgctl.controller.DeadLetters;
import dev.orgctl.controller.JobScheduler;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.DeadLetter;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "dlq", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = {"The dead-letter queue (ORGCTL_DLQ): jobs and deliveries that failed every attempt",
            "or were stopped by snake prevention. List them; send them through again."})
public final class DlqCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: list or redrive");
    }

    static NatsRuntime open(ConfigMixin settings) {
        OrgctlConfig config = settings.resolve();
        return NatsRuntime.open(config, "dlq", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
    }

    static DeadLetters deadLetters(NatsRuntime nats) {
        try {
            JetStreamManagement jsm = nats.connection().jetStreamManagement(nats.connector().jetStreamOptions());
            return new DeadLetters(nats.jetStream(), jsm);
        } catch (IOException e) {
            throw new NatsUnavailableException("JetStream is not available: " + e.getMessage(), e);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List dead letters, with the ID 'dlq redrive' takes.",
                "Each with its kind, repository, what stopped it, attempts, error and age."})
    public static final class ListLetters implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (NatsRuntime nats = open(settings)) {
                List<DeadLetters.Entry> entries = deadLetters(nats).list();
                if (entries.isEmpty()) {
                    out.println("The DLQ is empty.");
                    return 0;
                }
                print(out, entries, Instant.now());
                return 0;
            }
        }

        static void print(PrintWriter out, List<DeadLetters.Entry> entries, Instant now) {
            String fmt = "%-6s %-9s %-30s %-10s %-8s %-6s %s%n";
            out.printf(fmt, "ID", "KIND", "REPOSITORY", "STOPPED_BY", "ATTEMPTS", "AGE", "ERROR");
            for (DeadLetters.Entry e : entries) {
                DeadLetter d = e.letter();
                String repo = d.getOrg().isEmpty() ? "-" : d.getOrg() + (d.getRepo().isEmpty() ? "" : "/" + d.getRepo());
                Duration age = Duration.ofSeconds(Math.max(0, now.getEpochSecond() - d.getFailedAt().getSeconds()));
                out.printf(fmt, e.seq(), d.getKind(), repo, d.getStoppedBy().isEmpty() ? "-" : d.getStoppedBy(),
                        d.getAttempts(), Ages.format(age), d.getError().replace('\n', ' '));
            }
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true,
            description = {"Send dead letters through again and remove them from the DLQ.",
                "A job: the repository's circuit breaker is reset and a REDRIVE regeneration is scheduled.",
                "A delivery: the original message is published to GITHUB_EVENTS again."})
    public static final class Redrive implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "the dead letter's ID (from 'dlq list')")
        Long id;

        @Option(names = "--all", description = "every dead letter")
        boolean all;

        @Override
        public Integer call() {
            if ((id == null) == !all) {
                throw new ParameterException(spec.commandLine(), "give either an ID or --all");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (NatsRuntime nats = open(settings)) {
                DeadLetters dlq = deadLetters(nats);
                List<DeadLetters.Entry> entries;
                if (all) {
                    entries = dlq.list();
                } else {
                    Optional<DeadLetters.Entry> e = dlq.get(id);
                    if (e.isEmpty()) {
                        throw new CommandFailure("no dead letter " + id + " (see 'orgctl dlq list')", 1);
                    }
                    entries = List.of(e.get());
                }
                String actor = "orgctl dlq redrive@" + ProcessHandle.current().pid();
                JobScheduler scheduler = new JobScheduler(Workflows.open(nats, actor), nats.jetStream(), actor);
                CircuitBreaker breaker = new CircuitBreaker(nats.keyValue(Topology.BREAKERS_BUCKET),
                        CircuitBreaker.Settings.defaults(), Clock.systemUTC());
                var redrive = new dev.orgctl.controller.Redrive(dlq, scheduler, breaker);
                for (DeadLetters.Entry e : entries) {
                    out.println(redrive.redrive(e));
                }
                if (entries.isEmpty()) {
                    out.println("The DLQ is empty.");
                }
                out.flush();
                return 0;
            }
        }
    }
}
