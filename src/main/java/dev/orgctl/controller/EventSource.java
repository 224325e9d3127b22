package dev.orgctl.controller;

import java.util.Optional;

/**
 * Something that feeds the controller work (after java-operator-sdk's EventSource): the gateway
 * follower, the git ref watcher, the periodic reconcile. Each reports its health the same way, and
 * {@code orgctl up} registers every source as a {@code /readyz} check under its {@link #name()}.
 * Jobs enter through one door, {@link JobScheduler#schedule}; see docs/DEVELOPING.md.
 */
public interface EventSource {
    /** The source's name, and its check's name in {@code /readyz}. */
    String name();

    /** Empty while the source feeds work; else what stops it, in words. */
    Optional<String> problem();

    /** A source given by its parts. */
    static EventSource of(String name, java.util.function.Supplier<Optional<String>> problem) {
        return new EventSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<String> problem() {
                return problem.get();
            }
        };
    }
}
