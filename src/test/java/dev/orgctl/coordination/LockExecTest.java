package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.cli.LockCommand;
import dev.orgctl.cli.Main;
import dev.orgctl.testing.SharedNats;
import dev.orgctl.testing.OrgctlProcess;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code orgctl lock list|release|exec} and {@code orgctl status} against a real server. */
class LockExecTest {
    private static final Duration SHORT_TTL = Duration.ofSeconds(2);

    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        TestBuckets.createLockBucket(NATS.connection(), "LOCKS_EXEC", SHORT_TTL);
    }

    /** Runs orgctl in this JVM; returns exit code, stdout and stderr. */
    private record Result(int code, String out, String err) {
    }

    private static Result orgctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        // Configuration flags go before "--" (they belong to orgctl, not to COMMAND).
        int dashes = all.indexOf("--");
        all.addAll(dashes < 0 ? all.size() : dashes, List.of("--nats-url", NATS.url()));
        int code = cli.execute(all.toArray(new String[0]));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void execFromTwoProcessesAtOnceNeverInterleaves() throws Exception {
        Path file = dir.resolve("runs.txt");
        String script = "echo \"start $1\" >> '" + file + "'; sleep 0.2; echo \"end $1\" >> '" + file + "'";
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (String label : List.of("p1", "p2")) {
                children.add(ChildJvm.start(LockExecLoopMain.class, List.of(), true, "4", label, "lock", "exec", "ci/terraform",
                        "--nats-url", NATS.url(), "--bucket", "LOCKS_EXEC", "--kill-after", "100ms", "--wait", "60s",
                        "--", "sh", "-c", script, "sh", "%LABEL%"));
            }
            for (ChildJvm c : children) {
                assertThat(c.waitFor(Duration.ofSeconds(90))).as("exit code of " + c.output()).isZero();
            }
        } finally {
            children.forEach(ChildJvm::close);
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(16);
        for (int i = 0; i < lines.size(); i += 2) {
            String start = lines.get(i);
            String end = lines.get(i + 1);
            assertThat(start).startsWith("start ");
            assertThat(end).as("line %d closes the run opened on line %d", i + 2, i + 1)
                    .isEqualTo("end " + start.substring("start ".length()));
        }
        assertThat(lines).anyMatch(l -> l.startsWith("start p1-")).anyMatch(l -> l.startsWith("start p2-"));
        // The two processes really competed: at least one run had to wait for the other's.
        assertThat(children.stream().flatMap(c -> c.output().stream()))
                .anyMatch(l -> l.contains("lock ci/terraform is held by") && l.contains("waiting up to"));
    }

    @Test
    void aSigkilledLockExecTakesItsCommandWithItSoTheNextHolderNeverOverlaps() throws Exception {
        Path file = dir.resolve("overlap.txt");
        String marker = "orgctl-overlap-" + System.nanoTime();
        String first = "while true; do echo 'tick A' >> '" + file + "'; sleep 0.05; done";
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "\"$@\" & echo $!; exec sleep 600", "keeper"));
        argv.addAll(OrgctlProcess.builder(dir, Map.of(), "lock", "exec", "crash/exec", "--nats-url", NATS.url(),
                "--bucket", "LOCKS_EXEC", "--kill-after", "200ms", "--", "sh", "-c", first, marker).command());
        // Started through a keeper that never reaps it: the killed orgctl stays a zombie, as under a runner
        // that is slow to reap, and its pipes close only because the kernel closes a dead process's files.
        Process keeper = new ProcessBuilder(argv).redirectError(dir.resolve("first.err").toFile()).start();
        try {
            long pid = Long.parseLong(new BufferedReader(new InputStreamReader(keeper.getInputStream(),
                    StandardCharsets.UTF_8)).readLine().trim());
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(file) && Files.readString(file).contains("tick A"));
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL: no shutdown hook, no release
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(Path.of("/proc/" + pid + "/stat"))
                    .replaceFirst("^\\d+ \\(.*\\) ", "").startsWith("Z"));

            Result second = orgctl("lock", "exec", "crash/exec", "--bucket", "LOCKS_EXEC", "--kill-after", "100ms",
                    "--wait", "30s", "--", "sh", "-c", "echo 'B start' >> '" + file + "'; sleep 1; echo 'B end' >> '"
                            + file + "'");
            assertThat(second.code()).as(second.err()).isZero();
            List<String> lines = Files.readAllLines(file);
            int started = lines.indexOf("B start");
            assertThat(started).isPositive();
            assertThat(lines.subList(started, lines.size())).as("the first command ran on in the second's critical section")
                    .containsExactly("B start", "B end");
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker)))
                    .as("the first command outlived its lock holder").isEmpty();
        } finally {
            keeper.destroyForcibly();
            ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                    .forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void execPassesTheExitCodeAndTheTokenAndReleases() throws Exception {
        Path file = dir.resolve("token.txt");
        Result r = orgctl("lock", "exec", "exit/code", "--bucket", "LOCKS_EXEC", "--kill-after", "100ms", "--",
                "sh", "-c", "echo \"$ORGCTL_LOCK_NAME $ORGCTL_LOCK_TOKEN\" > '" + file + "'; exit 7");
        assertThat(r.code()).isEqualTo(7);
        String[] seen = Files.readString(file).trim().split(" ");
        assertThat(seen[0]).isEqualTo("exit/code");
        assertThat(Long.parseLong(seen[1])).isPositive();
        try (LockService locks = TestBuckets.locks(NATS.connection(), "LOCKS_EXEC", "test")) {
            assertThat(locks.inspect("exit/code")).as("released after COMMAND").isEmpty();
        }
    }

    @Test
    void execStopsTheCommandWhenTheLeaseIsLost() throws Exception {
        Path file = dir.resolve("lost.txt");
        String script = "trap 'echo term >> \"" + file + "\"; exit 143' TERM; echo started >> '" + file + "'; "
                + "while true; do sleep 0.05; done";
        CompletableFuture<Result> exec = CompletableFuture.supplyAsync(() -> orgctl("lock", "exec", "lost/lease",
                "--bucket", "LOCKS_EXEC", "--kill-after", "300ms", "--", "sh", "-c", script));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(file) && Files.readString(file).contains("started"));
        try (LockService op = TestBuckets.locks(NATS.connection(), "LOCKS_EXEC", "operator")) {
            LockService.LockInfo held = op.inspect("lost/lease").orElseThrow();
            // Someone else takes over (as after a partition): the holder's next renewal fails.
            assertThat(op.forceRelease("lost/lease", held.revision())).isTrue();
            long t0 = System.nanoTime();
            Result r = exec.get();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(SHORT_TTL.plusSeconds(1));
            assertThat(r.code()).isEqualTo(LockCommand.EXIT_LEASE_LOST);
            assertThat(r.err()).contains("lost the lock lost/lease");
            assertThat(Files.readString(file)).contains("term");
        }
    }

    @Test
    void execKillsACommandThatIgnoresSigterm() throws Exception {
        Path file = dir.resolve("stubborn.txt");
        String script = "trap '' TERM; echo started >> '" + file + "'; while true; do sleep 0.05; done";
        CompletableFuture<Result> exec = CompletableFuture.supplyAsync(() -> orgctl("lock", "exec", "stubborn",
                "--bucket", "LOCKS_EXEC", "--kill-after", "200ms", "--", "sh", "-c", script));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(file) && Files.readString(file).contains("started"));
        try (LockService op = TestBuckets.locks(NATS.connection(), "LOCKS_EXEC", "operator")) {
            op.forceRelease("stubborn", op.inspect("stubborn").orElseThrow().revision());
        }
        Result r = exec.get();
        assertThat(r.code()).isEqualTo(LockCommand.EXIT_LEASE_LOST);
        // No "sh" or "sleep" of the script is left running.
        assertThat(ProcessHandle.current().descendants().filter(p -> p.info().commandLine().orElse("").contains("stubborn")))
                .isEmpty();
    }

    @Test
    void execGivesUpWhenTheLockStaysHeldAndRefusesUnknownLeases() throws Exception {
        try (LockService other = TestBuckets.locks(NATS.connection(), "LOCKS_EXEC", "other")) {
            Lease held = other.tryAcquire("busy/lock", "long job").orElseThrow();
            Result r = orgctl("lock", "exec", "busy/lock", "--bucket", "LOCKS_EXEC", "--kill-after", "100ms",
                    "--wait", "600ms", "--", "true");
            assertThat(r.code()).isEqualTo(LockCommand.EXIT_NOT_ACQUIRED);
            assertThat(r.err()).contains("still held by other").contains("long job");
            held.release();
        }
        Result bad = orgctl("lock", "exec", "x", "--ttl", "45s", "--", "true");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("no lease class of 45s").contains("30s (ORGCTL_LOCKS)").contains("5m (ORGCTL_LOCKS_LONG)");
        Result tooLongGrace = orgctl("lock", "exec", "x", "--bucket", "LOCKS_EXEC", "--kill-after", "5s", "--", "true");
        assertThat(tooLongGrace.code()).isEqualTo(2);
        assertThat(tooLongGrace.err()).contains("--kill-after");
        Result missing = orgctl("lock", "exec", "x", "--bucket", "LOCKS_EXEC", "--kill-after", "100ms", "--",
                dir.resolve("no-such-program").toString());
        assertThat(missing.code()).isEqualTo(LockCommand.EXIT_CANNOT_RUN);
    }

    @Test
    void listAndForcedReleaseWithConfirmation() throws Exception {
        try (LockService holder = LockService.open(NATS.connection(), null, "ORGCTL_LOCKS",
                LockService.Identity.current("ci-runner"), null)) {
            Lease lease = holder.tryAcquire("terraform/prod", "terraform apply").orElseThrow();
            Result list = orgctl("lock", "list");
            assertThat(list.code()).isZero();
            assertThat(list.out()).contains("LOCK").contains("TIME LEFT").contains("terraform/prod").contains("30s")
                    .contains("ci-runner").contains("terraform apply").contains(Long.toString(lease.token()));

            Result noForce = orgctl("lock", "release", "terraform/prod");
            assertThat(noForce.code()).isEqualTo(2);
            assertThat(noForce.err()).contains("--force");

            InputStream stdin = System.in;
            try {
                System.setIn(new ByteArrayInputStream("n\n".getBytes(StandardCharsets.UTF_8)));
                Result declined = orgctl("lock", "release", "terraform/prod", "--force");
                assertThat(declined.code()).isEqualTo(1);
                assertThat(declined.out()).contains("Release lock terraform/prod").contains("ci-runner");
                assertThat(lease.isHeld()).isTrue();
                System.setIn(new ByteArrayInputStream("y\n".getBytes(StandardCharsets.UTF_8)));
                Result confirmed = orgctl("lock", "release", "terraform/prod", "--force");
                assertThat(confirmed.code()).isZero();
                assertThat(confirmed.out()).contains("released lock terraform/prod");
            } finally {
                System.setIn(stdin);
            }
            assertThat(holder.inspect("terraform/prod")).isEmpty();
            assertThat(lease.release()).as("the holder cannot release what it lost").isFalse();

            Lease again = holder.tryAcquire("terraform/prod", "again").orElseThrow();
            Result yes = orgctl("lock", "release", "terraform/prod", "--force", "--yes");
            assertThat(yes.code()).isZero();
            assertThat(again.release()).isFalse();
            Result none = orgctl("lock", "release", "terraform/prod", "--force", "--yes");
            assertThat(none.out()).contains("not held");
        }
    }

    @Test
    void statusShowsTheWholeAttemptAndTheTimeSinceTheTrigger() throws Exception {
        Workflows wf = Workflows.open(NATS.connection(), null, null, "status-test");
        String id = "regen/acme/stuck-for-ten-minutes";
        java.time.Instant tenMinutesAgo = java.time.Instant.now().minus(Duration.ofMinutes(10));
        wf.trigger(id, dev.orgctl.proto.Trigger.newBuilder().setCausationId("d-stuck").setReason("template push")
                .setReceivedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(tenMinutesAgo.getEpochSecond()))
                .build());
        String runId = "job-regen.acme.stuck-for-ten-minutes-d-stuck-123456-12";
        try (LockService locks = TestBuckets.locks(NATS.connection(), "LOCKS_EXEC", "worker")) {
            // Twelve holders in a row, each taking the run over from the one before (attempt 12).
            for (int attempt = 1; attempt <= 12; attempt++) {
                Lease lease = locks.tryAcquire(id, "regen").orElseThrow();
                assertThat(wf.start(id, runId, lease)).isPresent();
                lease.release();
            }
        }
        Result r = orgctl("status", "--state", "running");
        // Gone again, so that the other status test counts only its own workflows.
        NATS.connection().keyValue(dev.orgctl.nats.topology.Topology.WORKFLOWS_BUCKET).purge(KeyCodec.encode(id));
        assertThat(r.code()).isZero();
        String row = r.out().lines().filter(l -> l.contains(id)).findFirst().orElseThrow();
        String[] columns = row.trim().split("\\s+");
        assertThat(r.out()).contains("WORKFLOW").contains("AGE").contains("ATTEMPT").contains("RUN");
        assertThat(columns[1]).as("AGE counts from the trigger, not the last takeover").startsWith("10m");
        assertThat(columns[2]).as("the attempt, whole").isEqualTo("12");
        assertThat(columns[3]).as("the run id, whole").isEqualTo(runId);
    }

    @Test
    void statusShowsWorkflowsByStateAndLocks() throws Exception {
        Workflows wf = Workflows.open(NATS.connection(), null, null, "status-test");
        wf.trigger("regen/acme/pending", dev.orgctl.proto.Trigger.newBuilder().setCausationId("d1").setReason("template push").build());
        wf.transition("regen/acme/failed", dev.orgctl.proto.WorkflowState.PENDING, Change.because("setup"));
        wf.transition("regen/acme/failed", dev.orgctl.proto.WorkflowState.RUNNING, Change.because("setup"));
        wf.transition("regen/acme/failed", dev.orgctl.proto.WorkflowState.FAILED, Change.because("push refused").withError("403"));
        try (LockService holder = LockService.open(NATS.connection(), null, "ORGCTL_LOCKS_LONG",
                LockService.Identity.current("worker"), null)) {
            Lease lease = holder.tryAcquire("regen/acme/api", "regen run").orElseThrow();
            Result r = orgctl("status");
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("Workflows: 2 (running 0, pending 1, failed 1, completed 0)")
                    .contains("PENDING (1)").contains("regen/acme/pending").contains("IDLE -> PENDING: template push")
                    .contains("FAILED (1)").contains("RUNNING -> FAILED: push refused").contains("error: 403")
                    .contains("Locks:").contains("regen/acme/api").contains("5m").contains("regen run");
            Result failedOnly = orgctl("status", "--state", "failed");
            assertThat(failedOnly.out()).contains("FAILED (1)").doesNotContain("PENDING (1)");
            lease.release();
        }
    }
}
