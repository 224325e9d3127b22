package dev.orgctl.demo;

import dev.orgctl.controller.rollout.Rollouts;
import dev.orgctl.hosts.git.GitCi;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutState;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The demo's progressive-rollout step (docs/rollout.md): the templates get a {@code rollout} block
 * (wave 1 the canary repository by name, wave 2 the rest; a short gate), the canary carries its own
 * CI ({@code .orgctl/ci}, run by the git backend's simulated CI) that fails when its generated
 * workflow asks for a retired runner, and a person pushes exactly that template change. The rollout
 * pauses after wave 1 naming the canary, no other repository is touched; the fix supersedes it and
 * reaches every repository.
 */
final class RolloutStep {
    static final String BROKEN_RUNNER = "ubuntu-18.04";
    private static final String ORIGINAL = "os: [ubuntu-latest]";
    private static final String BROKEN = "os: [" + BROKEN_RUNNER + "]";
    private static final String FIXED = "os: [ubuntu-24.04]";
    /** Kept short so the demo stays short: a wave of repositories without CI passes once it is over. */
    private static final String GATE_WAIT = "15s";
    static final String CANARY_CI = String.join("\n",
            "#!/bin/sh",
            "# The canary's own check: its generated workflow must not ask for a runner that no longer exists.",
            "if grep -n '" + BROKEN_RUNNER + "' " + Demo.CI + "; then",
            "  echo \"" + Demo.CI + " asks for " + BROKEN_RUNNER + ": those runners were retired\"",
            "  exit 1",
            "fi",
            "echo \"" + Demo.CI + ": runners ok\"",
            "");

    private final Demo demo;
    private final Person person;
    private final Rollouts rollouts;

    /** @param rollouts the org's rollouts, watched until they pause and complete */
    RolloutStep(Demo demo, Person person, Rollouts rollouts) {
        this.demo = demo;
        this.person = person;
        this.rollouts = rollouts;
    }

    /** The {@code rollout} block the step adds to the templates' orgctl.yaml. */
    static String rolloutBlock(String canary) {
        return String.join("\n",
                "rollout:",
                "  waves:",
                "    - select: { names: [" + canary + "] }",
                "    - percent: 100",
                "  gate:",
                "    wait: " + GATE_WAIT,
                "    max_failures: 0",
                "");
    }

    /** Acts the step out; returns what it proved. */
    String run() {
        List<String> repos = demo.repos();
        String canary = repos.get(0);
        String ci = person.addExecutable(demo.gitDir(canary), GitCi.SCRIPT, CANARY_CI,
                "CI: refuse retired runners");
        demo.say(person.name() + " pushed " + Demo.shortId(ci) + " to " + demo.org() + "/" + canary + ": its own CI ("
                + GitCi.SCRIPT + ") fails when " + Demo.CI + " asks for " + BROKEN_RUNNER);
        String broken = pausesAfterTheCanary(canary);
        String fixed = person.edit(demo.gitDir(".github"), Demo.CI_TEMPLATE, t -> t.replace(BROKEN, FIXED),
                "CI: build on ubuntu-24.04");
        demo.say(person.name() + " pushed the fix " + Demo.shortId(fixed) + ": it supersedes the paused rollout");
        awaitState(fixed, RolloutState.ROLLOUT_COMPLETED);
        demo.waitFor("every repository at the fixed workflow", () -> repos.stream()
                .allMatch(r -> demo.readFile(r, Demo.CI).contains(FIXED)));
        Rollout superseded = rollout(broken).orElseThrow();
        demo.say("rollout " + Demo.shortId(fixed) + ": completed, both waves; every repository builds on ubuntu-24.04; "
                + "rollout " + Demo.shortId(broken) + " " + name(superseded.getState()));
        return "a template change that broke CI in the canary " + canary + " paused its rollout after wave 1 (the other "
                + (repos.size() - 1) + " repositories untouched); the fix superseded it and reached all " + repos.size();
    }

    /** Pushes the rollout block with the breaking change; checks the pause after wave 1. Returns the revision. */
    private String pausesAfterTheCanary(String canary) {
        List<String> repos = demo.repos();
        Map<String, String> before = demo.heads();
        Map<String, UnaryOperator<String>> edits = new LinkedHashMap<>();
        edits.put("orgctl.yaml", y -> y + "\n" + rolloutBlock(canary));
        edits.put(Demo.CI_TEMPLATE, t -> requireLine(t, ORIGINAL).replace(ORIGINAL, BROKEN));
        String broken = person.editAll(demo.gitDir(".github"), edits, "CI: build on " + BROKEN_RUNNER
                + "; roll template changes out in waves, " + canary + " first");
        demo.say(person.name() + " pushed " + Demo.shortId(broken) + " to " + demo.org() + "/.github: a rollout block ("
                + canary + ", then the rest; gate " + GATE_WAIT + ", no failure tolerated) and the runner "
                + BROKEN_RUNNER);
        Rollout paused = awaitState(broken, RolloutState.ROLLOUT_PAUSED);
        RepoFailure failure = paused.getFailuresList().stream()
                .filter(f -> f.getRepo().equals(canary) || f.getRepo().equals(demo.org() + "/" + canary)).findFirst()
                .orElseThrow(() -> new DemoFailure("the rollout of " + Demo.shortId(broken) + " paused without naming "
                        + canary + ": " + paused.getFailuresList()));
        if (paused.getWave() != 0) {
            throw new DemoFailure("the rollout paused in wave " + (paused.getWave() + 1) + ", not after wave 1");
        }
        demo.say("rollout " + Demo.shortId(broken) + ": paused after wave 1/" + paused.getWavesCount() + ", "
                + canary + " failed CI (" + failure.getConclusion() + ", " + failure.getUrl() + ")");
        logLine(failure.getUrl(), "retired").ifPresent(l -> demo.say("the log says: " + l));
        Map<String, String> now = demo.heads();
        List<String> touched = repos.stream().filter(r -> !r.equals(canary))
                .filter(r -> !now.get(r).equals(before.get(r))).toList();
        if (!touched.isEmpty()) {
            throw new DemoFailure("the paused rollout changed repositories outside wave 1: " + touched);
        }
        demo.say("the other " + (repos.size() - 1) + " repositories were not touched");
        return broken;
    }

    private Rollout awaitState(String id, RolloutState state) {
        Rollout[] seen = new Rollout[1];
        demo.waitFor("the rollout of " + Demo.shortId(id) + " to be " + name(state), () -> {
            seen[0] = rollout(id).orElse(null);
            return seen[0] != null && seen[0].getState() == state;
        });
        return seen[0];
    }

    private Optional<Rollout> rollout(String id) {
        try {
            return rollouts.get(demo.org(), id);
        } catch (NatsUnavailableException e) {
            return Optional.empty(); // NATS busy: the wait asks again
        }
    }

    /** The first line of a simulated CI's log (a {@code file:} URL) that contains {@code text}. */
    private static Optional<String> logLine(String url, String text) {
        try {
            return Files.readAllLines(Path.of(URI.create(url))).stream().filter(l -> l.contains(text)).findFirst();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty(); // not a log on this machine: the URL above is what there is
        }
    }

    private static String requireLine(String text, String line) {
        if (!text.contains(line)) {
            throw new DemoFailure(Demo.CI_TEMPLATE + " no longer has '" + line + "'; the rollout step needs it");
        }
        return text;
    }

    private static String name(RolloutState s) {
        return s.name().replaceFirst("^ROLLOUT_", "").toLowerCase(Locale.ROOT);
    }
}
