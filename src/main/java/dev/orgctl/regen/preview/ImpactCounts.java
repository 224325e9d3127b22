package dev.orgctl.regen.preview;

/**
 * How much a template change does: the repositories that would change and the generated files
 * that would be created, updated, deleted or kept as they are (the ownership manifest is orgctl's
 * bookkeeping and not counted).
 */
public record ImpactCounts(int repositories, int created, int updated, int deleted, int kept) {
    public static final ImpactCounts NONE = new ImpactCounts(0, 0, 0, 0, 0);

    /** Whether any file would be written or deleted. */
    public boolean changes() {
        return created + updated + deleted > 0;
    }

    /** Field by field sum. */
    public ImpactCounts plus(ImpactCounts o) {
        return new ImpactCounts(repositories + o.repositories, created + o.created, updated + o.updated,
                deleted + o.deleted, kept + o.kept);
    }
}
