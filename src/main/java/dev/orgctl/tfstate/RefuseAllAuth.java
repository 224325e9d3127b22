package dev.orgctl.tfstate;

import dev.orgctl.tfstate.auth.Access;
import dev.orgctl.tfstate.auth.AuthOutcome;
import dev.orgctl.tfstate.auth.Caller;
import dev.orgctl.tfstate.auth.StateAuth;
import java.util.Optional;

/**
 * The safe default until the OIDC and token authentication is wired in: every request is
 * answered 401, so a gateway never serves or takes state from someone it cannot identify.
 */
public final class RefuseAllAuth implements StateAuth {
    @Override
    public AuthOutcome authenticate(Optional<String> authorization) {
        return new AuthOutcome.Unauthenticated("the state backend has no authentication configured yet");
    }

    @Override
    public boolean allows(Caller caller, String name, Access access) {
        return false;
    }
}
