package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.TfstateHandler;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Print the backend block and a GitHub Actions workflow for state NAME.",
            "The Terraform backend \"http\" block, and a workflow snippet that authenticates",
            "with the run's OIDC token (no stored secret)."})
final class TfstateConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Parameters(index = "0", paramLabel = "NAME", description = "the state, e.g. prod/network")
    String name;

    @Option(names = "--url", paramLabel = "URL",
            description = "orgctl's address as the runners reach it (default: http://<http_addr>)")
    String url;

    @Option(names = "--audience", paramLabel = "AUDIENCE",
            description = "the audience the runners ask their OIDC token for (default: the configured "
                    + "tfstate.oidc.audience, which orgctl checks)")
    String audience;

    @Override
    public Integer call() {
        StateName state = TfstateCommand.name(spec, name);
        OrgctlConfig config = settings.resolve();
        String base = (url == null ? "http://" + config.httpAddr() : url).replaceAll("/+$", "");
        PrintWriter out = spec.commandLine().getOut();
        out.print(text(base + TfstateHandler.PREFIX + state.value(),
                audience == null ? config.tfstateAuth().audience() : audience));
        out.flush();
        return 0;
    }

    static String text(String address, String audience) {
        return """
                # Terraform: the backend block (the password comes from TF_HTTP_PASSWORD)
                terraform {
                  backend "http" {
                    address        = "%1$s"
                    lock_address   = "%1$s"
                    unlock_address = "%1$s"
                    username       = "github-actions"
                  }
                }

                # GitHub Actions: a job that uses it with the run's OIDC token
                permissions:
                  id-token: write
                  contents: read
                jobs:
                  terraform:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: actions/checkout@v4
                      - uses: hashicorp/setup-terraform@v3
                      - name: State credentials from the run's OIDC token
                        run: |
                          token=$(curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \\
                            "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=%2$s" | jq -r .value)
                          echo "::add-mask::$token"
                          echo "TF_HTTP_PASSWORD=$token" >> "$GITHUB_ENV"
                      - run: terraform init -input=false
                      - run: terraform apply -input=false -auto-approve
                """.formatted(address, audience);
    }
}
