package dev.orgctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.bootstrap.BootstrapException;
import dev.orgctl.bootstrap.LeaseUnavailableException;
import dev.orgctl.cli.CommandFailure;
import dev.orgctl.cli.ExitCodes;
import dev.orgctl.cli.Main;
import dev.orgctl.config.ConfigException;
import dev.orgctl.coordination.LeaseLostException;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.github.GitHubApiException;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.regen.TemplateException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Every failure orgctl raises on purpose has one root that says whether it is retryable; the CLI maps it once. */
class ExceptionRootTest {
    /**
     * Checked exceptions that stay outside the tree on purpose (docs/DEVELOPING.md, "One exception
     * root"): each is a result its only caller must handle, never crosses a layer or reaches the CLI.
     */
    private static final Set<String> CHECKED_BY_DESIGN = Set.of(
            "dev.orgctl.gateway.Payloads$InvalidPayload",
            "dev.orgctl.gateway.NatsFailure",
            "dev.orgctl.regen.ManagedBlock$MalformedException",
            "dev.orgctl.hosts.git.DeliveryException");

    @Test
    void everyExceptionClassOutsideTheControllerHasTheOneRoot() throws Exception {
        Path classes = Path.of(OrgctlException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> strays = new ArrayList<>();
        int found = 0;
        for (String name : classNames(classes)) {
            if (name.startsWith("dev.orgctl.controller.") || name.startsWith("dev.orgctl.proto.")) {
                continue; // the controller's own (H1's part of issue 14) and generated protobuf code
            }
            Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            if (!Throwable.class.isAssignableFrom(c)) {
                continue;
            }
            found++;
            if (!OrgctlException.class.isAssignableFrom(c) && !CHECKED_BY_DESIGN.contains(name)) {
                strays.add(name + " extends " + c.getSuperclass().getName());
            }
        }
        assertThat(found).as("exception classes found under " + classes).isGreaterThan(15);
        assertThat(strays).as("exception classes without the root").isEmpty();
    }

    @Test
    void eachFailureSaysWhetherItIsRetryable() {
        assertThat(new NatsUnavailableException("away", null).retryable()).isTrue();
        assertThat(new ConfigException("bad").retryable()).isFalse();
        assertThat(new CommandFailure("no", 3).retryable()).isFalse();
        assertThat(new HostException("disk").retryable()).isTrue();
        assertThat(new TemplateException("t.yml", 3, "bad").retryable()).isFalse();
        assertThat(new LeaseLostException("repo", "expired").retryable()).isTrue();
        assertThat(new BootstrapException("fix it").retryable()).isFalse();
        assertThat(new LeaseUnavailableException("another bootstrap").retryable()).isTrue();
        assertThat(github(GitHubApiException.Kind.SERVER_ERROR, 502).retryable()).isTrue();
        assertThat(github(GitHubApiException.Kind.RATE_LIMITED, 403).retryable()).isTrue();
        assertThat(github(GitHubApiException.Kind.TRANSPORT, 0).retryable()).isTrue();
        assertThat(github(GitHubApiException.Kind.UNEXPECTED, 429).retryable()).isTrue();
        assertThat(github(GitHubApiException.Kind.UNEXPECTED, 503).retryable()).isTrue();
        assertThat(github(GitHubApiException.Kind.UNEXPECTED, 418).retryable()).isFalse();
        assertThat(github(GitHubApiException.Kind.FORBIDDEN, 403).retryable()).isFalse();
        assertThat(github(GitHubApiException.Kind.NOT_FOUND, 404).retryable()).isFalse();
        assertThat(github(GitHubApiException.Kind.VALIDATION, 422).retryable()).isFalse();
    }

    @Test
    void theCliMapsFailuresToTodaysExitCodesInOnePlace() {
        assertThat(Main.commandLine().getExitCodeExceptionMapper()).isInstanceOf(ExitCodes.class);
        assertThat(run(new ConfigException("ORGCTL_X: bad"))).isEqualTo(new Ran(2, "orgctl: ORGCTL_X: bad\n"));
        assertThat(run(new CommandFailure("plan has changes", 3))).isEqualTo(new Ran(3, "orgctl: plan has changes\n"));
        assertThat(run(new NatsUnavailableException("cannot connect to NATS", null)).code()).isEqualTo(1);
        assertThat(run(new BootstrapException("stage failed")).code()).isEqualTo(1);
        // Raised on purpose: the message is the whole story, one line.
        assertThat(run(new TemplateException("t.yml", 2, "bad")).err().strip().lines()).hasSize(1);
        // Unexpected: one line plus how to see the stack trace.
        Ran npe = run(new IllegalStateException("boom"));
        assertThat(npe.code()).isEqualTo(1);
        assertThat(npe.err()).startsWith("orgctl: boom").contains("ORGCTL_DEBUG");
    }

    private static GitHubApiException github(GitHubApiException.Kind kind, int status) {
        return new GitHubApiException(kind, status, "GET /orgs/acme", "failed", Optional.empty(), List.of(), null);
    }

    private record Ran(int code, String err) {
    }

    @Command(name = "fails")
    static final class Fails implements Runnable {
        private final RuntimeException failure;

        Fails(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public void run() {
            throw failure;
        }
    }

    /** Runs a command that throws {@code failure} inside orgctl's own command line. */
    private static Ran run(RuntimeException failure) {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand(new Fails(failure));
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("fails");
        return new Ran(code, err.toString().replace(System.lineSeparator(), "\n"));
    }

    private static List<String> classNames(Path root) throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .filter(n -> n.startsWith("dev.orgctl."))
                    .toList();
        }
    }
}
