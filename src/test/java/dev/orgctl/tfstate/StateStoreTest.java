package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.SharedNats;
import io.nats.client.Connection;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The state store on a real nats-server (1 MiB message limit): versions, retention, chunks, encryption. */
class StateStoreTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    static byte[] state(long serial, String filler) {
        return ("{\"version\":4,\"serial\":" + serial + ",\"lineage\":\"l-1\",\"outputs\":{\"x\":{\"value\":\""
                + filler + "\",\"type\":\"string\"}}}").getBytes(StandardCharsets.UTF_8);
    }

    private static StateName unique(TestInfo info) {
        String method = info.getTestMethod().orElseThrow().getName();
        return new StateName("t/" + method.substring(0, Math.min(60, method.length())));
    }

    private static StateStore store(Optional<StateKeys> keys, int keep) {
        return new StateStore(NATS.connection(), keys, keep, Clock.systemUTC());
    }

    private static StateVersion written(StateStore.Write w) {
        assertThat(w).isInstanceOf(StateStore.Written.class);
        return ((StateStore.Written) w).version();
    }

    @Test
    void everyWriteIsANewVersionAndTheLastIsCurrent(TestInfo info) {
        StateName name = unique(info);
        StateStore store = store(Optional.empty(), 50);
        assertThat(store.current(name)).isEmpty();
        written(store.put(name, state(1, "a"), StateStore.Fence.NONE, "alice", ""));
        StateVersion v2 = written(store.put(name, state(2, "b"), StateStore.Fence.NONE, "bob", ""));
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.serial()).isEqualTo(2);
        assertThat(v2.lineage()).isEqualTo("l-1");
        assertThat(store.current(name).orElseThrow().bytes()).isEqualTo(state(2, "b"));
        assertThat(store.version(name, 1).orElseThrow().bytes()).isEqualTo(state(1, "a"));
        assertThat(store.record(name).orElseThrow().versions()).extracting(StateVersion::by).containsExactly("alice", "bob");
    }

    @Test
    void onlyTheLastNVersionsAreKeptAndTheirObjectsDeleted(TestInfo info) throws Exception {
        StateName name = unique(info);
        StateStore store = store(Optional.empty(), 3);
        for (int i = 1; i <= 5; i++) {
            written(store.put(name, state(i, "x" + i), StateStore.Fence.NONE, "ci", ""));
        }
        StateRecord r = store.record(name).orElseThrow();
        assertThat(r.versions()).extracting(StateVersion::version).containsExactly(3L, 4L, 5L);
        assertThat(store.version(name, 2)).isEmpty();
        long objects = NATS.connection().objectStore(Topology.TFSTATE_OBJECTS).getList().stream()
                .filter(o -> o.getObjectName().startsWith(name.key() + "/")).count();
        assertThat(objects).isEqualTo(3);
    }

    @Test
    void aTwentyMegabyteStateIsStoredInChunksAndReadBackWhole(TestInfo info) {
        StateName name = unique(info);
        byte[] random = new byte[15 * 1024 * 1024];
        new Random(7).nextBytes(random);
        byte[] big = state(1, Base64.getEncoder().encodeToString(random));
        assertThat(big.length).isGreaterThan(20 * 1024 * 1024);
        StateStore store = store(Optional.empty(), 50);
        written(store.put(name, big, StateStore.Fence.NONE, "ci", ""));
        assertThat(store.current(name).orElseThrow().bytes()).isEqualTo(big);
    }

    @Test
    void aWriteUnderAnOlderLockThanTheLastWriterIsFenced(TestInfo info) {
        StateName name = unique(info);
        StateStore store = store(Optional.empty(), 50);
        written(store.put(name, state(1, "new holder"), () -> OptionalLong.of(20), "b", ""));
        StateStore.Write stale = store.put(name, state(2, "old holder"), () -> OptionalLong.of(10), "a", "");
        assertThat(stale).isEqualTo(new StateStore.Fenced(10, 20));
        assertThat(store.current(name).orElseThrow().bytes()).isEqualTo(state(1, "new holder"));
        assertThat(store.record(name).orElseThrow().versions()).hasSize(1);
    }

    @Test
    void bytesThatAreNotAStateAreRefusedWithoutQuotingThem(TestInfo info) {
        StateStore store = store(Optional.empty(), 50);
        assertThatThrownBy(() -> store.put(unique(info), "password=hunter2".getBytes(StandardCharsets.UTF_8),
                StateStore.Fence.NONE, "x", ""))
                .isInstanceOf(StateJson.BadState.class).hasMessageStartingWith("the state is not JSON")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void deleteLeavesNoCurrentStateButKeepsTheVersions(TestInfo info) {
        StateName name = unique(info);
        StateStore store = store(Optional.empty(), 50);
        written(store.put(name, state(1, "a"), StateStore.Fence.NONE, "ci", ""));
        assertThat(store.delete(name)).isTrue();
        assertThat(store.current(name)).isEmpty();
        assertThat(store.version(name, 1)).isPresent();
        assertThat(store.delete(name)).isFalse();
        StateVersion again = written(store.put(name, state(1, "b"), StateStore.Fence.NONE, "ci", ""));
        assertThat(again.version()).isEqualTo(2);
    }

    @Test
    void encryptedVersionsAreNotStoredAsPlaintextAndKeysRotate(TestInfo info) throws Exception {
        StateName name = unique(info);
        StateKeys first = keys("k1");
        StateStore encrypted = store(Optional.of(first), 50);
        byte[] secret = state(1, "a-secret-in-the-state");
        StateVersion v1 = written(encrypted.put(name, secret, StateStore.Fence.NONE, "ci", ""));
        assertThat(v1.keyId()).isEqualTo("k1");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        NATS.connection().objectStore(Topology.TFSTATE_OBJECTS).get(v1.object(), raw);
        assertThat(new String(raw.toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain("a-secret-in-the-state");
        assertThat(encrypted.current(name).orElseThrow().bytes()).isEqualTo(secret);

        // Rotation: a new first key encrypts, the old one still decrypts.
        StateKeys rotated = StateKeys.parse("keys", List.of(line("k2", 2), line("k1", 1)));
        StateStore after = store(Optional.of(rotated), 50);
        StateVersion v2 = written(after.put(name, state(2, "b"), StateStore.Fence.NONE, "ci", ""));
        assertThat(v2.keyId()).isEqualTo("k2");
        assertThat(after.version(name, 1).orElseThrow().bytes()).isEqualTo(secret);

        // Without the old key, the old version is refused with the key id named, never garbage.
        StateStore onlyNew = store(Optional.of(StateKeys.parse("keys", List.of(line("k2", 2)))), 50);
        assertThat(onlyNew.current(name).orElseThrow().bytes()).isEqualTo(state(2, "b"));
        assertThatThrownBy(() -> onlyNew.version(name, 1)).isInstanceOf(TfstateException.class)
                .hasMessageContaining("key k1");
        // A plain store cannot pass ciphertext off as state either.
        assertThatThrownBy(() -> store(Optional.empty(), 50).current(name)).isInstanceOf(TfstateException.class);
    }

    @Test
    void keyFileErrorsNameTheLineButNeverTheKey() {
        assertThatThrownBy(() -> StateKeys.parse("keys.txt", List.of("# comment", "k1:" + "c2hvcnQ=")))
                .hasMessageStartingWith("keys.txt:2: the key of k1 has 5 bytes").hasMessageNotContaining("c2hvcnQ");
        assertThatThrownBy(() -> StateKeys.parse("keys.txt", List.of("")))
                .hasMessageContaining("no key");
    }

    @Test
    void statesSurviveANatsServerRestart(TestInfo info) throws Exception {
        try (NatsServerFixture own = NatsServerFixture.start().withTopology()) {
            StateName name = unique(info);
            byte[] s = state(3, "kept");
            try (Connection c = own.connect()) {
                written(new StateStore(c, Optional.of(keys("k1")), 50, Clock.systemUTC())
                        .put(name, s, StateStore.Fence.NONE, "ci", ""));
            }
            own.kill();
            own.restart();
            try (Connection c = own.connect()) {
                assertThat(new StateStore(c, Optional.of(keys("k1")), 50, Clock.systemUTC()).current(name)
                        .orElseThrow().bytes()).isEqualTo(s);
            }
        }
    }

    static StateKeys keys(String id) {
        return StateKeys.parse("keys", List.of(line(id, 1)));
    }

    static String line(String id, int seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return id + ":" + Base64.getEncoder().encodeToString(k);
    }
}
