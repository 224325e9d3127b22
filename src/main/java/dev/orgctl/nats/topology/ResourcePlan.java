package dev.orgctl.nats.topology;

import java.util.List;

/** What {@code topology plan} found for one resource. */
public sealed interface ResourcePlan {
    ResourceSpec spec();

    /** True when {@code topology apply} would change the server for this resource. */
    boolean changes();

    /** One field that differs: what the server has and what orgctl declares. */
    record FieldDiff(String field, String server, String declared) {
        @Override
        public String toString() {
            return field + ": " + server + " -> " + declared;
        }
    }

    /** Missing on the server: apply creates it. */
    record Create(ResourceSpec spec) implements ResourcePlan {
        @Override
        public boolean changes() {
            return true;
        }
    }

    /** Matches the declaration. */
    record Unchanged(ResourceSpec spec) implements ResourcePlan {
        @Override
        public boolean changes() {
            return false;
        }
    }

    /** The declaration changed since orgctl last applied it: apply updates it in place. */
    record Update(ResourceSpec spec, List<FieldDiff> diffs) implements ResourcePlan {
        @Override
        public boolean changes() {
            return true;
        }
    }

    /** Someone changed the resource on the server since orgctl applied it: apply restores the declaration. */
    record Drift(ResourceSpec spec, List<FieldDiff> diffs) implements ResourcePlan {
        @Override
        public boolean changes() {
            return true;
        }
    }

    /**
     * A difference JetStream cannot apply in place. orgctl never deletes data to resolve it: the
     * advice says what an operator can do.
     */
    record Blocked(ResourceSpec spec, List<FieldDiff> diffs, String advice) implements ResourcePlan {
        @Override
        public boolean changes() {
            return true;
        }
    }
}
