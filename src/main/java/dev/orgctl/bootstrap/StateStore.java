package dev.orgctl.bootstrap;

/** Where the bootstrap state lives: a local file before NATS exists, the ORGCTL_BOOTSTRAP bucket after. */
public interface StateStore {
    BootstrapState load();

    void save(BootstrapState state);

    /** Where, for messages: a file path or a bucket name. */
    String describe();
}
