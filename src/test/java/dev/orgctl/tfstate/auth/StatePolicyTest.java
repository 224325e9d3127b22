package dev.orgctl.tfstate.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tfstate.policy list of a service's orgctl.yaml: what it allows, and how its mistakes are reported. */
class StatePolicyTest {
    private static final String POLICY = """
            nats:
              url: nats://127.0.0.1:4222
            tfstate:
              oidc:
                issuer: https://ghe.example.com/_services/token
                audience: terraform
              policy:
                - claims: { repository: "acme/infra", ref: "refs/heads/main" }
                  states: ["prod/*"]
                  access: write
                - claims:
                    repository: "acme/*"
                  states: ["prod/**", "shared"]
                  access: read
                - claims: { repository_owner: acme, environment: staging }
                  states: ["staging/**"]
                  access: write
            """;

    @TempDir
    Path dir;

    private static Map<String, String> run(String repository, String ref) {
        return Map.of("repository", repository, "repository_owner", repository.substring(0, repository.indexOf('/')),
                "ref", ref, "run_id", "1");
    }

    private StatePolicy policy(String yaml) throws IOException {
        return StatePolicy.read(Files.writeString(dir.resolve("orgctl.yaml"), yaml));
    }

    @Test
    void aRuleAllowsWhenAllItsClaimsMatchAndAStatePatternMatchesAndItsAccessCovers() throws IOException {
        StatePolicy p = policy(POLICY);
        Map<String, String> main = run("acme/infra", "refs/heads/main");

        assertThat(p.allowing(main, "prod/network", Access.WRITE)).get()
                .extracting(StatePolicy.Rule::where).isEqualTo(dir.resolve("orgctl.yaml") + ":8");
        assertThat(p.allowing(main, "prod/network/vpc", Access.WRITE)).as("* stops at /").isEmpty();
        assertThat(p.allowing(main, "prod/network/vpc", Access.READ)).as("** crosses /").isPresent();
        assertThat(p.allowing(main, "shared", Access.READ)).isPresent();
        assertThat(p.allowing(main, "shared", Access.WRITE)).isEmpty();
        assertThat(p.allowing(main, "staging/app", Access.READ)).as("no environment claim").isEmpty();
    }

    @Test
    void anotherBranchOrAnotherRepositoryGetsOnlyWhatItsOwnRulesGive() throws IOException {
        StatePolicy p = policy(POLICY);
        assertThat(p.allowing(run("acme/infra", "refs/heads/feature"), "prod/network", Access.WRITE)).isEmpty();
        assertThat(p.allowing(run("acme/infra", "refs/heads/feature"), "prod/network", Access.READ)).isPresent();
        assertThat(p.allowing(run("acme/app", "refs/heads/main"), "prod/network", Access.WRITE)).isEmpty();
        assertThat(p.allowing(run("evil/infra", "refs/heads/main"), "prod/network", Access.READ)).isEmpty();
        assertThat(p.allowing(Map.of("repository", "acme/app", "repository_owner", "acme", "environment", "staging"),
                "staging/db", Access.WRITE)).isPresent();
    }

    @Test
    void noPolicyAllowsNothing() throws IOException {
        assertThat(policy("nats:\n  url: nats://127.0.0.1:4222\n").rules()).isEmpty();
        assertThat(policy("tfstate:\n  oidc:\n    audience: orgctl\n").allowing(run("acme/infra", "refs/heads/main"),
                "prod/x", Access.READ)).isEmpty();
        assertThat(StatePolicy.none().allowing(run("acme/infra", "refs/heads/main"), "prod/x", Access.READ)).isEmpty();
    }

    @Test
    void theServiceConfigurationReadsTheOidcSettingsBesideThePolicyAndNamesTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("orgctl.yaml"), POLICY);
        OrgctlConfig c = ConfigResolver.resolve(Map.of(), Map.of(), Optional.of(file));

        assertThat(c.tfstateAuth().issuer()).isEqualTo(URI.create("https://ghe.example.com/_services/token"));
        assertThat(c.tfstateAuth().audience()).isEqualTo("terraform");
        assertThat(c.tfstateAuth().policyFile()).contains(file.toAbsolutePath().normalize());
        assertThat(StatePolicy.read(c.tfstateAuth().policyFile().get()).rules()).hasSize(3);
    }

    @Test
    void theIssuerMustBeHttpsOrALoopbackAddress() {
        OrgctlConfig defaults = ConfigResolver.resolve(Map.of(), Map.of(), Optional.empty());
        assertThat(defaults.tfstateAuth().issuer()).hasToString("https://token.actions.githubusercontent.com");
        assertThat(defaults.tfstateAuth().audience()).isEqualTo("orgctl");
        assertThat(ConfigResolver.resolve(Map.of(), Map.of("ORGCTL_TFSTATE_OIDC_ISSUER", "http://127.0.0.1:9999"),
                Optional.empty()).tfstateAuth().issuer()).hasToString("http://127.0.0.1:9999");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(),
                Map.of("ORGCTL_TFSTATE_OIDC_ISSUER", "http://ghe.example.com/_services/token"), Optional.empty()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("ORGCTL_TFSTATE_OIDC_ISSUER (--tfstate-oidc-issuer, tfstate.oidc.issuer in orgctl.yaml): "
                        + "'http://ghe.example.com/_services/token' is not valid; expected an https URL without query or "
                        + "fragment, such as https://token.actions.githubusercontent.com (plain http only on a loopback "
                        + "address)");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of("ORGCTL_TFSTATE_OIDC_AUDIENCE", "two words"),
                Optional.empty())).isInstanceOf(ConfigException.class).hasMessageContaining("expected one word");
    }

    @Test
    void mistakesAreOneLineWithFileLineAndKey() throws IOException {
        String f = dir.resolve("orgctl.yaml").toString();
        assertError("""
                tfstate:
                  policy:
                    - claims: { repository: acme/infra, repo: x }
                      states: [prod]
                      access: write
                """, f + ":3: tfstate.policy[0].claims.repo: unknown key (expected one of environment, event_name, "
                + "job_workflow_ref, ref, repository, repository_owner, workflow)");
        assertError("""
                tfstate:
                  policy:
                    - claims: { repository: acme/infra }
                      states: [prod]
                      access: admin
                """, f + ":5: tfstate.policy[0].access: 'admin' is not read or write");
        assertError("""
                tfstate:
                  policy:
                    - claims: { repository: acme/infra }
                      states: [prod]
                    - claims: { repository: acme/infra }
                      access: read
                """, f + ":3: tfstate.policy[0].access: missing; every rule has claims, states and access");
        assertError("""
                tfstate:
                  policy:
                    - claims: { repository: acme/infra }
                      states: ["prod/*", "bad name"]
                      access: read
                """, f + ":4: tfstate.policy[0].states[1]: 'bad name' is not a state name pattern: letters, digits, "
                + ". _ - and / with the wildcards * ** ?");
        assertError("""
                tfstate:
                  policy: write
                """, f + ":2: tfstate.policy: expected a list of rules, each with claims, states and access");
        assertError("""
                tfstate:
                  policy:
                    - claims: { repository: acme/infra }
                      claims: { repository: acme/other }
                      states: [prod]
                      access: read
                """, f + ":4: tfstate.policy[0].claims: appears twice");
        assertError("tfstate:\n  policy: [ { claims: \n", null);
    }

    @Test
    void aRuleMustPinTheOwnerBecauseAnyRepositoryCanAskForThisAudience() throws IOException {
        for (String claims : new String[] {"{ ref: refs/heads/main }", "{ repository: \"*/infra\" }",
            "{ repository_owner: \"acm*\" }", "{ environment: prod, workflow: terraform }",
            "{ job_workflow_ref: \"**/.github/workflows/tf.yml@refs/heads/main\" }"}) {
            String yaml = "tfstate:\n  policy:\n    - claims: " + claims + "\n      states: [prod]\n      access: read\n";
            assertThatThrownBy(() -> policy(yaml)).as(claims).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(dir.resolve("orgctl.yaml") + ":3: tfstate.policy[0].claims: a rule must name");
        }
        for (String claims : new String[] {"{ repository: \"acme/*\" }", "{ repository_owner: acme }",
            "{ job_workflow_ref: \"acme/workflows/.github/workflows/tf.yml@*\" }"}) {
            String yaml = "tfstate:\n  policy:\n    - claims: " + claims + "\n      states: [prod]\n      access: read\n";
            assertThat(policy(yaml).rules()).as(claims).hasSize(1);
        }
    }

    @Test
    void theGeneralConfigReaderLeavesThePolicyToItsReaderButStillRefusesMisspeltTfstateKeys() throws IOException {
        Path file = Files.writeString(dir.resolve("orgctl.yaml"), "tfstate:\n  oidc:\n    audiense: orgctl\n");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of(), Optional.of(file)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'tfstate.oidc.audiense'");
    }

    @Test
    void theDocumentedExampleIsAPolicyThatMeansWhatTheDocsSay() throws IOException {
        String doc = Files.readString(Path.of("docs/terraform-state.md"));
        int start = doc.indexOf("```yaml\ntfstate:");
        String yaml = doc.substring(start + "```yaml\n".length(), doc.indexOf("```", start + 7));
        StatePolicy p = policy(yaml);

        assertThat(p.rules()).hasSize(3);
        assertThat(p.allowing(run("acme/infra", "refs/heads/main"), "prod/network/vpc", Access.WRITE)).isPresent();
        assertThat(p.allowing(run("acme/web", "refs/heads/main"), "shared", Access.READ)).isPresent();
        assertThat(p.allowing(run("acme/web", "refs/heads/main"), "shared", Access.WRITE)).isEmpty();
    }

    private void assertError(String yaml, String message) throws IOException {
        Path file = Files.writeString(dir.resolve("orgctl.yaml"), yaml);
        var thrown = assertThatThrownBy(() -> StatePolicy.read(file)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(1));
        if (message != null) {
            thrown.hasMessage(message);
        } else {
            thrown.hasMessageStartingWith(file + ":").hasMessageContaining("not valid YAML");
        }
    }
}
