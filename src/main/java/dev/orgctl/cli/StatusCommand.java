package dev.orgctl.cli;

import dev.orgctl.OrgctlException;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.controller.rollout.KvRollouts;
import dev.orgctl.controller.rollout.RolloutText;
import dev.orgctl.controller.rollout.RolloutWorkflow;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.Rollout;
import java.time.Clock;
import dev.orgctl.coordination.CoordinationException;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show each org's current rollout, workflows by state and the held locks.",
            "Workflows: RUNNING, PAUSED, PENDING, FAILED, COMPLETED, each with the time since",
            "it was triggered (AGE), its run's attempt, the time since its last change",
            "and that transition's reason. Locks: holder, age, time left."})
public final class StatusCommand implements Callable<Integer> {
    /** Display order: what needs attention first. */
    private static final List<WorkflowState> ORDER = List.of(WorkflowState.RUNNING, WorkflowState.PAUSED,
            WorkflowState.PENDING, WorkflowState.FAILED, WorkflowState.COMPLETED);

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--state", paramLabel = "STATE", split = ",",
            description = "only workflows in these states (comma-separated: running,paused,pending,failed,completed)")
    List<String> states;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "at most N workflows per state, most recent first (default 20; 0 for all)")
    int limit;

    @Override
    public Integer call() {
        Set<WorkflowState> wanted = wantedStates();
        OrgctlConfig config = settings.resolve();
        PrintWriter out = spec.commandLine().getOut();
        try (NatsRuntime nats = NatsRuntime.open(config, "status", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
            List<WorkflowSnapshot> all;
            try {
                all = Workflows.open(nats, "orgctl status").list();
            } catch (CoordinationException e) {
                out.println("workflows: unavailable (" + e.getMessage() + "); run 'orgctl topology apply'");
                all = List.of();
            }
            printRollouts(out, nats, Instant.now());
            print(out, all, wanted, limit, Instant.now());
            out.println();
            List<String> buckets = new ArrayList<>();
            for (LeaseClass c : LeaseClass.values()) {
                buckets.add(c.bucket());
            }
            out.println("Locks:");
            LockCommand.printLocks(out, nats, buckets);
            return 0;
        }
    }

    /** One line for each org's current rollout (nothing when there is none). */
    static void printRollouts(PrintWriter out, NatsRuntime nats, Instant now) {
        try {
            KvRollouts rollouts = new KvRollouts(nats.keyValue(Topology.ROLLOUTS_BUCKET), Clock.systemUTC(),
                    RolloutWorkflow.NONE);
            List<Rollout> current = new ArrayList<>();
            for (String org : rollouts.orgs()) {
                rollouts.current(org).ifPresent(current::add);
            }
            if (current.isEmpty()) {
                return;
            }
            out.println("Rollouts:");
            current.forEach(r -> out.println("  " + RolloutText.line(r, now)));
            out.println();
        } catch (OrgctlException e) {
            out.println("rollouts: unavailable (" + e.getMessage() + "); run 'orgctl topology apply'");
            out.println();
        }
    }

    private Set<WorkflowState> wantedStates() {
        if (states == null || states.isEmpty()) {
            return Set.copyOf(ORDER);
        }
        Set<WorkflowState> s = new java.util.HashSet<>();
        for (String name : states) {
            String wanted = name.trim().toUpperCase(java.util.Locale.ROOT);
            WorkflowState st = ORDER.stream().filter(o -> o.name().equals(wanted)).findFirst()
                    .orElseThrow(() -> new picocli.CommandLine.ParameterException(spec.commandLine(),
                            "--state " + name + ": use running, paused, pending, failed or completed"));
            s.add(st);
        }
        return s;
    }

    static void print(PrintWriter out, List<WorkflowSnapshot> all, Set<WorkflowState> wanted, int limit, Instant now) {
        Map<WorkflowState, List<WorkflowSnapshot>> by = new EnumMap<>(WorkflowState.class);
        for (WorkflowSnapshot s : all) {
            by.computeIfAbsent(s.state(), k -> new ArrayList<>()).add(s);
        }
        out.println("Workflows: " + all.size() + (all.isEmpty() ? "" : " ("
                // PAUSED is a rollout's state only: named when there is one.
                + ORDER.stream().filter(st -> st != WorkflowState.PAUSED || by.containsKey(st))
                        .map(st -> st.name().toLowerCase(java.util.Locale.ROOT) + " "
                        + by.getOrDefault(st, List.of()).size()).collect(Collectors.joining(", ")) + ")"));
        for (WorkflowState st : ORDER) {
            List<WorkflowSnapshot> list = by.getOrDefault(st, List.of());
            if (!wanted.contains(st) || list.isEmpty()) {
                continue;
            }
            list = new ArrayList<>(list);
            list.sort(Comparator.comparing((WorkflowSnapshot s) -> at(s.record())).reversed());
            out.println();
            out.println(st + " (" + list.size() + ")");
            int w = Math.max(8, list.stream().mapToInt(s -> s.workflowId().length()).max().orElse(8));
            int rw = Math.max(3, list.stream().mapToInt(s -> runOf(s.record()).length()).max().orElse(3));
            String row = "  %-" + w + "s  %-7s  %7s  %-" + rw + "s  %-7s  %s%n";
            out.printf(row, "WORKFLOW", "AGE", "ATTEMPT", "RUN", "CHANGED", "LAST TRANSITION");
            int shown = 0;
            for (WorkflowSnapshot s : list) {
                if (limit > 0 && shown == limit) {
                    out.println("  ... " + (list.size() - shown) + " more (--limit 0 shows all)");
                    break;
                }
                WorkflowRecord r = s.record();
                WorkflowStateEvent last = r.getLastTransition();
                String reason = last.getCurrentState() + " -> " + last.getTargetState() + ": " + last.getReason();
                if (r.getDirty() || r.getCoalesced() > 0) {
                    reason += " [+" + r.getCoalesced() + " coalesced" + (r.getDirty() ? ", follow-up due" : "") + "]";
                }
                if (st == WorkflowState.FAILED && !r.getLastError().isEmpty()) {
                    reason += " | error: " + r.getLastError();
                }
                out.printf(row, s.workflowId(), Ages.format(Duration.between(triggered(r), now)),
                        r.getAttempt() == 0 ? "-" : Integer.toString(r.getAttempt()), runOf(r),
                        Ages.format(Duration.between(at(r), now)), reason);
                shown++;
            }
        }
        out.flush();
    }

    private static Instant at(WorkflowRecord r) {
        var t = r.getLastTransition().hasTimestamp() ? r.getLastTransition().getTimestamp() : r.getUpdatedAt();
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /**
     * When the workflow's current (or last) run was triggered: AGE counts from here, so a run
     * stuck through takeovers shows how long it has really been waiting, not since the last one.
     */
    private static Instant triggered(WorkflowRecord r) {
        if (!r.getTrigger().hasReceivedAt()) {
            return at(r);
        }
        var t = r.getTrigger().getReceivedAt();
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static String runOf(WorkflowRecord r) {
        return r.getRunId().isEmpty() ? "-" : r.getRunId();
    }
}
