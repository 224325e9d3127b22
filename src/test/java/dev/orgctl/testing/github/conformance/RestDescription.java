package dev.orgctl.testing.github.conformance;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.util.OpenApiLoader;
import com.atlassian.oai.validator.whitelist.ValidationErrorsWhitelist;
import com.atlassian.oai.validator.whitelist.rule.WhitelistRules;
import dev.orgctl.testing.GitHubDescriptions;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * GitHub's REST description for api.github.com (the pinned {@code @octokit/openapi} package) with
 * the validator built on it and the index of its operations.
 *
 * <p>Loading it costs about two seconds and a few hundred MB, so each test JVM loads it once, on
 * first use, and every fake of that JVM shares it: the one piece of JVM-wide state in the fake,
 * read-only after loading.
 */
public final class RestDescription {
    /** The API version whose behaviour this description documents (GitHub's default version). */
    public static final String API_VERSION = "2022-11-28";
    public static final String PACKAGE = "@octokit/openapi";

    private final OpenApiInteractionValidator validator;
    private final OperationIndex operations;

    private RestDescription(OpenApiInteractionValidator validator, OperationIndex operations) {
        this.validator = validator;
        this.operations = operations;
    }

    private static RestDescription shared;

    /**
     * The description of this JVM, loaded on first use. A failed load (the npm cache missing) is
     * tried again by the next fake, so every test says what to run rather than only the first.
     */
    public static synchronized RestDescription shared() {
        if (shared == null) {
            // The file with $refs: the validator resolves them lazily; the dereferenced twin is 73 MB.
            shared = load(GitHubDescriptions.openapi().resolveSibling("api.github.com.json"));
        }
        return shared;
    }

    /** {@code @octokit/openapi@23.0.2 (api.github.com)}: what a report says it checked against. */
    public static String describe() {
        return PACKAGE + "@" + GitHubDescriptions.version(PACKAGE) + " (api.github.com)";
    }

    /**
     * Findings that are the validator's misreading of the description, not a wrong call, each
     * named with why. Nothing else is forgiven.
     */
    static final ValidationErrorsWhitelist QUIRKS = ValidationErrorsWhitelist.create()
            .withRule("hook-delivery's response.payload is a string that also carries"
                            + " additionalProperties; the parser turns it into a map and rejects every string",
                    WhitelistRules.allOf(WhitelistRules.isResponse(),
                            WhitelistRules.pathContainsSubstring("/deliveries/"),
                            WhitelistRules.messageContainsSubstring("[Path '/response/payload'] Instance type (string)"
                                    + " does not match any allowed primitive type (allowed: [\"null\",\"object\"])")));

    static RestDescription load(Path file) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setResolveFully(false);
        OpenAPI api = new OpenApiLoader().loadApi(
                OpenApiInteractionValidator.SpecSource.specUrl(file.toUri().toString()), List.of(), options);
        // Every finding is an error, and objects take no property their schema does not name
        // (GitHub's schemas mostly leave additionalProperties open): a misspelled field in a
        // request, or one the fake invents in an answer, is a violation and not silence.
        LevelResolver levels = LevelResolver.create()
                .withDefaultLevel(ValidationReport.Level.ERROR)
                .withLevel("validation.schema.additionalProperties", ValidationReport.Level.ERROR)
                .build();
        OpenApiInteractionValidator validator = OpenApiInteractionValidator.createFor(api)
                .withLevelResolver(levels)
                .withWhitelist(QUIRKS)
                .build();
        return new RestDescription(validator, OperationIndex.of(api));
    }

    OpenApiInteractionValidator validator() {
        return validator;
    }

    OperationIndex operations() {
        return operations;
    }
}
