package dev.orgctl.tfstate.auth;

/** What a caller may do to a state: read it (GET), or also write, lock and unlock it. */
public enum Access {
    READ,
    WRITE;

    public boolean covers(Access wanted) {
        return this == WRITE || wanted == READ;
    }
}
