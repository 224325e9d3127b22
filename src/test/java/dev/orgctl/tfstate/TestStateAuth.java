package dev.orgctl.tfstate;

import dev.orgctl.tfstate.auth.Access;
import dev.orgctl.tfstate.auth.AuthOutcome;
import dev.orgctl.tfstate.auth.Caller;
import dev.orgctl.tfstate.auth.StateAuth;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * A small {@link StateAuth} for tests: the basic-auth password names a caller, who may have access
 * to the states under a prefix. The real OIDC and token implementation is tested on its own.
 */
final class TestStateAuth implements StateAuth {
    record Grant(Caller caller, String prefix, Access access) {
    }

    static final String WRITER = "writer-password";
    static final String READER = "reader-password";
    static final String ELSEWHERE = "elsewhere-password";

    private final Map<String, Grant> grants = Map.of(
            WRITER, new Grant(caller("alice"), "", Access.WRITE),
            READER, new Grant(caller("rita"), "", Access.READ),
            ELSEWHERE, new Grant(caller("eve"), "other/", Access.WRITE));

    private static Caller caller(String subject) {
        return new Caller("token", subject, Map.of(), Optional.empty());
    }

    @Override
    public AuthOutcome authenticate(Optional<String> authorization) {
        if (authorization.isEmpty() || !authorization.get().startsWith("Basic ")) {
            return new AuthOutcome.Unauthenticated("no credentials");
        }
        String pair = new String(Base64.getDecoder().decode(authorization.get().substring(6)), StandardCharsets.UTF_8);
        Grant g = grants.get(pair.substring(pair.indexOf(':') + 1));
        return g == null ? new AuthOutcome.Unauthenticated("unknown credentials") : new AuthOutcome.Authenticated(g.caller());
    }

    @Override
    public boolean allows(Caller caller, String name, Access access) {
        return grants.values().stream().anyMatch(g -> g.caller().equals(caller) && name.startsWith(g.prefix())
                && g.access().covers(access));
    }

    static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString(("terraform:" + password).getBytes(StandardCharsets.UTF_8));
    }
}
