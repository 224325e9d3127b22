package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.SampleTemplates;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The controller with a broken template: the broken set fails, per repository, as a FAILED
 * workflow with the error as its reason and a metric, while every other set is applied and
 * nothing is dead-lettered. Then a full reconcile of an org nothing moved in skips every
 * repository unread. Real nats-server, real bare repositories.
 */
class ControllerTemplateErrorsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final CircuitBreaker.Settings LOOSE = new CircuitBreaker.Settings(50, Duration.ofMinutes(10));
    private static final String CODEOWNERS = ".github/CODEOWNERS";

    @Test
    void aBrokenSetFailsItsRepositoriesWorkflowsAndTheOtherSetsStillApply() throws Exception {
        try (OrgFixture f = OrgFixture.start(2, LOOSE)) {
            Workflows workflows = Workflows.open(f.connect(), "test");
            DeadLetters dlq = new DeadLetters(f.runtime.jetStream(),
                    f.runtime.connection().jetStreamManagement(f.runtime.connector().jetStreamOptions()));
            f.pushGit(f.templates, Map.of("templates/github/" + CODEOWNERS, "* @acme/rev-2\n",
                    "templates/broken/broken.yml", "name: <%= repo.nmae %>\n"), "a good change and a broken set");
            await("the good set applied everywhere", WAIT, () -> f.targets.stream()
                    .allMatch(r -> String.valueOf(f.file(r, CODEOWNERS)).contains("@acme/rev-2")));
            for (RepoRef r : f.targets) {
                await(r + " failed", WAIT, () -> workflows.get(JobScheduler.workflowId(r.org(), r.name()))
                        .map(w -> w.state() == WorkflowState.FAILED).orElse(false));
                WorkflowSnapshot w = workflows.get(JobScheduler.workflowId(r.org(), r.name())).orElseThrow();
                assertThat(w.record().getLastError()).contains("template error: acme/.github:templates/broken/"
                        + "broken.yml line 1: unknown variable 'repo.nmae'");
                assertThat(f.file(r, "broken.yml")).isNull();
            }
            assertThat(f.counter("orgctl_controller_template_errors", "set", "broken")).isGreaterThanOrEqualTo(2);
            assertThat(dlq.list()).isEmpty();

            // Fixed: every repository completes, and a reconcile afterwards reads none of them.
            f.pushGit(f.templates, GitTestRepos.files("templates/broken/broken.yml", "name: <%= repo.name %>\n"),
                    "fix the broken set");
            for (RepoRef r : f.targets) {
                await(r + " completed", WAIT, () -> r.name().equals(firstLine(f.file(r, "broken.yml"))));
            }
            f.awaitQuiescence(WAIT);
            Reconciler.Report report = f.controller().reconciler().reconcileAll(OrgFixture.ORG, "test-reconcile");
            assertThat(report.verified()).isEqualTo(f.targets.size());
            assertThat(report.queued()).isZero();
            assertThat(f.counter("orgctl_controller_jobs", "outcome", "failed")).isGreaterThanOrEqualTo(2);
            assertThat(dlq.list()).isEmpty();

            // A repos.<name> entry naming no repository: counted by the reconcile, for an alert to watch.
            f.pushGit(f.templates, GitTestRepos.files("orgctl.yaml", SampleTemplates.ORGCTL_YAML
                    + "repos:\n  no-such-repo:\n    mode: pull-request\n"), "configure a repository that does not exist");
            await("the new templates revision loaded", WAIT, () -> f.controller().reconciler()
                    .reconcileAll(OrgFixture.ORG, "test-reconcile-2").unknownRepos() == 1);
            assertThat(f.controller().metrics().gauge("orgctl_config_unknown_repos", "org", "acme")).isEqualTo(1.0);
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        String body = text.lines().filter(l -> l.startsWith("name: ")).findFirst().orElse("");
        return body.isEmpty() ? "" : body.substring("name: ".length());
    }
}
