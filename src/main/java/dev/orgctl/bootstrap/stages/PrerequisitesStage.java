package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapException;
import dev.orgctl.bootstrap.Stage;
import dev.orgctl.bootstrap.StageName;
import dev.orgctl.config.Backend;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.ServerVersion;
import io.nats.client.Connection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Stage 1: everything orgctl needs from the machine and the org before it changes anything:
 * Java, the nats-server binary (embedded) or a reachable NATS (external), credentials, the
 * templates repository, a writable data directory.
 */
public final class PrerequisitesStage implements Stage {
    /** Checks of the repository host (credentials, templates repository), by backend. */
    public interface HostCheck {
        /** Returns a one-line description of what was found, or throws {@link BootstrapException}. */
        String check(OrgctlConfig config);
    }

    private final HostCheck hostCheck;

    public PrerequisitesStage(HostCheck hostCheck) {
        this.hostCheck = hostCheck;
    }

    @Override
    public StageName name() {
        return StageName.PREREQUISITES;
    }

    @Override
    public String plan(BootstrapContext ctx) {
        return "check Java, " + (ctx.config().nats().embedded() ? "the nats-server binary" : "NATS at "
                + String.join(",", ctx.config().nats().redactedUrls())) + ", the " + ctx.config().backend().name()
                .toLowerCase(Locale.ROOT) + " backend and the data directory";
    }

    @Override
    public void precondition(BootstrapContext ctx) {
        // Everything this stage needs is what it checks.
    }

    @Override
    public Outcome apply(BootstrapContext ctx) {
        return Outcome.done(String.join("; ", checks(ctx)), Map.of());
    }

    @Override
    public Optional<String> verify(BootstrapContext ctx) {
        try {
            checks(ctx);
            return Optional.empty();
        } catch (BootstrapException | NatsUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    private List<String> checks(BootstrapContext ctx) {
        OrgctlConfig config = ctx.config();
        List<String> found = new ArrayList<>();
        int java = Runtime.version().feature();
        if (java < 17) {
            throw new BootstrapException("Java " + java + " is too old; orgctl needs Java 17 or newer");
        }
        found.add("Java " + java);
        if (config.nats().embedded()) {
            Path bin = EmbeddedNats.locateBinary(config.nats().serverBin());
            found.add("nats-server at " + bin);
        } else {
            NatsConnector connector = new NatsConnector(config.nats());
            try (Connection c = connector.connect("bootstrap-check", Duration.ofSeconds(5))) {
                String version = c.getServerInfo().getVersion();
                found.add("NATS " + version + " reachable"
                        + ServerVersion.advice(version).map(a -> " (older than the release recommended for production: see "
                        + "docs/coordination.md, 'Server versions')").orElse(""));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        found.add(hostCheck.check(config));
        Path dataDir = config.dataDir();
        try {
            Files.createDirectories(dataDir);
            Path probe = Files.createTempFile(dataDir, ".probe", "");
            Files.delete(probe);
        } catch (IOException e) {
            throw new BootstrapException("the data directory " + dataDir + " is not writable (" + e.getMessage()
                    + "); choose another with ORGCTL_DATA_DIR");
        }
        found.add("data dir " + dataDir.toAbsolutePath().normalize() + " writable");
        return found;
    }

    /** The git backend: a root, an org, and the templates repository in it. */
    public static HostCheck gitHostCheck() {
        return config -> {
            if (config.backend() != Backend.GIT) {
                throw new BootstrapException("no check for backend " + config.backend());
            }
            Path root = config.requireGitRoot();
            String org = config.github().requireOrg();
            Path templates = root.resolve(org).resolve(".github.git");
            if (!Files.isDirectory(templates)) {
                throw new BootstrapException("the templates repository " + templates + " does not exist; create it "
                        + "with 'git init --bare " + templates + "' and push your templates to it");
            }
            long targets;
            try (var list = Files.list(root.resolve(org))) {
                targets = list.filter(p -> p.getFileName().toString().endsWith(".git")
                        && !p.getFileName().toString().equals(".github.git")).count();
            } catch (IOException e) {
                throw new BootstrapException("cannot list " + root.resolve(org) + ": " + e.getMessage());
            }
            return "templates repository " + org + "/.github and " + targets + " target repositories under " + root;
        };
    }

    /** The GitHub backend: an org, credentials GitHub accepts, and the templates repository in the org. */
    public static HostCheck githubHostCheck() {
        return config -> {
            if (config.backend() != Backend.GITHUB) {
                throw new BootstrapException("no check for backend " + config.backend());
            }
            String org = config.github().requireOrg();
            dev.orgctl.hosts.RepoRef templates = new dev.orgctl.hosts.RepoRef(org, ".github");
            try (dev.orgctl.hosts.RepositoryHost host = dev.orgctl.hosts.Hosts.open(config, Optional.empty())) {
                if (host.repository(templates).isEmpty()) {
                    throw new BootstrapException("the templates repository " + templates.fullName() + " does not exist "
                            + "(or the credentials cannot see it); create it in the org and push your templates to it");
                }
                return "GitHub credentials accepted; templates repository " + templates.fullName() + " found";
            } catch (dev.orgctl.hosts.HostException e) {
                throw new BootstrapException("GitHub refused the credentials or the request (" + e.getMessage()
                        + "); check GITHUB_TOKEN, or GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and "
                        + "GITHUB_APP_PRIVATE_KEY_FILE, and that they can read " + templates.fullName(), e);
            }
        };
    }

    /** The check for the configured backend. */
    public static HostCheck hostCheck(OrgctlConfig config) {
        return config.backend() == Backend.GIT ? gitHostCheck() : githubHostCheck();
    }

    /** Details worth recording: none beyond the summary. */
    static Map<String, String> none() {
        return new LinkedHashMap<>();
    }
}
