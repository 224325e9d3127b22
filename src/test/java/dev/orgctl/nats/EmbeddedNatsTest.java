package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedNatsTest {
    @TempDir
    Path dir;

    private EmbeddedNats.Spec spec(Path store) {
        return new EmbeddedNats.Spec(EmbeddedNats.locateBinary(Optional.empty()), store, "127.0.0.1", 0, 0, "");
    }

    @Test
    void startsWithJetStreamKeepsDataAcrossRestartAndStopsCleanly() throws Exception {
        Path store = dir.resolve("store");
        long pid;
        try (EmbeddedNats server = EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true)) {
            pid = server.pid();
            assertThat(server.monitorUrl()).isPresent();
            assertThat(EmbeddedNats.findRunning(store)).map(EmbeddedNats.Running::pid).contains(pid);
            try (Connection c = Nats.connect(server.url())) {
                JetStreamManagement jsm = c.jetStreamManagement();
                jsm.addStream(StreamConfiguration.builder().name("KEEP").subjects("keep.>")
                        .storageType(StorageType.File).build());
                c.jetStream().publish("keep.a", "persisted".getBytes(StandardCharsets.UTF_8));
            }
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(EmbeddedNats.findRunning(store)).isEmpty();

        try (EmbeddedNats again = EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true);
             Connection c = Nats.connect(again.url())) {
            assertThat(again.pid()).isNotEqualTo(pid);
            var msg = c.jetStreamManagement().getMessage("KEEP", 1);
            assertThat(new String(msg.getData(), StandardCharsets.UTF_8)).isEqualTo("persisted");
        }
    }

    @Test
    void aSecondServerOnTheSameStoreIsRefusedWithTheFirstOnesAddress() {
        Path store = dir.resolve("store");
        try (EmbeddedNats first = EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true)) {
            assertThatThrownBy(() -> EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true))
                    .isInstanceOf(NatsUnavailableException.class)
                    .hasMessageContaining("in use").hasMessageContaining(first.url());
            assertThat(first.isAlive()).isTrue();
        }
    }

    @Test
    void aDetachedServerIsFoundByItsPidFileAndProtectsTheStore() {
        Path store = dir.resolve("store");
        EmbeddedNats detached = EmbeddedNats.start(spec(store), Duration.ofSeconds(15), false);
        try {
            assertThat(EmbeddedNats.findRunning(store)).map(EmbeddedNats.Running::url).contains(detached.url());
            assertThatThrownBy(() -> EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true))
                    .hasMessageContaining("already runs").hasMessageContaining(detached.url());
        } finally {
            detached.close();
        }
    }

    @Test
    void aKilledServerLeavesAStoreTheNextOneCanUse() throws Exception {
        Path store = dir.resolve("store");
        EmbeddedNats server = EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true);
        server.kill();
        assertThat(EmbeddedNats.findRunning(store)).isEmpty();
        try (EmbeddedNats next = EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true)) {
            assertThat(next.isAlive()).isTrue();
        }
    }

    @Test
    void aServerThatCannotStartReportsItsOwnError() throws Exception {
        Path store = dir.resolve("store");
        try (EmbeddedNats first = EmbeddedNats.start(spec(store), Duration.ofSeconds(15), true)) {
            int port = java.net.URI.create(first.url()).getPort();
            EmbeddedNats.Spec clash = new EmbeddedNats.Spec(EmbeddedNats.locateBinary(Optional.empty()),
                    dir.resolve("other"), "127.0.0.1", port, -1, "");
            assertThatThrownBy(() -> EmbeddedNats.start(clash, Duration.ofSeconds(15), true))
                    .isInstanceOf(NatsUnavailableException.class)
                    .hasMessageContaining("exited at start");
        }
    }

    @Test
    void aMissingBinaryIsAClearErrorThatSaysHowToInstall() throws Exception {
        Path notThere = dir.resolve("nats-server-missing");
        EmbeddedNats.Spec s = new EmbeddedNats.Spec(notThere, dir.resolve("store"), "127.0.0.1", 0, -1, "");
        assertThatThrownBy(() -> EmbeddedNats.start(s, Duration.ofSeconds(5), true))
                .isInstanceOf(NatsUnavailableException.class)
                .hasMessageContaining("apt-get install");
        Path script = dir.resolve("fake");
        Files.writeString(script, "#!/bin/sh\nexit 3\n");
        script.toFile().setExecutable(true);
        EmbeddedNats.Spec dies = new EmbeddedNats.Spec(script, dir.resolve("store2"), "127.0.0.1", 0, -1, "");
        assertThatThrownBy(() -> EmbeddedNats.start(dies, Duration.ofSeconds(5), true))
                .hasMessageContaining("exited at start (code 3)");
    }
}
