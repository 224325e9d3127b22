package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.controller.rollout.KvRollouts;
import dev.orgctl.controller.rollout.RolloutException;
import dev.orgctl.controller.rollout.RolloutText;
import dev.orgctl.controller.rollout.RolloutWorkflow;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rollout", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = {"Progressive rollouts of template changes: status, resume, abort, revert.",
            "(docs/rollout.md) REV is a rollout's id (its template revision) or a unique prefix",
            "of it; without REV, the org's current rollout."})
public final class RolloutCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: status, resume, abort or revert");
    }

    /** What the subcommands share: the org, the store, and REV resolved to one rollout. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Parameters(index = "0", arity = "0..1", paramLabel = "REV",
                description = "the rollout: its id or a unique prefix (default: the current rollout)")
        String rev;

        OrgctlConfig config;
        String org;

        @Override
        public Integer call() {
            config = settings.resolve();
            org = config.github().requireOrg();
            try (NatsRuntime nats = NatsRuntime.open(config, "rollout", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
                KvRollouts store = new KvRollouts(nats.keyValue(Topology.ROLLOUTS_BUCKET), Clock.systemUTC(),
                        new RolloutWorkflow(Workflows.open(nats, actor())));
                return run(store, spec.commandLine().getOut());
            }
        }

        abstract int run(KvRollouts store, PrintWriter out);

        /** The rollout REV names: the current one without REV, else the one whose id is REV or starts with it. */
        Rollout resolve(KvRollouts store) {
            if (rev == null || rev.isBlank()) {
                return store.current(org).orElseThrow(() -> new RolloutException("no rollout in " + org
                        + ": a template change begins one when orgctl.yaml has a rollout block"));
            }
            Optional<Rollout> exact = store.get(org, rev);
            if (exact.isPresent()) {
                return exact.get();
            }
            List<Rollout> matches = store.list(org).stream().filter(r -> r.getId().startsWith(rev)).toList();
            if (matches.isEmpty()) {
                throw new RolloutException("no rollout " + rev + " in " + org + " ('orgctl rollout status' lists them)");
            }
            if (matches.size() > 1) {
                throw new RolloutException("rollout " + rev + " is ambiguous in " + org + ": it begins "
                        + String.join(", ", matches.stream().map(Rollout::getId).toList()));
            }
            return matches.get(0);
        }

        static String actor() {
            return "cli:" + System.getProperty("user.name", "unknown");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Show a rollout: state, waves, repositories per state, failures with links.",
                "Without REV the current rollout, then the org's other rollouts one line each."})
    public static final class Status extends Base {
        @Override
        int run(KvRollouts store, PrintWriter out) {
            Instant now = Instant.now();
            if ((rev == null || rev.isBlank()) && store.current(org).isEmpty()) {
                out.println("no rollout in " + org);
                return 0;
            }
            Rollout r = resolve(store);
            Map<String, RolloutPin> pins = new HashMap<>();
            Map<String, CiRecord> ci = new HashMap<>();
            for (RolloutPin p : store.pins(org)) {
                pins.put(p.getRepo(), p);
                if (p.getRolloutId().equals(r.getId()) && !p.getCommit().isEmpty()) {
                    store.ci(org, p.getRepo(), p.getCommit()).ifPresent(c -> ci.put(p.getRepo(), c));
                }
            }
            out.print(RolloutText.status(r, pins, ci, now));
            if (rev == null || rev.isBlank()) {
                List<Rollout> others = store.list(org).stream().filter(o -> !o.getId().equals(r.getId())).toList();
                if (!others.isEmpty()) {
                    out.println();
                    out.println("Other rollouts:");
                    out.print(RolloutText.list(others, now));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = {"Let a paused rollout go on with its next wave (its failures accepted).",
                "It completes when the paused wave was the last."})
    public static final class Resume extends Base {
        @Override
        int run(KvRollouts store, PrintWriter out) {
            Rollout r = store.resume(org, resolve(store).getId(), actor());
            out.println(RolloutText.line(r, Instant.now()));
            out.flush();
            return 0;
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = {"Stop a rollout: no further wave. What it rolled out stays (see revert)."})
    public static final class Abort extends Base {
        @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in the rollout and its history")
        String reason;

        @Override
        int run(KvRollouts store, PrintWriter out) {
            Rollout r = store.abort(org, resolve(store).getId(), actor(), reason == null ? "" : reason);
            out.println(RolloutText.line(r, Instant.now()));
            out.flush();
            return 0;
        }
    }

    @Command(name = "revert", mixinStandardHelpOptions = true,
            description = {"Bring the repositories a rollout reached back to the revision it replaced.",
                "As a rollout of its own (revert-<revision>) with that revision's waves; the",
                "reverted rollout is aborted first if it is still going."})
    public static final class Revert extends Base {
        @Override
        int run(KvRollouts store, PrintWriter out) {
            Rollout target = resolve(store);
            try (RepositoryHost host = Hosts.open(config, Optional.empty())) {
                Rollout r = store.revert(org, target.getId(), actor(), host);
                out.println(RolloutText.line(r, Instant.now()));
            }
            out.flush();
            return 0;
        }
    }
}
