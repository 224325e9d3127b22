package dev.orgctl.gateway;

/**
 * Why a request was refused before anything was published: the HTTP status and the
 * {@code reason} label of {@code orgctl_gateway_refusals_total}.
 */
public enum Refusal {
    NOT_FOUND(404, "not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    BODY_TOO_LARGE(413, "body_too_large"),
    MISSING_HEADER(400, "missing_header"),
    INVALID_HEADER(400, "invalid_header"),
    UNSUPPORTED_CONTENT_TYPE(415, "unsupported_content_type"),
    SIGNATURE_MISSING(401, "signature_missing"),
    SIGNATURE_SHA1_ONLY(401, "signature_sha1_only"),
    SIGNATURE_INVALID(401, "signature_invalid"),
    INVALID_PAYLOAD(400, "invalid_payload"),
    /** Fits GitHub's cap but not the NATS server's {@code max_payload}: an operator must raise it. */
    EXCEEDS_NATS_MAX_PAYLOAD(413, "exceeds_nats_max_payload"),
    SHUTTING_DOWN(503, "shutting_down");

    private final int status;
    private final String reason;

    Refusal(int status, String reason) {
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
