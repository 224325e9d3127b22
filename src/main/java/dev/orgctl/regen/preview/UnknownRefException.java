package dev.orgctl.regen.preview;

import dev.orgctl.OrgctlException;

/** A ref given for a preview names no branch, tag or commit of the templates repository. */
public final class UnknownRefException extends OrgctlException {
    public UnknownRefException(String templatesRepo, String ref) {
        super(templatesRepo + " has no branch, tag or commit '" + ref + "'", null, false);
    }

    /** False: the same name stays unknown until someone pushes it. */
    @Override
    public boolean retryable() {
        return false;
    }
}
