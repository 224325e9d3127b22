package dev.orgctl.tfstate;

import java.time.Instant;

/**
 * One stored version of a state.
 *
 * @param version number, counting from 1 per state; never reused
 * @param object  the object holding its (maybe encrypted) bytes in {@code ORGCTL_TFSTATE_OBJECTS}
 * @param size    bytes of the state as Terraform sent it
 * @param sha256  hex digest of those bytes
 * @param serial  Terraform's {@code serial}, -1 when the state has none
 * @param lineage Terraform's {@code lineage}, "" when none
 * @param keyId   the key that encrypted it, "" when stored as sent
 * @param created when it was written (ISO-8601, UTC)
 * @param by      who wrote it (the caller's subject, or the CLI's user)
 * @param note    how it came to be: "" for a write, "rollback to N" for a rollback
 */
public record StateVersion(long version, String object, long size, String sha256, long serial, String lineage,
                           String keyId, String created, String by, String note) {
    public Instant createdAt() {
        return Instant.parse(created);
    }
}
