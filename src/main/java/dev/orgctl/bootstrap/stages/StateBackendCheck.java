package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The gateway stage's check of the Terraform state backend (issue 18), served by the same process:
 * once the gateway is ready, an unauthenticated state read must be refused the way only the
 * backend refuses it, and how to point Terraform at it is printed and recorded, so that after the
 * bootstrap the org's Terraform can use orgctl as its backend. Its JetStream resources are the
 * topology stage's; a backend that answers needs nothing more than credentials (policy or tokens).
 */
final class StateBackendCheck {
    /** The state name the check reads, without credentials (refused before any lookup). */
    static final String PROBE = "orgctl-bootstrap-check";

    private final HttpClient http;

    StateBackendCheck(HttpClient http) {
        this.http = http;
    }

    static String url(URI base) {
        return base.resolve("/tfstate/").toString();
    }

    /** Checks the backend, prints how to use it; the summary's suffix. */
    String announce(BootstrapContext ctx, URI base) {
        problem(base).ifPresent(p -> {
            throw new BootstrapException(p + "; run the same orgctl version for 'orgctl up' as for the bootstrap");
        });
        ctx.out().println();
        ctx.out().println("  Terraform state backend at " + url(base) + "NAME; for a state's backend block and a");
        ctx.out().println("  GitHub Actions job (OIDC): orgctl tfstate config NAME --url " + base
                + "  (allow it in tfstate.policy, docs/terraform-state.md)");
        ctx.out().flush();
        return "; Terraform state backend at " + url(base);
    }

    /** Empty when the backend answers as it should. */
    Optional<String> problem(URI base) {
        return servesStates(base) ? Optional.empty() : Optional.of("the gateway at " + base
                + " does not serve the Terraform state backend (GET " + url(base) + PROBE
                + " without credentials is not answered 401 realm \"orgctl tfstate\")");
    }

    private boolean servesStates(URI base) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url(base) + PROBE))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 401 && r.headers().firstValue("WWW-Authenticate").orElse("")
                    .contains("realm=\"orgctl tfstate\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
