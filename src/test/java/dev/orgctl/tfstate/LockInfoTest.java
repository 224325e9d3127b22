package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.tfstate.auth.Caller;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What orgctl reads from Terraform's LockInfo: the ID, and a GitHub run named in Info. */
class LockInfoTest {
    private static byte[] info(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theIdIsRequired() {
        assertThat(StateLocks.lockId(info("{\"ID\":\"abc\",\"Who\":\"x\"}"))).isEqualTo("abc");
        assertThatThrownBy(() -> StateLocks.lockId(info("{\"Who\":\"x\"}"))).isInstanceOf(StateLocks.BadLockInfo.class);
        assertThatThrownBy(() -> StateLocks.lockId(info("[1]"))).isInstanceOf(StateLocks.BadLockInfo.class);
        assertThatThrownBy(() -> StateLocks.lockId(new byte[0])).isInstanceOf(StateLocks.BadLockInfo.class);
    }

    @Test
    void aRunNamedInInfoIsRecognisedAsTheHoldersRun() {
        assertThat(StateLocks.runFromLockInfo(info(
                "{\"ID\":\"a\",\"Info\":\"https://github.com/acme/infra/actions/runs/123/attempts/2\"}")))
                .contains(new Caller.GitHubRun("acme/infra", 123, 2));
        assertThat(StateLocks.runFromLockInfo(info("{\"ID\":\"a\",\"Info\":\"acme/infra/actions/runs/77\"}")))
                .contains(new Caller.GitHubRun("acme/infra", 77, 0));
        assertThat(StateLocks.runFromLockInfo(info("{\"ID\":\"a\",\"Info\":\"\"}"))).isEmpty();
    }

    @Test
    void stateNamesFollowTheRuleAndTheirKeysAreReversible() {
        for (String ok : new String[] {"prod", "prod/network", "a..b/.x/_-.", "A/b/c/d/e/f/g/h"}) {
            StateName n = new StateName(ok);
            assertThat(StateName.fromKey(n.key())).isEqualTo(n);
            assertThat(n.key()).matches("[A-Za-z0-9_-]+");
        }
        for (String bad : new String[] {"", "/a", "a/", "a//b", ".", "a/..", "a b", "a/b/c/d/e/f/g/h/i", "é",
            "x".repeat(65)}) {
            assertThat(StateName.problem(bad)).as(bad).isNotNull();
        }
    }
}
