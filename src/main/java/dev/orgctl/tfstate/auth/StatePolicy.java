package dev.orgctl.tfstate.auth;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which GitHub Actions workflows may read or write which Terraform states: the {@code tfstate.policy}
 * list of the service's {@code orgctl.yaml} (docs/terraform-state.md). A token is allowed when
 * some rule's claims all match its claims, one of the rule's state patterns matches the state, and
 * the rule's access covers what is asked. Nothing else is allowed: no rule, no access.
 */
public record StatePolicy(List<Rule> rules) {
    /**
     * The token claims a rule may test. GitHub puts many more into a token; these are the ones that
     * say which repository, branch, environment and workflow a run is, and they are documented.
     */
    public static final List<String> USABLE_CLAIMS = List.of("repository", "repository_owner", "ref", "environment",
            "job_workflow_ref", "workflow", "event_name");
    /**
     * A rule must name one of these, pinned to an owner: every repository on GitHub can ask GitHub
     * for a token with any audience, so a rule matching only {@code ref: refs/heads/main} would admit
     * anyone's main branch.
     */
    public static final List<String> IDENTIFYING_CLAIMS = List.of("repository", "repository_owner", "job_workflow_ref");

    public StatePolicy {
        rules = List.copyOf(rules);
    }

    /**
     * One rule.
     *
     * @param claims claim name to the pattern its value must match (all of them)
     * @param states patterns of the state names the rule covers
     * @param access what the rule allows on those states
     * @param where  {@code FILE:LINE} of the rule, for the log when it allows
     */
    public record Rule(Map<String, Glob> claims, List<Glob> states, Access access, String where) {
        public Rule {
            claims = Map.copyOf(claims);
            states = List.copyOf(states);
        }

        boolean allows(Map<String, String> tokenClaims, String state, Access wanted) {
            if (!access.covers(wanted) || states.stream().noneMatch(g -> g.matches(state))) {
                return false;
            }
            for (Map.Entry<String, Glob> c : claims.entrySet()) {
                String value = tokenClaims.get(c.getKey());
                if (value == null || !c.getValue().matches(value)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** No rules: every OIDC caller is refused (orgctl tokens still work). */
    public static StatePolicy none() {
        return new StatePolicy(List.of());
    }

    /** The policy of a service's orgctl.yaml; no {@code tfstate.policy} there is {@link #none()}. */
    public static StatePolicy read(Path file) {
        return PolicyReader.read(file);
    }

    /** The first rule that allows, if any. */
    public Optional<Rule> allowing(Map<String, String> tokenClaims, String state, Access wanted) {
        return rules.stream().filter(r -> r.allows(tokenClaims, state, wanted)).findFirst();
    }
}
