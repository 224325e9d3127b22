package dev.orgctl.demo;

/** The demo could not show what it set out to show; the message says what went wrong. */
public final class DemoFailure extends RuntimeException {
    public DemoFailure(String message) {
        super(message);
    }
}
