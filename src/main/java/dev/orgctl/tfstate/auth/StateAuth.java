package dev.orgctl.tfstate.auth;

import java.util.Optional;

/**
 * Authentication and authorization of the Terraform state backend (docs/terraform-state.md):
 * Terraform's http backend sends HTTP basic credentials; the password is a GitHub Actions OIDC ID
 * token or an orgctl token, the user name is ignored.
 */
public interface StateAuth {
    /** @param authorization the request's {@code Authorization} header, if any */
    AuthOutcome authenticate(Optional<String> authorization);

    /** Whether the caller may have {@code access} to the state {@code name} (a 403 otherwise). */
    boolean allows(Caller caller, String name, Access access);
}
