package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.testing.OrgctlProcess;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code orgctl dlq list} and {@code orgctl dlq redrive}, run as the CLI (child JVM) against a
 * running controller: a job stopped by the circuit breaker and a delivery that is not JSON.
 */
@Timeout(180)
class DlqCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void listAndRedriveJobsAndDeliveries() throws Exception {
        // Breaker 1/10m: the first repair commit of a repository opens its breaker.
        try (OrgFixture f = OrgFixture.start(2, new CircuitBreaker.Settings(1, Duration.ofMinutes(10)))) {
            RepoRef victim = f.targets.get(0);
            f.pushGit(f.templates, GitTestRepos.files("templates/github/.github/CODEOWNERS",
                    "* <%= vars.owners %> @acme/dlq\n"), "codeowners");
            await("regenerated", WAIT, () -> f.targets.stream().allMatch(r -> f.orgctlCommits(r) == 1));
            f.awaitQuiescence(WAIT);
            String generated = f.file(victim, ".github/CODEOWNERS");
            // Commits that follow a person's template push do not count; a drift repair does: the first
            // repair opens the breaker, the second drift is stopped by it.
            f.pushGit(victim, GitTestRepos.files(".github/CODEOWNERS", "* @first-taker\n"), "take over once");
            await("the first drift repaired", WAIT, () -> f.orgctlCommits(victim) == 2
                    && generated.equals(f.file(victim, ".github/CODEOWNERS")));
            f.awaitQuiescence(WAIT);
            f.pushGit(victim, GitTestRepos.files(".github/CODEOWNERS", "* @someone-else\n"), "take over");
            DeadLetters dlq = new DeadLetters(f.runtime.jetStream(),
                    f.runtime.connection().jetStreamManagement(f.runtime.connector().jetStreamOptions()));
            await("the drift repair stopped by the breaker", WAIT, () -> dlq.list().size() == 1);

            Headers h = new Headers();
            h.put("X-GitHub-Event", "push");
            h.put("X-GitHub-Delivery", "not-json-1");
            f.runtime.jetStream().publish(SubjectCodec.subject(OrgFixture.ORG, Optional.of("svc-02"), "push"), h,
                    "this is not json".getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().messageId("not-json-1").build());
            await("the delivery dead-lettered", WAIT, () -> dlq.list().size() == 2);
            f.awaitQuiescence(WAIT);
            List<DeadLetters.Entry> entries = dlq.list();
            DeadLetters.Entry job = entries.stream().filter(e -> e.letter().getKind().equals("job")).findFirst()
                    .orElseThrow();
            DeadLetters.Entry delivery = entries.stream().filter(e -> e.letter().getKind().equals("delivery"))
                    .findFirst().orElseThrow();
            assertEquals("breaker", job.letter().getStoppedBy());
            assertEquals("poison", delivery.letter().getStoppedBy());

            Map<String, String> env = OrgFixture.env(f.nats.url(), f.gitRoot, f.root.resolve("cli-data"), 0);
            OrgctlProcess.Result list = OrgctlProcess.run(f.root, env, "dlq", "list");
            assertEquals(0, list.exitCode(), list.err());
            String[] lines = list.out().strip().split("\n");
            assertEquals(3, lines.length, list.out());
            assertTrue(lines[0].matches("ID\\s+KIND\\s+REPOSITORY\\s+STOPPED_BY\\s+ATTEMPTS\\s+AGE\\s+ERROR"), lines[0]);
            String jobLine = find(lines, job.seq() + " ");
            assertTrue(jobLine.matches(job.seq() + "\\s+job\\s+acme/svc-01\\s+breaker\\s+1\\s+\\S+\\s+circuit breaker open.*"),
                    jobLine);
            String deliveryLine = find(lines, delivery.seq() + " ");
            assertTrue(deliveryLine.matches(delivery.seq()
                    + "\\s+delivery\\s+acme/svc-02\\s+poison\\s+1\\s+\\S+\\s+the body is not JSON.*"), deliveryLine);

            OrgctlProcess.Result usage = OrgctlProcess.run(f.root, env, "dlq", "redrive");
            assertEquals(2, usage.exitCode(), usage.out() + usage.err());
            OrgctlProcess.Result missing = OrgctlProcess.run(f.root, env, "dlq", "redrive", "9999");
            assertEquals(1, missing.exitCode(), missing.out() + missing.err());

            // The job: breaker reset, repair scheduled, entry removed.
            OrgctlProcess.Result redrive = OrgctlProcess.run(f.root, env, "dlq", "redrive", Long.toString(job.seq()));
            assertEquals(0, redrive.exitCode(), redrive.err());
            assertTrue(redrive.out().contains("redriven " + job.seq()), redrive.out());
            await("the drift repaired after the redrive", WAIT,
                    () -> generated.equals(f.file(victim, ".github/CODEOWNERS")));
            assertTrue(dlq.get(job.seq()).isEmpty(), "the entry is removed");

            // --all: the delivery is published again (still not JSON: it comes back as a new entry).
            OrgctlProcess.Result all = OrgctlProcess.run(f.root, env, "dlq", "redrive", "--all");
            assertEquals(0, all.exitCode(), all.err());
            assertTrue(all.out().contains("redriven " + delivery.seq()), all.out());
            assertTrue(dlq.get(delivery.seq()).isEmpty());
            await("the redriven delivery handled again", WAIT, () -> dlq.list().stream()
                    .anyMatch(e -> e.letter().getKind().equals("delivery") && e.seq() > delivery.seq()));
            f.awaitQuiescence(WAIT);
            assertFalse(dlq.list().stream().anyMatch(e -> e.letter().getKind().equals("job")), "no job dead-lettered");
        }
    }

    private static String find(String[] lines, String prefix) {
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                return l;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "'");
    }
}
