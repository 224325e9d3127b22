package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** Commands take their own durations typed, through one converter; a bad one is one line and exit 2. */
class DurationOptionsTest {
    @Test
    void theConverterTakesWhatOperatorsWrite() {
        DurationConverter c = new DurationConverter();
        assertThat(c.convert("0")).isZero();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("72h")).isEqualTo(Duration.ofHours(72));
        assertThat(c.convert("PT2H")).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> c.convert("PT-5S")).isInstanceOf(TypeConversionException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> c.convert("99999999999999999d")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'soon' is not a duration");
    }

    @SuppressWarnings("ArrayRecordComponent") // test data, never compared
    private record Case(String option, String... args) {
    }

    @Test
    void aBadDurationOptionIsOneLineNamingTheOptionAndExitCode2() {
        for (Case c : List.of(new Case("--ttl", "lock", "list", "--ttl", "3x"),
                new Case("--wait", "lock", "exec", "x", "--wait", "later", "--", "true"),
                new Case("--since", "webhook", "redeliver", "--since", "5q"),
                new Case("--lock-wait", "bootstrap", "--lock-wait", "forever"),
                new Case("--duration", "bench", "lock", "--duration", "long"))) {
            CommandLine cli = Main.commandLine();
            StringWriter err = new StringWriter();
            cli.setErr(new PrintWriter(err, true));
            cli.setOut(new PrintWriter(new StringWriter()));
            int code = cli.execute(c.args());
            assertThat(code).as(String.join(" ", c.args())).isEqualTo(Main.EXIT_CONFIG);
            assertThat(err.toString().strip().lines()).as(err.toString()).hasSize(1);
            assertThat(err.toString()).contains("Invalid value for option '" + c.option() + "'")
                    .contains("is not a duration");
        }
    }
}
