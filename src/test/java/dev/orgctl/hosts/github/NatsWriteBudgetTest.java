package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.orgctl.testing.SharedNats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared budget's compare-and-set against a real nats-server that refuses a write. */
class NatsWriteBudgetTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.plain();

    @Test
    void aLogTheBucketRefusesToStoreIsAnErrorNotAnEndlessRetry() throws Exception {
        // A bucket sized for a smaller ceiling than the one configured: the log of spends outgrows
        // the bucket's largest value. That refusal is no lost race; retrying it can never succeed.
        NATS.connection().keyValueManagement().create(KeyValueConfiguration.builder().name("RATE_SMALL")
                .maxHistoryPerKey(1).maxValueSize(32).storageType(StorageType.File).build());
        ContentCeiling ceiling = new ContentCeiling(List.of(new ContentCeiling.Window(Duration.ofHours(1), 100)),
                Duration.ZERO);
        NatsWriteBudget budget = new NatsWriteBudget(NATS.connection().keyValue("RATE_SMALL"),
                NatsWriteBudget.keyFor("acme"), ceiling, Clock.systemUTC(), RateListener.NONE);
        assertTimeoutPreemptively(Duration.ofMinutes(1), () -> assertThatThrownBy(() -> {
            for (int i = 0; i < 30; i++) {
                budget.acquireAt();
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot update the shared write budget"));
        assertThat(budget.conflicts()).as("a refusal is not counted as a lost race").isZero();
    }
}
