package dev.orgctl.regen;


/**
 * A broken template as one repository sees it: the set it breaks (that set is not applied to the
 * repository; every other set is), the file, the line and the problem. Rendered as
 * {@code acme/.github:templates/ci/ci.yml line 2: unknown variable 'repo.nmae' (...)}.
 *
 * @param set  the template set that is not applied
 * @param file the template (or file name) in the templates repository
 * @param line 1-based, 0 when not tied to a line
 */
public record TemplateError(String set, String file, int line, String detail) {
    static TemplateError of(String set, TemplateException e) {
        return new TemplateError(set, e.file(), e.line().orElse(0), e.detail());
    }

    /** File, line and problem in one line, as {@link TemplateException} words it. */
    public String message() {
        return file + (line > 0 ? " line " + line : "") + ": " + detail;
    }

    TemplateException toException() {
        return new TemplateException(file, line, detail);
    }

    @Override
    public String toString() {
        return message();
    }
}
