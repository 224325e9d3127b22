package dev.orgctl.regen.preview;

import java.util.List;

/**
 * Something that stops the templates from rendering (a template error, a broken
 * {@code orgctl.yaml}), once, with the repositories it stops.
 *
 * @param file         the file's path inside the templates repository ({@code templates/ci/ci.yml},
 *                     {@code orgctl.yaml}); empty when the problem is tied to no file
 * @param line         1-based, 0 when unknown
 * @param message      the problem alone, without file and line
 * @param repositories the repositories ({@code name}, not {@code org/name}) it stops, sorted; empty
 *                     when it stops all of them (a broken {@code orgctl.yaml})
 */
public record ImpactProblem(String file, int line, String message, List<String> repositories) {
    public ImpactProblem {
        repositories = List.copyOf(repositories);
    }

    /** {@code templates/ci/ci.yml line 3: unknown variable 'repo.nmae'}. */
    public String location() {
        return (file.isEmpty() ? "" : file) + (line > 0 ? " line " + line : "");
    }
}
