package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.tfstate.StateLock;
import dev.orgctl.tfstate.StateLocks;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.StateRecord;
import dev.orgctl.tfstate.StateVersion;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The read-only views: {@code tfstate list}, {@code show NAME}, {@code history NAME}. */
final class TfstateViewCommands {
    private TfstateViewCommands() {
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every state: current version, serial, size, lock holder.")
    static final class ListStates implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Override
        public Integer call() {
            OrgctlConfig config = settings.resolve();
            PrintWriter out = spec.commandLine().getOut();
            try (NatsRuntime nats = TfstateCommand.nats(config)) {
                TfstateCommand.Backend b = TfstateCommand.Backend.open(nats, config);
                Map<StateName, StateLock> locked = b.locks().list().stream()
                        .collect(Collectors.toMap(StateLocks.Held::name, StateLocks.Held::lock));
                var states = b.store().list();
                if (states.isEmpty()) {
                    out.println("no states");
                }
                int w = Math.max(5, states.stream().mapToInt(r -> r.name().length()).max().orElse(5));
                if (!states.isEmpty()) {
                    out.printf("%-" + w + "s  %-7s  %-6s  %-10s  %s%n", "STATE", "VERSION", "SERIAL", "BYTES", "LOCKED BY");
                }
                for (StateRecord r : states) {
                    Optional<StateVersion> v = r.currentVersion();
                    StateLock l = locked.get(new StateName(r.name()));
                    out.printf("%-" + w + "s  %-7s  %-6s  %-10s  %s%n", r.name(),
                            v.map(x -> Long.toString(x.version())).orElse("deleted"),
                            v.map(x -> Long.toString(x.serial())).orElse("-"),
                            v.map(x -> Long.toString(x.size())).orElse("-"), l == null ? "-" : l.subject());
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One state: current version, serial, lineage, size, lock holder with its run link.")
    static final class Show extends TfstateCommand.OnState {
        @Override
        int run(TfstateCommand.Backend b, StateName state, OrgctlConfig config, PrintWriter out) {
            StateRecord r = TfstateCommand.record(b, state);
            out.println("state:    " + r.name());
            Optional<StateVersion> v = r.currentVersion();
            if (v.isEmpty()) {
                out.println("current:  none (deleted; " + r.versions().size() + " versions kept)");
            } else {
                StateVersion c = v.get();
                out.println("current:  version " + c.version() + " of " + r.versions().size() + " kept, written "
                        + c.created() + " by " + c.by() + (c.note().isEmpty() ? "" : " (" + c.note() + ")"));
                out.println("serial:   " + c.serial());
                out.println("lineage:  " + (c.lineage().isEmpty() ? "-" : c.lineage()));
                out.println("size:     " + c.size() + " bytes" + (c.keyId().isEmpty() ? "" : ", encrypted with key "
                        + c.keyId()));
            }
            Optional<StateLock> l = b.locks().holder(state);
            out.println("lock:     " + l.map(x -> TfstateCommand.holder(x, config.github().apiUrl())).orElse("not locked"));
            return 0;
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "The kept versions of a state, oldest first; '*' marks the current one.")
    static final class History extends TfstateCommand.OnState {
        @Override
        int run(TfstateCommand.Backend b, StateName state, OrgctlConfig config, PrintWriter out) {
            StateRecord r = TfstateCommand.record(b, state);
            out.printf("  %-7s  %-6s  %-10s  %-24s  %-20s  %s%n", "VERSION", "SERIAL", "BYTES", "WRITTEN", "BY", "NOTE");
            for (StateVersion v : r.versions()) {
                out.printf("%s %-7d  %-6d  %-10d  %-24s  %-20s  %s%n", v.version() == r.current() ? "*" : " ",
                        v.version(), v.serial(), v.size(), v.created(), v.by(), v.note());
            }
            return 0;
        }
    }
}
