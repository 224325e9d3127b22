package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.Provenance;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.OrgctlProcess;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerConfiguration;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two {@code orgctl up} processes (child JVMs, git backend, reconcile off) share one NATS; one is
 * SIGKILLed while the regeneration of a template change is under way. The survivor finishes:
 * every repository ends right, none got two orgctl commits for one template revision, nothing is
 * left unacknowledged.
 */
@Timeout(240)
class ControllerScaleOutTest {
    private static final int REPOS = 16;
    private static final String MARKER = "@acme/scale-out";

    @Test
    void twoControllersAndASigkillMidRun() throws Exception {
        try (OrgFixture f = OrgFixture.create(REPOS, SampleTemplates.files())) {
            f.connect();
            // The job's lease is the consumer's ack wait (120 s in production); shorten it so the
            // killed process's jobs and deliveries come back within the test's time.
            JetStreamManagement jsm = f.runtime.connection().jetStreamManagement();
            for (String[] sc : new String[][] {{Topology.EVENTS_STREAM, Topology.CONTROLLER_CONSUMER},
                    {Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER}}) {
                ConsumerConfiguration cc = jsm.getConsumerInfo(sc[0], sc[1]).getConsumerConfiguration();
                jsm.addOrUpdateConsumer(sc[0], ConsumerConfiguration.builder(cc).ackWait(Duration.ofSeconds(15)).build());
            }
            List<Process> processes = new ArrayList<>();
            List<Path> dataDirs = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    int port = freePort();
                    Path data = Files.createDirectories(f.root.resolve("data-" + i));
                    Map<String, String> env = OrgFixture.env(f.nats.url(), f.gitRoot, data, port);
                    ProcessBuilder pb = OrgctlProcess.builder(f.root, env, "up", "--reconcile-every", "0",
                            "--watch-interval", "100ms", "--workers", "2");
                    pb.redirectErrorStream(true).redirectOutput(f.root.resolve("up-" + i + ".log").toFile());
                    processes.add(pb.start());
                    dataDirs.add(data);
                    ports.add(port);
                }
                for (int i = 0; i < 2; i++) {
                    int port = ports.get(i);
                    Path initialized = dataDirs.get(i).resolve("git-watcher").resolve("initialized");
                    Process p = processes.get(i);
                    await("orgctl up #" + i + " ready with its watcher's baseline", Duration.ofSeconds(90),
                            () -> {
                                if (!p.isAlive()) {
                                    throw new AssertionError("orgctl up #" + p.pid() + " exited: " + log(f, p, processes));
                                }
                                return ready(port) && Files.exists(initialized);
                            });
                }

                String rev = f.pushGit(f.templates, GitTestRepos.files("templates/github/.github/CODEOWNERS",
                        "* <%= vars.owners %> " + MARKER + "\n"), "codeowners for the scale-out test");
                // SIGKILL #0 the moment one of its workers has a run RUNNING (seen through a watch of
                // the workflows bucket): it dies holding the repository's lock and the job unacked.
                Process victim = processes.get(0);
                String victimActor = "controller@" + victim.pid();
                java.util.concurrent.CompletableFuture<String> killedDuring = new java.util.concurrent.CompletableFuture<>();
                io.nats.client.KeyValue workflowsKv = f.runtime.keyValue(Topology.WORKFLOWS_BUCKET);
                io.nats.client.impl.NatsKeyValueWatchSubscription watch = workflowsKv.watchAll(
                        new io.nats.client.api.KeyValueWatcher() {
                            @Override
                            public void watch(io.nats.client.api.KeyValueEntry e) {
                                try {
                                    if (e.getValue() == null || killedDuring.isDone()) {
                                        return;
                                    }
                                    WorkflowRecord w = WorkflowRecord.parseFrom(e.getValue());
                                    if (w.getState() == WorkflowState.RUNNING && w.getOwner().startsWith(victimActor)) {
                                        victim.toHandle().destroyForcibly();
                                        killedDuring.complete(w.getWorkflowId());
                                    }
                                } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
                                    // not a workflow record
                                }
                            }

                            @Override
                            public void endOfData() {
                            }
                        }, io.nats.client.api.KeyValueWatchOption.UPDATES_ONLY);
                String runningAtKill;
                try {
                    runningAtKill = killedDuring.get(90, java.util.concurrent.TimeUnit.SECONDS);
                } finally {
                    watch.unsubscribe();
                }
                assertTrue(victim.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
                int doneAtKill = (int) f.targets.stream().filter(r -> f.orgctlCommits(r) > 0).count();
                System.out.println("scale-out: killed orgctl up #0 while running " + runningAtKill + ", with "
                        + doneAtKill + "/" + REPOS + " repositories regenerated");

                await("every repository regenerated by the survivor", Duration.ofSeconds(150), () -> {
                    if (!processes.get(1).isAlive()) {
                        throw new AssertionError("the surviving orgctl up exited");
                    }
                    return f.targets.stream().allMatch(r -> {
                        String s = f.file(r, ".github/CODEOWNERS");
                        return s != null && s.contains(MARKER);
                    });
                });
                f.awaitQuiescence(Duration.ofSeconds(2), Duration.ofSeconds(90));

                for (RepoRef r : f.targets) {
                    Map<String, Long> perRevision = f.log(r).stream()
                            .filter(c -> Provenance.isOrgctlCommit(c.getFullMessage()))
                            .collect(Collectors.groupingBy(c -> OrgFixture.trailer(c, "Orgctl-Template-Rev"),
                                    Collectors.counting()));
                    assertEquals(Map.of(rev, 1L), perRevision, r + ": one orgctl commit for the revision");
                    String ci = f.file(r, ".github/workflows/ci.yml");
                    assertTrue(ci.contains("REPO: acme/" + r.name()) && ci.contains("${{ matrix.os }}"), ci);
                    assertTrue(f.file(r, ".github/CODEOWNERS").contains("* @acme/platform " + MARKER));
                }
                assertEquals(0, f.pendingWork(), "nothing left unacknowledged");
                List<String> unfinished = Workflows.open(f.runtime, "test").list().stream()
                        .filter(w -> w.workflowId().startsWith("regen/"))
                        .filter(w -> w.state() != WorkflowState.COMPLETED)
                        .map(w -> w.workflowId() + "=" + w.state()).toList();
                assertEquals(List.of(), unfinished, "every regeneration workflow completed (killed at "
                        + doneAtKill + "/" + REPOS + ")");
                // The run the killed process held was taken over by the survivor once its lease ran out.
                WorkflowRecord taken = Workflows.open(f.runtime, "test").get(runningAtKill).orElseThrow().record();
                System.out.println("scale-out: " + runningAtKill + " ended " + taken.getState() + " at attempt "
                        + taken.getAttempt() + " by " + taken.getOwner());
                // (In the rare case the run ended in the instant between the watch and the signal, the
                // victim completed it itself; anything else is a lost run.)
                boolean takenOver = taken.getAttempt() >= 2 && !taken.getOwner().startsWith(victimActor);
                boolean finishedBeforeDeath = taken.getAttempt() == 1 && taken.getOwner().startsWith(victimActor);
                assertTrue(taken.getState() == WorkflowState.COMPLETED && (takenOver || finishedBeforeDeath),
                        "the killed process's run was taken over: " + taken);
            } finally {
                for (Process p : processes) {
                    p.toHandle().destroyForcibly();
                    p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
        }
    }

    private static String log(OrgFixture f, Process p, List<Process> all) {
        try {
            return Files.readString(f.root.resolve("up-" + all.indexOf(p) + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static boolean ready(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/readyz")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
