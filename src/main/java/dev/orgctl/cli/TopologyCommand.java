package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.ResourcePlan;
import dev.orgctl.nats.topology.TopologyReconciler;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "topology", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "The JetStream streams, KV buckets and consumers orgctl uses, as code.")
public final class TopologyCommand implements Runnable {
    /** Exit code of {@code plan} when the server differs from the declaration. */
    public static final int EXIT_CHANGES = 2;
    /** Exit code of {@code apply} when a change cannot be applied in place. */
    public static final int EXIT_BLOCKED = 3;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: plan or apply");
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Compare the declared topology with the server, resource by resource: create, update "
                + "(the declaration changed), drift (changed on the server by hand), blocked (cannot change in "
                + "place) or unchanged.", "Exit code: 0 nothing would change, 2 something would, 1 error."})
    public static final class Plan implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Override
        public Integer call() {
            OrgctlConfig config = settings.resolve();
            try (NatsRuntime nats = NatsRuntime.open(config, "topology", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
                List<ResourcePlan> plans = reconciler(nats).plan(nats.topology());
                warn(spec.commandLine().getErr(), nats);
                print(spec.commandLine().getOut(), plans, false);
                return plans.stream().anyMatch(ResourcePlan::changes) ? EXIT_CHANGES : 0;
            }
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Make the server match the declared topology: create what is missing, update what "
                + "changed, restore what drifted. Idempotent; never deletes a resource or data.",
                "Exit code: 0 done, 3 some change cannot be applied in place (see the advice), 1 error."})
    public static final class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Override
        public Integer call() {
            OrgctlConfig config = settings.resolve();
            try (NatsRuntime nats = NatsRuntime.open(config, "topology", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
                warn(spec.commandLine().getErr(), nats);
                List<ResourcePlan> plans = reconciler(nats).apply(nats.topology(), true);
                print(spec.commandLine().getOut(), plans, true);
                return plans.stream().anyMatch(p -> p instanceof ResourcePlan.Blocked) ? EXIT_BLOCKED : 0;
            }
        }
    }

    static TopologyReconciler reconciler(NatsRuntime nats) {
        return new TopologyReconciler(nats.connection(), nats.connector().jetStreamOptions(),
                nats.connector().keyValueOptions());
    }

    /** Replica counts that do not fit the servers: a warning, since the plan itself may still be what is wanted. */
    static void warn(PrintWriter err, NatsRuntime nats) {
        for (String w : nats.replicaWarnings()) {
            err.println("warning: " + w);
        }
        err.flush();
    }

    static void print(PrintWriter out, List<ResourcePlan> plans, boolean applied) {
        int width = plans.stream().mapToInt(p -> p.spec().name().length()).max().orElse(10) + 2;
        int create = 0;
        int update = 0;
        int drift = 0;
        int blocked = 0;
        int same = 0;
        for (ResourcePlan p : plans) {
            String verb;
            List<ResourcePlan.FieldDiff> diffs = List.of();
            if (p instanceof ResourcePlan.Create) {
                verb = applied ? "created" : "create";
                create++;
            } else if (p instanceof ResourcePlan.Update u) {
                verb = applied ? "updated" : "update";
                diffs = u.diffs();
                update++;
            } else if (p instanceof ResourcePlan.Drift d) {
                verb = applied ? "drift restored" : "drift";
                diffs = d.diffs();
                drift++;
            } else if (p instanceof ResourcePlan.Blocked b) {
                verb = "blocked";
                diffs = b.diffs();
                blocked++;
            } else {
                verb = "unchanged";
                same++;
            }
            out.printf("%-" + width + "s %-9s %s%n", p.spec().name(), p.spec().kind(), verb);
            for (ResourcePlan.FieldDiff d : diffs) {
                out.printf("%-" + width + "s %-9s   %s: %s -> %s%n", "", "", d.field(), d.server(), d.declared());
            }
            if (p instanceof ResourcePlan.Blocked b) {
                out.printf("%-" + width + "s %-9s   what to do: %s%n", "", "", b.advice());
            }
        }
        out.printf("%n%d %s, %d %s, %d %s, %d blocked, %d unchanged%n",
                create, applied ? "created" : "to create", update, applied ? "updated" : "to update",
                drift, applied ? "drift restored" : "drifted", blocked, same);
        out.flush();
    }
}
