package dev.orgctl.bootstrap;

/** How far orgctl deploys things itself. */
public enum BootstrapMode {
    /** One machine: embedded NATS and gateway+controller as detached background processes. */
    DEV,
    /** NATS_URL given (self-hosted cluster or Synadia Cloud); the gateway is run by the operator's platform. */
    EXTERNAL
}
