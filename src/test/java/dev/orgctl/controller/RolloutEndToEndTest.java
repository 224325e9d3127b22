package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.controller.rollout.KvRollouts;
import dev.orgctl.controller.rollout.RolloutMachine;
import dev.orgctl.controller.rollout.RolloutPlanner;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.hosts.git.HttpDeliverySink;
import dev.orgctl.hosts.git.OutgoingDelivery;
import dev.orgctl.config.Secret;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.regen.TemplateSnapshot;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.WebhookExamples;
import dev.orgctl.testing.WebhookSchemas;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three waves on 40 repositories (git backend, real nats-server, the services of {@code orgctl up}
 * in process, rollout tick 100 ms) with CI simulated by the test: for every commit a wave's runs
 * wrote, a signed, schema-valid {@code check_suite} completed delivery posted to the gateway. Wave 2
 * starts only after wave 1 passed; a failing check pauses the rollout naming the repository and
 * its link; {@code orgctl rollout resume} goes on; a newer revision supersedes a paused rollout; every
 * repository ends at the newest revision with one orgctl commit per revision it was rolled to.
 */
@Timeout(300)
class RolloutEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String CODEOWNERS = "templates/github/.github/CODEOWNERS";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REPOS = 40;

    /**
     * The waves the rollout block of issue 17 would give ({@code select} canaries, then a share, then
     * the rest): the first 4 repositories, the next 12, the other 24. Stands in for orgctl.yaml's
     * {@code rollout} block, which another part of the product parses.
     */
    private static final RolloutPlanner THREE_WAVES = new RolloutPlanner() {
        @Override
        public Optional<Plan> plan(TemplateSnapshot templates, List<RepositoryInfo> targets) {
            List<String> names = targets.stream().map(RepositoryInfo::name).filter(n -> n.startsWith("svc-")).sorted()
                    .toList();
            return Optional.of(new Plan(List.of(wave("canary", names.subList(0, 4)), wave("wave2", names.subList(4, 16)),
                    wave("rest", names.subList(16, names.size()))),
                    RolloutGate.newBuilder().setWait(RolloutMachine.duration(Duration.ofMinutes(10))).build()));
        }

        @Override
        public boolean configured(TemplateSnapshot templates) {
            return true;
        }
    };

    private static RolloutWave wave(String label, List<String> repos) {
        return RolloutWave.newBuilder().setLabel(label).addAllRepos(repos).build();
    }

    /** The simulated CI: answers each commit a rollout's pins name once, with what {@code verdict} says. */
    private static final class Ci {
        final Set<String> answered = ConcurrentHashMap.newKeySet();
        final AtomicBoolean hold = new AtomicBoolean();
        final AtomicLong suites = new AtomicLong(1000);
        final ObjectNode example = (ObjectNode) WebhookExamples.all().stream()
                .filter(e -> e.event().equals("check_suite") && e.action().orElse("").equals("completed"))
                .findFirst().orElseThrow().payload();
        final WebhookSchemas schemas = WebhookSchemas.load();
        final HttpDeliverySink sink;
        volatile BiFunction<String, String, String> verdict = (repo, rev) -> "success";

        final OrgFixture fixture;

        Ci(OrgFixture f) {
            fixture = f;
            sink = new HttpDeliverySink(f.started.gateway().url().resolve("/webhooks/github"),
                    Secret.of(OrgFixture.SECRET));
        }

        void answer(KvRollouts store) {
            if (hold.get()) {
                return;
            }
            for (RolloutPin p : store.pins(OrgFixture.ORG)) {
                if (p.getCommit().isEmpty() || !answered.add(p.getCommit())) {
                    continue;
                }
                try {
                    deliver(p.getRepo(), p.getCommit(), verdict.apply(p.getRepo(), p.getRevision()));
                } catch (Exception e) {
                    answered.remove(p.getCommit());
                    throw new AssertionError(e);
                }
            }
        }

        private String message(String repo, String sha) throws java.io.IOException {
            try (org.eclipse.jgit.lib.Repository r = fixture.repos.open(new dev.orgctl.hosts.RepoRef(OrgFixture.ORG, repo));
                 org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(r)) {
                return walk.parseCommit(org.eclipse.jgit.lib.ObjectId.fromString(sha)).getFullMessage();
            }
        }

        void deliver(String repo, String sha, String conclusion) throws Exception {
            long id = suites.incrementAndGet();
            ObjectNode body = example.deepCopy();
            ObjectNode suite = (ObjectNode) body.get("check_suite");
            suite.put("id", id).put("head_sha", sha).put("status", "completed").put("conclusion", conclusion);
            // GitHub names the commit checked, message included (orgctl keeps results of its own commits only).
            ((ObjectNode) suite.get("head_commit")).put("id", sha).put("message", message(repo, sha));
            ObjectNode repository = (ObjectNode) body.get("repository");
            repository.put("name", repo).put("full_name", OrgFixture.ORG + "/" + repo)
                    .put("html_url", "https://example.test/" + OrgFixture.ORG + "/" + repo);
            // The example predates fields the schema now requires of a repository.
            repository.put("is_template", false).put("web_commit_signoff_required", false).put("visibility", "public");
            repository.putArray("topics");
            repository.putObject("custom_properties");
            ((ObjectNode) repository.get("owner")).put("login", OrgFixture.ORG);
            if (body.has("organization")) {
                ((ObjectNode) body.get("organization")).put("login", OrgFixture.ORG);
            }
            byte[] bytes = JSON.writeValueAsBytes(body);
            assertThat(schemas.violations("check_suite", bytes)).as("a schema-valid check_suite delivery").isEmpty();
            sink.deliver(new OutgoingDelivery("check_suite", java.util.UUID.randomUUID().toString(), bytes, repo));
        }
    }

    @Test
    void threeWavesGatedByCiPausedResumedAndSuperseded() throws Exception {
        try (OrgFixture f = OrgFixture.create(REPOS, SampleTemplates.files())) {
            f.startServices(ControllerSettings.defaults().withReconcile(Optional.empty())
                    .withRollout(new ControllerSettings.RolloutTiming(Duration.ofMillis(100), Duration.ofSeconds(30))),
                    THREE_WAVES);
            KvRollouts store = f.controller().rollouts();
            Ci ci = new Ci(f);
            List<RepoRef> canaries = f.targets.subList(0, 4);
            List<RepoRef> second = f.targets.subList(4, 16);
            List<RepoRef> rest = f.targets.subList(16, REPOS);

            // Revision 1: wave 1 regenerated, its CI held back: the rollout gates and wave 2 waits.
            ci.hold.set(true);
            String rev1 = f.pushGit(f.templates, GitTestRepos.files(CODEOWNERS, "* @acme/rev-1\n"), "rev 1");
            await("wave 1 gating", WAIT, () -> state(store, rev1, RolloutState.ROLLOUT_GATING, 0));
            assertThat(canaries).allMatch(r -> f.orgctlCommits(r) == 1);
            f.awaitQuiescence(WAIT);
            assertThat(state(store, rev1, RolloutState.ROLLOUT_GATING, 0)).as("no CI result: still gating").isTrue();
            assertThat(second).as("wave 2 before wave 1 passed").allMatch(r -> f.orgctlCommits(r) == 0);
            assertThat(store.pins(OrgFixture.ORG)).hasSize(4);

            // Wave 1 passes; in wave 2 one repository's CI fails: paused, the failure named with its link.
            ci.verdict = (repo, rev) -> repo.equals("svc-07") ? "failure" : "success";
            ci.hold.set(false);
            await("wave 2 paused", WAIT, () -> {
                ci.answer(store);
                return state(store, rev1, RolloutState.ROLLOUT_PAUSED, 1);
            });
            Rollout paused = store.get(OrgFixture.ORG, rev1).orElseThrow();
            assertThat(paused.getWaves(0).getOutcome()).isEqualTo("passed");
            assertThat(paused.getFailuresList()).hasSize(1);
            assertThat(paused.getFailures(0).getRepo()).isEqualTo("svc-07");
            assertThat(paused.getFailures(0).getConclusion()).isEqualTo("failure");
            assertThat(paused.getFailures(0).getUrl()).startsWith("https://example.test/acme/svc-07/commit/")
                    .contains("/checks?check_suite_id=");
            assertThat(second).allMatch(r -> f.orgctlCommits(r) == 1);
            ControllerMetrics metrics = f.controller().metrics();
            await("the metrics of the paused rollout", WAIT, () -> metrics.gauge("orgctl_rollout_wave", "org", "acme") == 2
                    && metrics.gauge("orgctl_rollout_repositories", "state", "failed") == 1
                    && metrics.gauge("orgctl_rollout_repositories", "state", "passed") == 15
                    && metrics.gauge("orgctl_rollout_repositories", "state", "waiting") == 24);
            f.awaitQuiescence(WAIT);
            assertThat(rest).as("wave 3 while paused").allMatch(r -> f.orgctlCommits(r) == 0);
            assertThat(workflowState(f, rev1)).isEqualTo(WorkflowState.PAUSED);

            // orgctl rollout resume (the CLI, default REV: the current rollout): wave 3, then completed.
            Map<String, String> env = OrgFixture.env(f.nats.url(), f.gitRoot, f.root.resolve("cli-data"), 0);
            OrgctlProcess.Result resumed = OrgctlProcess.run(f.root, env, "rollout", "resume");
            assertThat(resumed.exitCode()).as(resumed.err()).isZero();
            assertThat(resumed.out()).contains("rollout acme " + rev1.substring(0, 12) + ": ");
            ci.verdict = (repo, rev) -> "success";
            await("revision 1 completed", WAIT, () -> {
                ci.answer(store);
                return state(store, rev1, RolloutState.ROLLOUT_COMPLETED, 2);
            });
            assertThat(store.stable(OrgFixture.ORG)).contains(rev1);
            assertThat(f.targets).allMatch(r -> f.orgctlCommits(r) == 1);
            assertThat(workflowState(f, rev1)).isEqualTo(WorkflowState.COMPLETED);

            // Revision 2 fails in a canary and pauses; revision 3 supersedes it and reaches everyone.
            ci.verdict = (repo, rev) -> repo.equals("svc-03") ? "failure" : "success";
            String rev2 = f.pushGit(f.templates, GitTestRepos.files(CODEOWNERS, "* @acme/rev-2\n"), "rev 2");
            await("revision 2 paused in wave 1", WAIT, () -> {
                ci.answer(store);
                return state(store, rev2, RolloutState.ROLLOUT_PAUSED, 0);
            });
            assertThat(store.get(OrgFixture.ORG, rev2).orElseThrow().getFailures(0).getRepo()).isEqualTo("svc-03");
            f.awaitQuiescence(WAIT);
            assertThat(second).as("wave 2 of a paused revision").allMatch(r -> f.orgctlCommits(r) == 1);

            ci.verdict = (repo, rev) -> "success";
            String rev3 = f.pushGit(f.templates, GitTestRepos.files(CODEOWNERS, "* @acme/rev-3\n"), "rev 3");
            await("revision 3 completed", Duration.ofSeconds(150), () -> {
                ci.answer(store);
                return state(store, rev3, RolloutState.ROLLOUT_COMPLETED, 2);
            });
            Rollout superseded = store.get(OrgFixture.ORG, rev2).orElseThrow();
            assertThat(superseded.getState()).isEqualTo(RolloutState.ROLLOUT_SUPERSEDED);
            assertThat(superseded.getSupersededBy()).isEqualTo(rev3);
            assertThat(store.currentId(OrgFixture.ORG)).contains(rev3);
            assertThat(store.stable(OrgFixture.ORG)).contains(rev3);
            f.awaitQuiescence(WAIT);

            assertThat(metrics.count("orgctl_rollout_gate_failures", "org", "acme")).isEqualTo(2.0);
            assertThat(metrics.count("orgctl_rollout_transitions", "state", "paused")).isEqualTo(2.0);
            assertThat(metrics.count("orgctl_rollout_transitions", "state", "completed")).isEqualTo(2.0);
            await("no wave going", WAIT, () -> metrics.gauge("orgctl_rollout_wave", "org", "acme") == 0);

            List<String> wrong = new ArrayList<>();
            for (RepoRef r : f.targets) {
                String codeowners = f.file(r, ".github/CODEOWNERS");
                long expected = canaries.contains(r) ? 3 : 2; // revisions 1, (2,) 3
                if (codeowners == null || !codeowners.contains("@acme/rev-3") || f.orgctlCommits(r) != expected) {
                    wrong.add(r.name() + ": " + f.orgctlCommits(r) + " orgctl commits, CODEOWNERS " + codeowners);
                }
            }
            assertThat(wrong).as("every repository at the newest revision, one commit per revision").isEmpty();
        }
    }

    private static boolean state(KvRollouts store, String id, RolloutState state, int wave) {
        return store.get(OrgFixture.ORG, id).map(r -> r.getState() == state && r.getWave() == wave).orElse(false);
    }

    private static WorkflowState workflowState(OrgFixture f, String id) {
        return dev.orgctl.coordination.Workflows.open(f.runtime, "test")
                .get(dev.orgctl.controller.rollout.RolloutWorkflow.workflowId(OrgFixture.ORG, id)).orElseThrow().state();
    }
}
