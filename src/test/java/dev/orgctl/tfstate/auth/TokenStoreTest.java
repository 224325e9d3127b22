package dev.orgctl.tfstate.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.SharedNats;
import dev.orgctl.testing.SkippingClock;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** orgctl tokens in the real ORGCTL_TFSTATE_TOKENS bucket. */
class TokenStoreTest {
    private static final Instant NOW = Instant.parse("2026-12-04T18:00:00Z");

    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    private KeyValue kv;
    private TokenStore store;

    @BeforeEach
    void emptyBucket() throws Exception {
        kv = emptyTokenBucket(NATS.connection());
        store = new TokenStore(kv, SkippingClock.fixedAt(NOW), new SecureRandom());
    }

    /** The token bucket of a server with the topology, without the tokens an earlier test made. */
    static KeyValue emptyTokenBucket(Connection c) throws Exception {
        KeyValue bucket = c.keyValue(Topology.TFSTATE_TOKENS_BUCKET);
        for (String k : bucket.keys()) {
            bucket.purge(k);
        }
        return bucket;
    }

    private TokenStore.Issued issue(String name, List<String> states, boolean write) {
        return (TokenStore.Issued) store.create(name, states, write, "alice@laptop");
    }

    @Test
    void aCreatedTokenHasThePrefixItsNameAnd256RandomBitsAndVerifiesToItsRecord() {
        TokenStore.Issued issued = issue("ci", List.of("prod/**"), true);

        assertThat(issued.token()).startsWith("orgctl_tfs_ci.");
        String secret = issued.token().substring("orgctl_tfs_ci.".length());
        assertThat(Base64.getUrlDecoder().decode(secret)).hasSize(32);
        assertThat(issued.toString()).doesNotContain(secret);
        assertThat(store.verify(issued.token())).contains(
                new TokenRecord("ci", List.of("prod/**"), true, NOW, "alice@laptop"));
        assertThat(issue("ci-2", List.of("prod/**"), true).token()).isNotEqualTo(issued.token());
    }

    @Test
    void onlyTheHashIsStored() throws Exception {
        TokenStore.Issued issued = issue("ci", List.of("prod/*"), false);
        String stored = new String(kv.get("ci").getValue(), StandardCharsets.UTF_8);

        String secret = issued.token().substring(issued.token().indexOf('.') + 1);
        assertThat(stored).doesNotContain(secret).contains(TokenStore.hash(issued.token()))
                .contains("\"created_by\":\"alice@laptop\"");
        assertThat(store.list()).containsExactly(new TokenRecord("ci", List.of("prod/*"), false, NOW, "alice@laptop"));
    }

    @Test
    void aWrongOrMalformedTokenVerifiesToNothing() {
        TokenStore.Issued issued = issue("ci", List.of("prod/*"), false);
        String t = issued.token();
        char last = t.charAt(t.length() - 1);
        assertThat(store.verify(t.substring(0, t.length() - 1) + (last == 'A' ? 'B' : 'A'))).isEmpty();
        assertThat(store.verify(t.replace("orgctl_tfs_ci.", "orgctl_tfs_other."))).isEmpty();
        assertThat(store.verify("orgctl_tfs_ci")).isEmpty();
        assertThat(store.verify("orgctl_tfs_../x.y")).isEmpty();
        assertThat(store.verify(t.substring("orgctl_tfs_".length()))).isEmpty();
    }

    @Test
    void aNameIsTakenOnceAndRevokeMakesTheTokenStopWorkingAtOnce() {
        TokenStore.Issued first = issue("ci", List.of("prod/*"), true);
        assertThat(store.create("ci", List.of("x"), false, "bob@host")).isEqualTo(new TokenStore.NameTaken("ci"));
        assertThat(store.verify(first.token())).isPresent();

        assertThat(store.revoke("ci")).isTrue();
        assertThat(store.verify(first.token())).isEmpty();
        assertThat(store.list()).isEmpty();
        assertThat(store.revoke("ci")).isFalse();

        TokenStore.Issued second = issue("ci", List.of("dev/*"), false);
        assertThat(store.verify(first.token())).as("the old token does not come back with the name").isEmpty();
        assertThat(store.verify(second.token())).get().extracting(TokenRecord::states).isEqualTo(List.of("dev/*"));
    }

    @Test
    void aTokenIsScopedToItsPatternsAndToReadUnlessWrite() {
        TokenRecord read = issue("reader", List.of("prod/*", "shared"), false).record();
        TokenRecord write = issue("writer", List.of("dev/**"), true).record();

        assertThat(read.allows("prod/network", Access.READ)).isTrue();
        assertThat(read.allows("prod/network", Access.WRITE)).isFalse();
        assertThat(read.allows("prod/network/vpc", Access.READ)).isFalse();
        assertThat(read.allows("shared", Access.READ)).isTrue();
        assertThat(read.allows("shared2", Access.READ)).isFalse();
        assertThat(write.allows("dev/a/b", Access.WRITE)).isTrue();
        assertThat(write.allows("prod/a", Access.READ)).isFalse();
    }

    @Test
    void badNamesAndPatternsAreRefusedBeforeAnythingIsStored() {
        assertThat(TokenStore.nameProblem("has.dot")).isPresent();
        assertThat(TokenStore.nameProblem("x".repeat(65))).isPresent();
        assertThat(TokenStore.patternProblem("prod/ *")).isPresent();
        assertThatThrownBy(() -> store.create("a b", List.of("prod"), false, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.list()).isEmpty();
    }
}
