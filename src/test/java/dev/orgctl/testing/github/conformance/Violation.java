package dev.orgctl.testing.github.conformance;

import java.util.List;

/** A call that GitHub's REST description does not allow, or an answer of the fake it does not. */
public record Violation(Side side, String call, String operation, List<String> problems) {
    public enum Side { REQUEST, RESPONSE }

    public Violation {
        problems = List.copyOf(problems);
    }

    @Override
    public String toString() {
        return (side == Side.REQUEST ? "request " : "fake's response to ") + call
                + (operation.isEmpty() ? "" : " [" + operation + "]") + ": " + String.join("; ", problems);
    }
}
