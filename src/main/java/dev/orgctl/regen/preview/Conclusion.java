package dev.orgctl.regen.preview;

/** A preview's verdict, as a check run's conclusion. */
public enum Conclusion {
    /** The templates render everywhere and something would change. */
    SUCCESS,
    /** Something would fail to render, or {@code orgctl.yaml} is invalid. */
    FAILURE,
    /** The templates render and nothing would change. */
    NEUTRAL
}
