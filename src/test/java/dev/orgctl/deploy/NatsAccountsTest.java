package dev.orgctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.topology.BucketSpec;
import dev.orgctl.nats.topology.Topology;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/nats/accounts.conf} names every bucket by itself (a permission cannot match part
 * of a token), so a bucket added to {@link Topology} needs its line for the service user; the
 * end-to-end test would only notice for a bucket its one regeneration happens to write.
 */
class NatsAccountsTest {
    @Test
    void theServiceUserMayUseEveryBucketOfTheTopology() throws IOException {
        String conf = Files.readString(DeployFiles.path("nats/accounts.conf"));
        String serviceUser = conf.substring(conf.indexOf("user: \"orgctl\","), conf.indexOf("user: \"orgctl-admin\""));

        new Topology(Topology.Settings.defaults()).resources().stream()
                .filter(r -> r instanceof BucketSpec).map(r -> ((BucketSpec) r).bucket())
                .forEach(b -> assertThat(serviceUser).as("the orgctl user's permissions").contains("\"$KV." + b + ".>\""));
    }
}
