package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a GitHub error answer into one {@link GitHubApiException} with a message a person can act
 * on. GitHub names what is missing in three places, all read here: the classic-token scope headers
 * ({@code X-OAuth-Scopes} has, {@code X-Accepted-OAuth-Scopes} wanted), the fine-grained/App
 * permission header ({@code X-Accepted-GitHub-Permissions}), and the message itself ("...without
 * `workflow` scope", "...without `workflows` permission").
 */
final class ApiErrors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WITHOUT = Pattern.compile("without `?([A-Za-z_:-]+)`? (scope|permission)");

    private ApiErrors() {
    }

    static GitHubApiException translate(GitHubRequest req, int status, HttpHeaders headers, byte[] body,
                                        String credentials) {
        String call = req.describe();
        JsonNode json = parse(body);
        String ghMessage = json.path("message").asText("").strip();
        List<String> details = details(json);
        String said = ghMessage.isEmpty() ? "" : ": " + ghMessage;
        switch (status) {
            case 401:
                return new GitHubApiException(GitHubApiException.Kind.BAD_CREDENTIALS, status, call,
                        "GitHub rejected the credentials (" + credentials + ") on " + call + " (401" + said + "): "
                                + (req.auth() == GitHubRequest.Auth.APP_JWT
                                        ? "check GITHUB_APP_ID, that GITHUB_APP_PRIVATE_KEY_FILE is the App's current key, "
                                        + "and this machine's clock"
                                        : "the token is wrong, expired or revoked; check GITHUB_TOKEN"),
                        Optional.empty(), details, null);
            case 403: {
                Optional<String> missing = missing(headers, ghMessage);
                String what = missing.map(m -> ": " + m).orElse(
                        ": the credentials are not allowed to do this (an org policy, SSO authorization, "
                                + "or a permission GitHub did not name)");
                return new GitHubApiException(GitHubApiException.Kind.FORBIDDEN, status, call,
                        "GitHub refused " + call + " (403" + said + ")" + what, missing, details, null);
            }
            case 404:
                return new GitHubApiException(GitHubApiException.Kind.NOT_FOUND, status, call,
                        "GitHub has no " + call + " (404" + said + "): it does not exist, or " + credentials
                                + " cannot see it (GitHub answers 404 rather than 403 for private resources)",
                        Optional.empty(), details, null);
            case 409:
                return new GitHubApiException(GitHubApiException.Kind.CONFLICT, status, call,
                        "GitHub refused " + call + " (409" + said + ")", Optional.empty(), details, null);
            case 422:
                return new GitHubApiException(GitHubApiException.Kind.VALIDATION, status, call,
                        "GitHub rejected " + call + " (422" + said + ")"
                                + (details.isEmpty() ? "" : ": " + String.join("; ", details)),
                        Optional.empty(), details, null);
            default:
                if (status >= 500) {
                    return new GitHubApiException(GitHubApiException.Kind.SERVER_ERROR, status, call,
                            "GitHub failed on " + call + " (" + status + said + "); try again later",
                            Optional.empty(), details, null);
                }
                return new GitHubApiException(GitHubApiException.Kind.UNEXPECTED, status, call,
                        "GitHub answered " + status + " to " + call + said, Optional.empty(), details, null);
        }
    }

    /**
     * What is missing, from the headers and the message: a classic token's scope, an App's or
     * fine-grained token's permission. Empty when GitHub does not say.
     */
    static Optional<String> missing(HttpHeaders headers, String message) {
        Matcher m = WITHOUT.matcher(message);
        if (m.find()) {
            return Optional.of(("scope".equals(m.group(2)) ? "the token lacks the '" : "the App or token lacks the '")
                    + m.group(1) + "' " + m.group(2));
        }
        Set<String> accepted = csv(headers.firstValue("X-Accepted-OAuth-Scopes").orElse(""));
        Optional<String> grantedHeader = headers.firstValue("X-OAuth-Scopes");
        Set<String> granted = csv(grantedHeader.orElse(""));
        if (!accepted.isEmpty() && grantedHeader.isPresent() && accepted.stream().noneMatch(granted::contains)) {
            String need = accepted.size() == 1 ? "the '" + accepted.iterator().next() + "' scope"
                    : "one of the scopes " + accepted.stream().map(s -> "'" + s + "'").collect(Collectors.joining(", "));
            return Optional.of("the token lacks " + need + " (it has: "
                    + (granted.isEmpty() ? "no scopes" : String.join(", ", granted)) + ")");
        }
        Optional<String> perms = headers.firstValue("X-Accepted-GitHub-Permissions");
        if (perms.isPresent() && !perms.get().isBlank()) {
            return Optional.of("the App or fine-grained token needs the permission(s) "
                    + perms.get().strip().replace(";", ",") + " on this resource");
        }
        return Optional.empty();
    }

    /** A GraphQL error: FORBIDDEN errors name the missing scope the same way REST messages do. */
    static GitHubApiException graphql(String operation, List<JsonNode> errors, String credentials) {
        List<String> messages = new ArrayList<>();
        Optional<String> missing = Optional.empty();
        boolean forbidden = false;
        boolean notFound = false;
        boolean failedOnItsSide = false;
        for (JsonNode e : errors) {
            String type = e.path("type").asText("");
            String msg = e.path("message").asText("");
            messages.add(type.isEmpty() ? msg : type + ": " + msg);
            if (type.equals("FORBIDDEN") || msg.toLowerCase(Locale.ROOT).contains("refusing to allow")) {
                forbidden = true;
                if (missing.isEmpty()) {
                    missing = missing(HttpHeaders.of(java.util.Map.of(), (a, b) -> true), msg);
                }
            }
            if (type.equals("NOT_FOUND")) {
                notFound = true;
            }
            // GitHub's own failures come as untyped errors ("Something went wrong while executing
            // your query. This may be the result of a timeout..."): the same query may pass later.
            String lower = msg.toLowerCase(Locale.ROOT);
            if (type.isEmpty() && (lower.contains("something went wrong") || lower.contains("timeout")
                    || lower.contains("timedout"))) {
                failedOnItsSide = true;
            }
        }
        String call = "POST /graphql (" + operation + ")";
        GitHubApiException.Kind kind = forbidden ? GitHubApiException.Kind.FORBIDDEN
                : notFound ? GitHubApiException.Kind.NOT_FOUND
                : failedOnItsSide ? GitHubApiException.Kind.SERVER_ERROR : GitHubApiException.Kind.GRAPHQL;
        String message = "GitHub refused " + call + ": " + String.join("; ", messages)
                + missing.map(m -> " (" + m + ")").orElse("")
                + (notFound ? " (it does not exist, or " + credentials + " cannot see it)" : "");
        return new GitHubApiException(kind, 200, call, message, missing, messages, null);
    }

    private static JsonNode parse(byte[] body) {
        try {
            return body.length == 0 ? JSON.missingNode() : JSON.readTree(body);
        } catch (Exception e) {
            return JSON.missingNode();
        }
    }

    /** GitHub's 422 {@code errors}: objects with resource/field/code/message, or plain strings. */
    private static List<String> details(JsonNode json) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : json.path("errors")) {
            if (e.isTextual()) {
                out.add(e.asText());
                continue;
            }
            String msg = e.path("message").asText("");
            String resource = e.path("resource").asText("");
            String field = e.path("field").asText("");
            String code = e.path("code").asText("");
            StringBuilder sb = new StringBuilder();
            if (!resource.isEmpty()) {
                sb.append(resource);
                if (!field.isEmpty()) {
                    sb.append('.').append(field);
                }
                sb.append(": ");
            }
            if (!msg.isEmpty()) {
                sb.append(msg);
            } else if (!code.isEmpty()) {
                sb.append(code.replace('_', ' '));
            }
            if (sb.length() > 0) {
                out.add(sb.toString());
            }
        }
        return out;
    }

    private static Set<String> csv(String s) {
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).forEach(out::add);
        return out;
    }
}
