package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.controller.PreviewStore;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.regen.Headers;
import dev.orgctl.regen.TemplateLoader;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code orgctl regen preview BRANCH}: the git backend's stored preview of a templates branch. */
@Command(name = "preview", mixinStandardHelpOptions = true,
        description = {"Print the stored impact preview of a branch of the templates repository.",
            "On the git backend, the controller previews every push to a branch other",
            "than the default one (compared with the default branch) and keeps the",
            "report in ORGCTL_PREVIEWS. Says when the report is for an older head.",
            "Exit code: 0 the templates render everywhere, 1 a template would not",
            "render (or orgctl.yaml is invalid), the preview failed, or there is no",
            "preview of the branch's head (yet); 2 a usage or configuration error."})
public final class RegenPreviewCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Parameters(paramLabel = "BRANCH", description = "the templates repository's branch")
    String branch;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        OrgctlConfig config = settings.resolve();
        String org = config.github().requireOrg();
        try (NatsRuntime nats = NatsRuntime.open(config, "regen-preview", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
             RepositoryHost host = Hosts.open(config, Optional.empty())) {
            Optional<PreviewStore.Report> stored = new PreviewStore(nats.keyValue(Topology.PREVIEWS_BUCKET),
                    Clock.systemUTC()).read(org, branch);
            Optional<String> head = host.branchHead(TemplateLoader.templatesRepo(org), branch);
            if (stored.isEmpty()) {
                throw new CommandFailure("no preview of " + org + "/.github branch '" + branch + "'"
                        + (head.isEmpty() ? ": there is no such branch" : " yet: the controller (orgctl up) makes one "
                        + "after each push to the branch"), 1);
            }
            PreviewStore.Report r = stored.get();
            boolean stale = head.isPresent() && !head.get().equals(r.head());
            if (head.isEmpty()) {
                out.println("note: the branch no longer exists; this report is for " + Headers.shortRev(r.head()) + ".");
            } else if (stale) {
                out.println("note: this report is for " + Headers.shortRev(r.head()) + "; the branch is now at "
                        + Headers.shortRev(head.get()) + " and its preview is not done yet.");
            }
            if ("error".equals(r.conclusion())) {
                out.println("The preview of " + Headers.shortRev(r.head()) + " failed at " + r.finishedAt() + ": "
                        + r.summary());
                out.flush();
                return 1;
            }
            out.print(r.report());
            out.println();
            out.println("(previewed at " + r.finishedAt() + ")");
            out.flush();
            // A stale verdict must not pass a merge gate: the newest push may be the one that breaks.
            return "failure".equals(r.conclusion()) || stale ? 1 : 0;
        }
    }
}
