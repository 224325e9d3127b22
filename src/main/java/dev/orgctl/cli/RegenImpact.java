package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.regen.preview.Conclusion;
import dev.orgctl.regen.preview.Impact;
import dev.orgctl.regen.preview.ImpactPlanner;
import dev.orgctl.regen.preview.ImpactText;
import dev.orgctl.regen.preview.UnknownRefException;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * {@code orgctl regen plan --ref REF [--base REF]}: the organization-wide impact of the templates
 * at a ref, printed as the report the git backend stores and the GitHub check shows. Writes nothing.
 */
final class RegenImpact {
    private final RegenCommand.Plan command;

    RegenImpact(RegenCommand.Plan command) {
        this.command = command;
    }

    int run(String ref, Optional<String> base) {
        if (ref == null) {
            throw new CommandFailure("--base needs --ref: the templates to compare with the base", Main.EXIT_CONFIG);
        }
        if (!command.only.isEmpty() || command.files) {
            throw new CommandFailure("--ref previews the whole organization: --repo and --files do not apply",
                    Main.EXIT_CONFIG);
        }
        PrintWriter out = command.spec.commandLine().getOut();
        PrintWriter err = command.spec.commandLine().getErr();
        OrgctlConfig config = command.config();
        try (RepositoryHost host = Hosts.open(config, Optional.empty())) {
            ImpactPlanner planner = new ImpactPlanner(host, config.github().requireOrg(), command.parallel);
            ProgressLine[] progress = {null}; // the number of repositories is known once the templates are read
            Impact impact = planner.plan(ref, base, (done, total) -> {
                if (progress[0] == null) {
                    progress[0] = new ProgressLine(err, "previewing", total);
                }
                progress[0].update(done);
            });
            if (progress[0] != null) {
                progress[0].finish();
            }
            out.print(ImpactText.markdown(impact, Integer.MAX_VALUE));
            out.flush();
            return exitCode(impact.conclusion());
        } catch (UnknownRefException e) {
            throw new CommandFailure(e.getMessage(), 1);
        }
    }

    /**
     * The verdict decides, not whether something changes: 0 when the templates render everywhere
     * (success or neutral), 1 when they do not. A merge gate requires 0; a usage or configuration
     * error (2) can never pass for a verdict, as plain {@code plan}'s "2: something would change" could.
     */
    static int exitCode(Conclusion conclusion) {
        return conclusion == Conclusion.FAILURE ? 1 : 0;
    }
}
