package dev.orgctl.regen;

import java.util.Locale;

/** Who owns a generated file (see docs/templates.md, "Ownership policies"). */
public enum Policy {
    /** orgctl owns the whole file: written, kept equal to the template, deleted when stale. */
    OVERWRITE,
    /** Written once when missing, never modified or deleted afterwards: from then on the file is the repository's. */
    CREATE_ONLY,
    /** orgctl owns only a marked block inside the file; the rest of the file is the repository's. */
    MANAGED_BLOCK;

    /** The spelling in {@code orgctl.yaml}: {@code overwrite}, {@code create-only}, {@code managed-block}. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Policy parse(String s) {
        for (Policy p : values()) {
            if (p.yamlName().equals(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + s + "': expected overwrite, create-only or managed-block");
    }
}
