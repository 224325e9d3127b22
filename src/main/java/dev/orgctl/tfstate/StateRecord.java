package dev.orgctl.tfstate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The metadata of one state, the value of its entry in {@code ORGCTL_TFSTATE}: the kept versions
 * (oldest first) and which one is current, replaced as a whole by compare-and-set so a reader
 * always sees one consistent picture.
 *
 * @param name    the state's name
 * @param current the current version, 0 when the state is deleted or never written
 * @param next    the number the next version gets
 * @param fence   the highest lock fencing token a write has carried; a write with a lower one is refused
 * @param versions the kept versions, oldest first
 */
public record StateRecord(String name, long current, long next, long fence, List<StateVersion> versions) {
    public StateRecord {
        versions = List.copyOf(versions);
    }

    static StateRecord empty(StateName name) {
        return new StateRecord(name.value(), 0, 1, 0, List.of());
    }

    public Optional<StateVersion> currentVersion() {
        return find(current);
    }

    public Optional<StateVersion> find(long version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }

    /** This record with {@code v} added and current, keeping at most {@code keep} versions. */
    StateRecord with(StateVersion v, long newFence, int keep) {
        List<StateVersion> all = new ArrayList<>(versions);
        all.add(v);
        List<StateVersion> kept = all.subList(Math.max(0, all.size() - keep), all.size());
        return new StateRecord(name, v.version(), v.version() + 1, Math.max(fence, newFence), kept);
    }

    /** The versions {@code after} no longer keeps. */
    List<StateVersion> droppedIn(StateRecord after) {
        return versions.stream().filter(v -> after.find(v.version()).isEmpty()).toList();
    }

    StateRecord deleted() {
        return new StateRecord(name, 0, next, fence, versions);
    }
}
