package dev.orgctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.orgctl.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code deploy/systemd/orgctl.service}: systemd's own check, the hardening it promises, a valid {@code orgctl up}. */
class SystemdUnitTest {
    private final Path unit = DeployFiles.path("systemd/orgctl.service");

    @Test
    void systemdAnalyzeVerifyReportsNothing() throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        assumeThat(Files.isExecutable(tool)).as("systemd-analyze installed").isTrue();
        // verify exits 0 even for an unknown key or a bad value: its findings are on its output
        Process p = new ProcessBuilder(tool.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("systemd-analyze verify").isBlank();
    }

    @Test
    void theServiceIsHardenedAndRunsAsItsOwnUser() throws IOException {
        Map<String, List<String>> service = section("Service");

        Map<String, String> promised = new LinkedHashMap<>();
        promised.put("User", "orgctl");
        promised.put("EnvironmentFile", "/etc/orgctl/orgctl.env");
        promised.put("Restart", "on-failure");
        promised.put("NoNewPrivileges", "yes");
        promised.put("ProtectSystem", "strict");
        promised.put("ProtectHome", "yes");
        promised.put("PrivateTmp", "yes");
        promised.put("CapabilityBoundingSet", "");
        promised.put("SystemCallFilter", "@system-service");
        promised.put("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX");
        // the data directory given to orgctl is the one writable path
        promised.put("ReadWritePaths", "/var/lib/orgctl");
        promised.put("Environment", "ORGCTL_DATA_DIR=/var/lib/orgctl");
        promised.forEach((key, value) -> assertThat(service.get(key)).as(key).containsExactly(value));
        // the JVM does not start under W^X (docs/deploy.md#systemd)
        assertThat(service).doesNotContainKey("MemoryDenyWriteExecute");
    }

    @Test
    void execStartIsAValidOrgctlUp() throws IOException {
        List<String> argv = Arrays.asList(section("Service").get("ExecStart").get(0).split(" +"));
        int jar = argv.indexOf("-jar");
        assertThat(jar).isPositive();
        assertThat(argv.get(jar + 1)).endsWith("orgctl.jar");
        String[] orgctlArgs = argv.subList(jar + 2, argv.size()).toArray(String[]::new);

        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(orgctlArgs);

        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("up");
        assertThat(parsed.subcommand().matchedOptionValue("--data-dir", "")).isEqualTo("/var/lib/orgctl");
    }

    /** The keys of one section, each with its values in order (a key may repeat). */
    private Map<String, List<String>> section(String name) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = "";
        for (String raw : Files.readAllLines(unit, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                current = line.substring(1, line.length() - 1);
            } else if (current.equals(name)) {
                int eq = line.indexOf('=');
                assertThat(eq).as("a key=value line: " + line).isPositive();
                keys.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        return keys;
    }
}
