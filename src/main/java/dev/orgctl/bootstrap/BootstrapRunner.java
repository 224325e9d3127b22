package dev.orgctl.bootstrap;

import dev.orgctl.bootstrap.StageResult.Status;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stages in order, doing only what is not done yet. Each stage's start is recorded
 * before its work, so a process killed inside a stage leaves "started" behind and the next run
 * resumes in that stage; stages are idempotent, so redoing the interrupted one is safe.
 *
 * <p>The KV lease ({@link BootstrapLease}) is taken as soon as NATS answers, before any stage
 * writes to it: at the start when NATS is already there, else right after the nats stage has
 * started or found the server. Taking it adopts the state in the bucket, which is the truth from
 * then on. A run that cannot get it stops with {@link LeaseUnavailableException} and records nothing.
 */
public final class BootstrapRunner {
    private static final Logger log = LoggerFactory.getLogger(BootstrapRunner.class);

    private final List<Stage> stages;
    private final StateStores stores;

    public BootstrapRunner(List<Stage> stages, StateStores stores) {
        this.stages = List.copyOf(stages);
        this.stores = stores;
    }

    /** Which stages to consider. */
    public record Selection(Optional<StageName> from, Optional<StageName> only) {
        public static Selection all() {
            return new Selection(Optional.empty(), Optional.empty());
        }

        boolean includes(StageName s) {
            if (only.isPresent()) {
                return only.get() == s;
            }
            return from.map(f -> s.compareTo(f) >= 0).orElse(true);
        }

        /** {@code --from} and {@code --only} redo their stages even when recorded as done. */
        boolean forces(StageName s) {
            return (only.isPresent() || from.isPresent()) && includes(s);
        }
    }

    /** What one run did. {@code acted} is false when everything was already done. */
    public record Report(List<StageResult> results, boolean acted) {
        public Report {
            results = List.copyOf(results);
        }
    }

    public Report run(BootstrapContext ctx, Selection selection) {
        BootstrapState state = stores.loadLocal();
        ctx.state(state);
        // What this run records before NATS answers; laid over the bucket's state when it is adopted.
        Map<StageName, StageResult> thisRun = new EnumMap<>(StageName.class);
        // NATS already answers (a re-run, or a NATS_URL): the lease first, and the bucket's state is the truth.
        state = stores.hold(ctx, state, thisRun, false);
        PrintWriter out = ctx.out();
        List<StageResult> results = new ArrayList<>();
        boolean acted = false;
        int n = 0;
        for (Stage stage : stages) {
            n++;
            StageName name = stage.name();
            if (!selection.includes(name)) {
                continue;
            }
            boolean due = !state.complete(name) || selection.forces(name);
            if (due && writesToNats(name, state)) {
                // Outside the stage's try: not getting the lease is not a failure of this stage.
                state = stores.hold(ctx, state, thisRun, true);
                due = !state.complete(name) || selection.forces(name);
            }
            if (!due) {
                StageResult r = state.result(name).orElseThrow();
                out.printf("[%d/%d] %-16s already %s (%s)%n", n, stages.size(), name.id(),
                        r.status() == Status.ADOPTED ? "adopted" : "done", r.at());
                out.flush();
                results.add(r);
                continue;
            }
            acted = true;
            out.printf("[%d/%d] %-16s ", n, stages.size(), name.id());
            out.flush();
            long t0 = System.nanoTime();
            StageResult result;
            try {
                stage.precondition(ctx);
                state = record(ctx, state, thisRun, StageResult.of(name, Status.STARTED, ctx.by(), Map.of(),
                        Optional.empty()));
                Stage.Outcome outcome = stage.apply(ctx);
                // Recorded before verifying: verification (and a run resumed after a crash) reads these details.
                state = record(ctx, state, thisRun, StageResult.of(name, Status.STARTED, ctx.by(), outcome.details(),
                        Optional.empty()));
                if (name == StageName.NATS) {
                    // NATS answers from here: take the lease before anything is written to it.
                    state = stores.hold(ctx, state, thisRun, true);
                }
                Optional<String> problem = stage.verify(ctx);
                if (problem.isPresent()) {
                    throw new BootstrapException("verification failed: " + problem.get());
                }
                Map<String, String> details = new LinkedHashMap<>(outcome.details());
                details.put("summary", outcome.summary());
                result = StageResult.of(name, outcome.adopted() ? Status.ADOPTED : Status.DONE, ctx.by(), details,
                        Optional.empty());
                state = record(ctx, state, thisRun, result);
                out.printf("%s in %s: %s%n", outcome.adopted() ? "adopted" : "done", seconds(t0), outcome.summary());
                out.flush();
                results.add(result);
            } catch (LeaseUnavailableException e) {
                // Another bootstrap acts: the stage stays as recorded (started), for the one that holds the lease.
                out.printf("stopped after %s%n", seconds(t0));
                out.flush();
                throw e;
            } catch (RuntimeException e) {
                String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                result = StageResult.of(name, Status.FAILED, ctx.by(), Map.of(), Optional.of(message));
                out.printf("FAILED after %s%n", seconds(t0));
                out.flush();
                try {
                    // Never takes the lease: recorded in the bucket only while this run still holds it.
                    stores.saveFailure(ctx, state.with(result));
                } catch (RuntimeException recordFailure) {
                    log.atWarn().addKeyValue("stage", name.id()).addKeyValue("error", recordFailure.getMessage())
                            .log("could not record the stage failure");
                }
                results.add(result);
                throw new StageFailedException("stage " + name.id() + " failed: " + message
                        + " (fix it and re-run 'orgctl bootstrap': it resumes at " + name.id() + ")", e,
                        new Report(results, true), notRunAfter(name, selection));
            }
        }
        return new Report(results, acted);
    }

    /**
     * Whether running {@code stage} may write to NATS: every stage after the nats stage, and any
     * stage once the state lives in the bucket. The nats stage itself takes the lease once the
     * server it starts or finds answers.
     */
    private static boolean writesToNats(StageName stage, BootstrapState state) {
        return stage != StageName.NATS && (stage.compareTo(StageName.NATS) > 0 || StateStores.inNats(state));
    }

    /** The selected stages after {@code failed}: the run stopped before reaching them. */
    private List<StageName> notRunAfter(StageName failed, Selection selection) {
        return stages.stream().map(Stage::name).filter(s -> s.compareTo(failed) > 0 && selection.includes(s))
                .toList();
    }

    private BootstrapState record(BootstrapContext ctx, BootstrapState state, Map<StageName, StageResult> thisRun,
                                  StageResult r) {
        BootstrapState next = state.with(r);
        stores.save(ctx, next);
        thisRun.put(r.stage(), r);
        ctx.state(next);
        log.atInfo().addKeyValue("stage", r.stage().id()).addKeyValue("status", r.status()).log("bootstrap stage recorded");
        return next;
    }

    /** Each stage and what it would do now; changes nothing. */
    public List<String> plan(BootstrapContext ctx, Selection selection) {
        BootstrapState state = stores.load(ctx);
        ctx.state(state);
        List<String> lines = new ArrayList<>();
        for (Stage stage : stages) {
            if (!selection.includes(stage.name())) {
                continue;
            }
            String what = state.complete(stage.name()) && !selection.forces(stage.name())
                    ? "nothing (done " + state.result(stage.name()).orElseThrow().at() + ")"
                    : stage.plan(ctx);
            lines.add(String.format("%-16s %s", stage.name().id(), what));
        }
        return lines;
    }

    /** Re-runs every verification; the failing stages with what is wrong. */
    public Map<StageName, String> verify(BootstrapContext ctx) {
        BootstrapState state = stores.load(ctx);
        ctx.state(state);
        Map<StageName, String> failures = new LinkedHashMap<>();
        for (Stage stage : stages) {
            try {
                stage.verify(ctx).ifPresent(p -> failures.put(stage.name(), p));
            } catch (RuntimeException e) {
                failures.put(stage.name(), e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
        return failures;
    }

    private static String seconds(long t0) {
        return String.format("%.1fs", (System.nanoTime() - t0) / 1e9);
    }
}
