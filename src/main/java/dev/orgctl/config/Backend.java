package dev.orgctl.config;

/** Where the repositories live. */
public enum Backend {
    GITHUB, GIT
}
