package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.Provenance;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.ShortLeases;
import dev.orgctl.testing.UpProcess;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ControllerScaleOutTest} with {@code ORGCTL_BACKEND=github}: two {@code orgctl up}
 * processes share one NATS and one {@link GitHubFake}, whose org webhook delivers to replica #1's
 * gateway (a load balancer would pick one too). Each replica has its own token, so the fake knows
 * who writes. A template push fans out to every repository; replica #0 is SIGKILLed the moment its
 * first commit mutation reaches the fake, which executes that mutation only after #0 is dead: the
 * commit lands, but #0 never records it nor ends its run. #1 must take the run over and find
 * nothing left to do: exactly one commit and one write per repository.
 */
@Timeout(120)
class GitHubScaleOutTest {
    private static final int REPOS = 8;
    private static final String SECRET = "scale-out-webhook-secret";
    private static final String MARKER = "@acme/github-scale-out";

    @Test
    void twoReplicasAndASigkillMidWriteCommitOncePerRepository() throws Exception {
        Path root = Files.createTempDirectory("orgctl-gh-scale-out-");
        try (GitHubFake fake = GitHubFake.start();
             NatsServerFixture nats = NatsServerFixture.start().withTopology();
             Connection conn = nats.connect()) {
            FakeOrg acme = fake.createOrg("acme");
            FakeRepo templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
            List<FakeRepo> targets = new ArrayList<>();
            for (int i = 1; i <= REPOS; i++) {
                targets.add(acme.createRepo(RepoSpec.named(String.format("svc-%02d", i))));
            }
            // The killed replica's locks and jobs come back after 4 s and 6 s instead of 30 s and 120 s.
            ShortLeases.apply(conn, Duration.ofSeconds(6), Duration.ofSeconds(4));

            List<UpProcess> replicas = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Map<String, String> env = new HashMap<>(fake.environment("acme",
                            fake.createToken("replica-" + i, "repo", "workflow", "admin:org_hook")));
                    env.put("NATS_URL", nats.url());
                    env.put("GITHUB_WEBHOOK_SECRET", SECRET);
                    replicas.add(UpProcess.start(root, Integer.toString(i), env, "--reconcile-every", "0",
                            "--workers", "2"));
                }
                for (UpProcess r : replicas) {
                    await("orgctl up (pid " + r.process().pid() + ") ready", Duration.ofSeconds(60), r::ready);
                }
                UpProcess victim = replicas.get(0);
                UpProcess survivor = replicas.get(1);
                acme.addHook(survivor.webhookUrl(), SECRET, List.of("push", "repository"));

                CompletableFuture<List<String>> killedDuring = new CompletableFuture<>();
                AtomicBoolean killing = new AtomicBoolean();
                fake.beforeEachMutation(login -> {
                    if (login.equals("replica-0") && killing.compareAndSet(false, true)) {
                        try {
                            killedDuring.complete(killMidWrite(conn, victim));
                        } catch (RuntimeException e) {
                            killedDuring.completeExceptionally(e);
                        }
                    }
                });
                String rev = templates.push("main", Person.of("alice"), "CODEOWNERS for the scale-out test",
                        Map.of("templates/github/.github/CODEOWNERS", "* <%= vars.owners %> " + MARKER + "\n"));
                List<String> running = killedDuring.get(30, TimeUnit.SECONDS);
                fake.beforeEachMutation(null);
                assertThat(running).as("runs #0 held when it died").isNotEmpty();

                await("every repository regenerated", Duration.ofSeconds(40), () -> survivor.ready()
                        && targets.stream().allMatch(r -> r.file("main", ".github/CODEOWNERS")
                                .filter(s -> s.contains(MARKER)).isPresent()));
                awaitQuiescence(conn, targets);

                for (FakeRepo r : targets) {
                    Map<String, Long> perRevision = r.log("main").stream()
                            .filter(c -> Provenance.isOrgctlCommit(c.message()))
                            .collect(Collectors.groupingBy(
                                    c -> Provenance.trailers(c.message()).getOrDefault(Provenance.TEMPLATE_REV, ""),
                                    Collectors.counting()));
                    assertThat(perRevision).as(r.name() + ": orgctl commits per template revision")
                            .isEqualTo(Map.of(rev, 1L));
                    // One createCommitOnBranch: no second attempt, not even one the fence refused.
                    assertThat(r.stats().writes()).as(r.name() + ": API writes").isEqualTo(1);
                }
                Map<String, WorkflowRecord> workflows = regenWorkflows(conn);
                assertThat(workflows).hasSize(REPOS);
                assertThat(workflows.values()).allMatch(w -> w.getState() == WorkflowState.COMPLETED,
                        "every regeneration workflow completed");
                for (String wf : running) {
                    WorkflowRecord taken = workflows.get(wf);
                    System.out.println("github scale-out: #0 died running " + wf + "; it ended " + taken.getState()
                            + " at attempt " + taken.getAttempt() + " by " + taken.getOwner());
                    assertThat(taken.getAttempt()).as("taken over: " + taken).isGreaterThanOrEqualTo(2);
                    assertThat(taken.getOwner()).startsWith(survivor.actor());
                }
            } finally {
                fake.beforeEachMutation(null);
                for (UpProcess r : replicas) {
                    r.close();
                }
            }
        } finally {
            NatsServerFixture.deleteTree(root);
        }
    }

    /**
     * SIGKILLs the victim while its mutation waits in the fake, and returns the workflows whose runs
     * it held then (RUNNING, owned by it); the mutation is executed after this returns.
     */
    private static List<String> killMidWrite(Connection conn, UpProcess victim) {
        try {
            victim.kill();
            if (!victim.awaitExit(Duration.ofSeconds(10))) {
                throw new IllegalStateException("orgctl up #0 did not die");
            }
            return regenWorkflows(conn).values().stream()
                    .filter(w -> w.getState() == WorkflowState.RUNNING && w.getOwner().startsWith(victim.actor()))
                    .map(WorkflowRecord::getWorkflowId).toList();
        } catch (Exception e) {
            throw new IllegalStateException("could not kill orgctl up #0 mid-write", e);
        }
    }

    /** Nothing pending or unacknowledged on both controller consumers, and no head moving, for 2 s. */
    private static void awaitQuiescence(Connection conn, List<FakeRepo> targets) throws InterruptedException {
        String last = "";
        long quietSince = System.nanoTime();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no quiescence within 30 s");
            }
            long pending = OrgFixture.pendingWork(conn);
            String heads = targets.stream().map(r -> r.requireHead("main")).collect(Collectors.joining(","));
            if (pending > 0 || !heads.equals(last)) {
                last = heads;
                quietSince = System.nanoTime();
            }
            Thread.sleep(100);
        }
    }

    private static Map<String, WorkflowRecord> regenWorkflows(Connection conn) throws Exception {
        KeyValue kv = conn.keyValue(Topology.WORKFLOWS_BUCKET);
        Map<String, WorkflowRecord> out = new HashMap<>();
        for (String key : kv.keys()) {
            KeyValueEntry e = kv.get(key);
            if (e != null && e.getValue() != null) {
                WorkflowRecord w = WorkflowRecord.parseFrom(e.getValue());
                if (w.getWorkflowId().startsWith("regen/")) {
                    out.put(w.getWorkflowId(), w);
                }
            }
        }
        return out;
    }
}
