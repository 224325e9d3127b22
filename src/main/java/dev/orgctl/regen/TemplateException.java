package dev.orgctl.regen;

import dev.orgctl.OrgctlException;
import java.util.Optional;

/**
 * A template or {@code orgctl.yaml} a person must fix: names the file, the line (1-based, when
 * known) and, for {@code orgctl.yaml}, the key.
 */
public class TemplateException extends OrgctlException {
    private final String file;
    private final int line;
    private final String detail;

    public TemplateException(String file, int line, String message) {
        super(file + (line > 0 ? " line " + line : "") + ": " + message, null, false);
        this.file = file;
        this.line = line;
        this.detail = message;
    }

    /** The file in the templates repository, e.g. {@code templates/ci/.github/workflows/ci.yml}. */
    public String file() {
        return file;
    }

    /** 1-based line, or empty when the error is not tied to one. */
    public Optional<Integer> line() {
        return line > 0 ? Optional.of(line) : Optional.empty();
    }

    /** The problem alone, without file and line. */
    public String detail() {
        return detail;
    }

    /** False: a person must fix the template or {@code orgctl.yaml}; the same revision fails the same way. */
    @Override
    public boolean retryable() {
        return false;
    }
}
