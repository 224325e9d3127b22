package dev.orgctl.testing.github.conformance;

import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Checks every call the fake answers against GitHub's REST description: the request (operation,
 * path and query parameters, the headers that matter, the body) before the fake acts on it, and the
 * fake's answer (status, content type, body) after. What does not conform is recorded as a
 * {@link Violation}; a refused request is answered with a 4xx naming the violation instead of being
 * served. The fake fails its test on close when anything was recorded.
 */
public final class RestReferee {
    /**
     * Statuses GitHub may answer on any operation, documented once for the whole API rather than
     * per operation: 304 to a conditional request (docs: "Use conditional requests if
     * appropriate"), 401 for missing or bad credentials, 403 and 429 for rate limits and missing
     * permissions (docs: "Rate limits for the REST API"), 5xx for its own failures. Their body is
     * not checked when the operation does not list the status (the description gives no schema).
     */
    static final Set<Integer> ANY_OPERATION = Set.of(304, 401, 403, 429, 500, 502, 503);

    /** Media types GitHub documents for every operation (docs: "Media types"). */
    static final Set<String> GENERIC_ACCEPT = Set.of("application/vnd.github+json", "application/vnd.github.v3+json",
            "application/json", "*/*");

    /** What the referee decided about a request. */
    public sealed interface Verdict permits Checked, Exempt, Refused {
    }

    /** The request conforms to {@code match}; its answer is checked next. */
    public record Checked(OperationIndex.Match match, RestCall call) implements Verdict {
    }

    /** Not part of GitHub's REST API (see {@link Exemption}); neither side is checked. */
    public record Exempt(Exemption exemption) implements Verdict {
    }

    /** The request does not conform: the fake answers {@code status} with {@code message}. */
    public record Refused(int status, String message) implements Verdict {
    }

    private final RestDescription description;
    private final List<Violation> violations = new CopyOnWriteArrayList<>();

    public RestReferee(RestDescription description) {
        this.description = description;
    }

    public Verdict request(RestCall call) {
        String path = Exemption.normalize(call.rawPath());
        Optional<Exemption> exempt = Exemption.find(call.method(), path);
        if (exempt.isPresent()) {
            return new Exempt(exempt.get());
        }
        List<String> problems = new ArrayList<>();
        Optional<OperationIndex.Match> match = description.operations().match(call.method(), path, problems);
        if (match.isEmpty()) {
            violations.add(new Violation(Violation.Side.REQUEST, call.describe(), "", problems));
            return new Refused(404, "Not Found: " + String.join("; ", problems));
        }
        OperationIndex.Op op = match.get().op();
        int status = checkHeaders(call, op, problems);
        ValidationReport report = description.validator().validateRequest(toValidator(call, match.get()));
        problems.addAll(messages(report));
        if (!problems.isEmpty()) {
            violations.add(new Violation(Violation.Side.REQUEST, call.describe(), describe(op), problems));
            return new Refused(status, "Request does not conform to " + describe(op) + ": "
                    + String.join("; ", problems));
        }
        return new Checked(match.get(), call);
    }

    /** Checks the fake's answer to a request that conformed; counts the call. */
    public void response(Checked checked, int status, String contentType, byte[] body) {
        OperationIndex.Op op = checked.match().op();
        Tallies.count(op);
        boolean documented = op.statuses().contains(Integer.toString(status)) || op.statuses().contains("default");
        if (!documented) {
            if (!ANY_OPERATION.contains(status)) {
                violations.add(new Violation(Violation.Side.RESPONSE, checked.call().describe(), describe(op),
                        List.of("status " + status + " is not documented for this operation (it has "
                                + op.statuses() + ")")));
            }
            return;
        }
        SimpleResponse.Builder r = new SimpleResponse.Builder(status);
        if (body != null && body.length > 0) {
            r.withBody(body);
            if (contentType != null) {
                r.withContentType(contentType);
            }
        }
        ValidationReport report = description.validator().validateResponse(checked.match().validatorPath(),
                Request.Method.valueOf(op.method()), r.build());
        List<String> problems = messages(report);
        if (!problems.isEmpty()) {
            violations.add(new Violation(Violation.Side.RESPONSE, checked.call().describe() + " -> " + status,
                    describe(op), problems));
        }
    }

    /** Everything recorded so far. */
    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    /** Everything recorded so far, forgotten: for a test that provokes violations on purpose. */
    public List<Violation> takeViolations() {
        List<Violation> out = violations();
        violations.removeAll(out);
        return out;
    }

    /** Writes this JVM's tally (see {@link Tallies}). */
    public void writeTally() {
        Tallies.write();
    }

    /**
     * The headers GitHub documents for every request ("Getting started with the REST API"): a
     * User-Agent (without one GitHub answers 403), a supported X-GitHub-Api-Version if one is sent
     * (else 400), and an Accept GitHub serves. Returns the status GitHub gives the first problem
     * found, 422 when none of these (the validator's findings are GitHub's "Validation Failed").
     */
    private static int checkHeaders(RestCall call, OperationIndex.Op op, List<String> problems) {
        int status = 422;
        String accept = call.header("Accept");
        if (accept != null) {
            for (String range : accept.split(",")) {
                String type = range.split(";")[0].strip().toLowerCase(Locale.ROOT);
                if (!GENERIC_ACCEPT.contains(type) && !op.mediaTypes().contains(type)) {
                    problems.add("Accept " + type + " is neither GitHub's JSON media type nor one this operation "
                            + "answers in " + op.mediaTypes());
                }
            }
        }
        String version = call.header("X-GitHub-Api-Version");
        if (version != null && !version.equals(RestDescription.API_VERSION)) {
            problems.add("X-GitHub-Api-Version " + version + " is not a supported version (the description "
                    + "checked documents " + RestDescription.API_VERSION + ")");
            status = 400;
        }
        String agent = call.header("User-Agent");
        if (agent == null || agent.isBlank()) {
            problems.add("no User-Agent header (GitHub refuses requests without one)");
            status = 403;
        }
        return status;
    }

    /**
     * The request as the validator sees it. Accept is left out: {@link #checkHeaders} judged it,
     * and the validator knows only {@code application/json}, not GitHub's
     * {@code application/vnd.github+json}.
     */
    private static Request toValidator(RestCall call, OperationIndex.Match match) {
        SimpleRequest.Builder b = new SimpleRequest.Builder(call.method(), match.validatorPath());
        call.headers().forEach((name, values) -> {
            if (!name.equals("accept")) {
                b.withHeader(name, values);
            }
        });
        RestCall.parseQuery(call.rawQuery()).forEach(b::withQueryParam);
        if (call.body() != null && call.body().length > 0) {
            b.withBody(call.body());
        }
        return b.build();
    }

    private static List<String> messages(ValidationReport report) {
        List<String> out = new ArrayList<>();
        for (ValidationReport.Message m : report.getMessages()) {
            if (m.getLevel() == ValidationReport.Level.ERROR) {
                StringBuilder sb = new StringBuilder(m.getMessage());
                m.getNestedMessages().forEach(n -> sb.append(" {").append(n.getMessage()).append('}'));
                out.add(sb.toString());
            }
        }
        return out;
    }

    private static String describe(OperationIndex.Op op) {
        return op.operationId() + " (" + op.describe() + ")";
    }
}
