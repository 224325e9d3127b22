package dev.orgctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/container/Containerfile}, checked statically: no container engine runs on the
 * machines that build orgctl, so the image itself is never built here (docs/deploy.md#container).
 */
class ContainerfileTest {
    /** One instruction: its keyword and its arguments, continuation lines joined. */
    record Instruction(String keyword, String args) {
    }

    private final List<List<Instruction>> stages = stages();

    @Test
    void everyStageStartsWithFromAndCopiesOnlyFromAnEarlierStage() {
        assertThat(stages).hasSize(2);
        List<String> names = new ArrayList<>();
        for (List<Instruction> stage : stages) {
            Instruction from = stage.get(0);
            assertThat(from.keyword()).isEqualTo("FROM");
            for (Instruction i : stage) {
                if (i.keyword().equals("COPY") && i.args().startsWith("--from=")) {
                    String source = i.args().substring("--from=".length()).split(" ")[0];
                    assertThat(names).as("COPY --from an earlier stage").contains(source);
                }
            }
            String[] words = from.args().split(" +");
            names.add(words[words.length - 1]);
        }
        assertThat(stages.get(0).get(0).args()).contains("temurin-17").contains("maven");
        assertThat(stages.get(1).get(0).args()).contains("17-jre");
    }

    @Test
    void theFinalStageRunsAsANonRootUserWithoutNatsServer() {
        List<Instruction> last = stages.get(stages.size() - 1);
        List<String> users = args(last, "USER");
        assertThat(users).hasSize(1);
        String user = users.get(0).split(":")[0];
        assertThat(user).isNotIn("root", "0").matches("[0-9]+");
        assertThat(args(last, "RUN")).allSatisfy(r -> assertThat(r).doesNotContain("nats-server"));
    }

    @Test
    void nothingIsAddedFromAUrl() {
        assertThat(stages.stream().flatMap(List::stream).filter(i -> i.keyword().equals("ADD")))
                .allSatisfy(i -> assertThat(i.args().toLowerCase(Locale.ROOT)).doesNotContain("://"));
    }

    @Test
    void theExposedPortIsTheGatewaysPortAndTheHealthCheckAsksHealthz() {
        List<Instruction> last = stages.get(stages.size() - 1);
        String env = String.join(" ", args(last, "ENV"));
        String addr = Setting.HTTP_ADDR.defaultValue().orElseThrow();
        String port = addr.substring(addr.lastIndexOf(':') + 1);

        assertThat(args(last, "EXPOSE")).containsExactly(port);
        assertThat(env).contains(Setting.HTTP_ADDR.env() + "=0.0.0.0:" + port);
        assertThat(String.join(" ", args(last, "HEALTHCHECK"))).contains("/dev/tcp/127.0.0.1/" + port, "/healthz");
    }

    @Test
    void theDataDirectoryAndTmpAreVolumesForAReadOnlyRoot() {
        List<Instruction> last = stages.get(stages.size() - 1);
        String env = String.join(" ", args(last, "ENV"));
        assertThat(env).contains(Setting.DATA_DIR.env() + "=/var/lib/orgctl", "-Djava.io.tmpdir=/tmp", "-XX:-UsePerfData");
        assertThat(args(last, "VOLUME")).containsExactly("[\"/var/lib/orgctl\", \"/tmp\"]");
    }

    private static List<String> args(List<Instruction> stage, String keyword) {
        return stage.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).collect(Collectors.toList());
    }

    private static List<List<Instruction>> stages() {
        List<List<Instruction>> stages = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        try {
            for (String raw : Files.readAllLines(DeployFiles.path("container/Containerfile"), StandardCharsets.UTF_8)) {
                String line = raw.strip();
                if (pending.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    pending.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                pending.append(line);
                String text = pending.toString().strip();
                pending.setLength(0);
                int space = text.indexOf(' ');
                Instruction i = new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT),
                        text.substring(space + 1).strip());
                if (i.keyword().equals("FROM")) {
                    stages.add(new ArrayList<>());
                }
                assertThat(stages).as("an instruction before the first FROM: " + text).isNotEmpty();
                stages.get(stages.size() - 1).add(i);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return stages;
    }
}
