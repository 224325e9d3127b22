package dev.orgctl.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.Visibility;
import dev.orgctl.hosts.git.GitRepoSettings;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.WatchedProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * An org on the git backend as the bootstrap tests drive it: bare repositories under a git root,
 * a data dir, the operator's environment, and the CLI run against them in child JVMs.
 */
final class BootstrapOrg {
    static final String ORG = "acme";
    static final List<String> TARGETS = List.of("api", "web");

    final Path tmp;
    final Path dataDir;
    final Path gitRoot;
    final GitTestRepos repos;
    final Map<String, String> env;

    BootstrapOrg(Path tmp, boolean withTemplates) throws IOException {
        this.tmp = tmp;
        dataDir = tmp.resolve("data");
        gitRoot = tmp.resolve("git");
        Files.createDirectories(gitRoot);
        repos = new GitTestRepos(gitRoot);
        if (withTemplates) {
            createTemplates();
        }
        for (String name : TARGETS) {
            RepoRef r = repos.create(ORG, name, new GitRepoSettings("main", name.equals("api") ? List.of("java")
                    : List.of(), Visibility.PUBLIC, false, Optional.empty()));
            repos.commit(r, GitTestRepos.files("README.md", "# " + name + "\n"), "initial");
        }
        env = new HashMap<>();
        env.put("ORGCTL_BACKEND", "git");
        env.put("GITHUB_ORG", ORG);
        env.put("ORGCTL_GIT_ROOT", gitRoot.toString());
        env.put("GITHUB_WEBHOOK_SECRET", "bootstrap-test-secret");
        env.put("ORGCTL_HTTP_ADDR", "127.0.0.1:" + freePort());
        env.put("ORGCTL_DATA_DIR", dataDir.toString());
    }

    void createTemplates() {
        RepoRef t = repos.create(ORG, ".github");
        repos.commit(t, SampleTemplates.files(), "templates");
    }

    OrgctlProcess.Result orgctl(String... args) {
        return OrgctlProcess.run(tmp, env, args);
    }

    /** This org's environment with another data dir (and gateway port): a second operator's machine. */
    Map<String, String> otherMachine(String name) throws IOException {
        Map<String, String> other = new HashMap<>(env);
        other.put("ORGCTL_DATA_DIR", tmp.resolve("data-" + name).toString());
        other.put("ORGCTL_HTTP_ADDR", "127.0.0.1:" + freePort());
        return other;
    }

    void down() {
        OrgctlProcess.run(tmp, env, "down");
    }

    void assertRegenerated(String marker) {
        for (String name : TARGETS) {
            Map<String, String> files = repos.read(new RepoRef(ORG, name), "main");
            assertThat(files).as(name).containsKeys(".github/CODEOWNERS", ".github/workflows/ci.yml", "LICENSE");
            if (marker != null) {
                assertThat(files.get(".github/CODEOWNERS")).as(name).contains(marker);
            }
        }
    }

    /** The stage's recorded result, from 'orgctl bootstrap status --output json' with {@code env}. */
    JsonNode recorded(Map<String, String> env, String stage) throws IOException {
        OrgctlProcess.Result status = OrgctlProcess.run(tmp, env, "bootstrap", "status", "--output", "json");
        assertThat(status.exitCode()).as(status.out() + status.err()).isZero();
        for (JsonNode node : new ObjectMapper().readTree(status.out()).get("stages")) {
            if (node.get("stage").asText().equals(stage)) {
                return node;
            }
        }
        throw new AssertionError("no recorded result for " + stage + " in " + status.out());
    }

    JsonNode recorded(String stage) throws IOException {
        return recorded(env, stage);
    }

    /** Starts 'orgctl bootstrap ARGS' with {@code env} and returns once its output contains the marker. */
    WatchedProcess startUntil(Map<String, String> env, String marker, String... args) throws InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of("bootstrap"));
        argv.addAll(List.of(args));
        return awaitMarker(WatchedProcess.start(OrgctlProcess.builder(tmp, env, argv.toArray(String[]::new))), marker);
    }

    static WatchedProcess awaitMarker(WatchedProcess p, String marker) throws InterruptedException {
        boolean hit = p.awaitOutput(marker, Duration.ofSeconds(90));
        if (!hit) {
            p.kill();
        }
        assertThat(hit).as("'" + marker + "' in: " + p.output()).isTrue();
        return p;
    }

    /** 'orgctl bootstrap ARGS' with the test-only pause in {@code stage}; returns it paused there. */
    WatchedProcess pausedIn(Map<String, String> env, String stage, String... args) throws InterruptedException {
        return startUntil(paused(env, stage), TestPause.marker(StageName.parse(stage).orElseThrow()), args);
    }

    static Map<String, String> paused(Map<String, String> env, String stage) {
        Map<String, String> paused = new HashMap<>(env);
        paused.put(TestPause.VARIABLE, stage);
        return paused;
    }

    long natsServers() {
        String store = dataDir.resolve("nats").toAbsolutePath().normalize().toString();
        return ProcessHandle.allProcesses().filter(ph -> ph.info().commandLine().map(c -> c.contains("nats-server")
                && c.contains(store)).orElse(false)).count();
    }

    /**
     * 'orgctl up' processes started for this data dir. Read from /proc: the JDK truncates long
     * command lines (the class path), and the data dir is only in the environment.
     */
    long orgctlUps() {
        String dataDirEntry = "ORGCTL_DATA_DIR=" + dataDir;
        return ProcessHandle.allProcesses().filter(ph -> {
            List<String> args = procStrings(ph.pid(), "cmdline");
            int main = args.indexOf("dev.orgctl.cli.Main");
            return main >= 0 && main + 1 < args.size() && args.get(main + 1).equals("up")
                    && procStrings(ph.pid(), "environ").contains(dataDirEntry);
        }).count();
    }

    static List<String> procStrings(long pid, String file) {
        try {
            byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), file));
            return List.of(new String(bytes, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of(); // gone, or not ours to read
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static CompletableFuture<String> read(Process p) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                p.getOutputStream().close();
                CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
                    try {
                        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "";
                    }
                });
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                return out + err.get();
            } catch (Exception e) {
                return e.toString();
            }
        });
    }

    static void waitUntil(Duration timeout, java.util.function.BooleanSupplier ok, String what) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(ok::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out: " + what, e);
        }
    }
}
