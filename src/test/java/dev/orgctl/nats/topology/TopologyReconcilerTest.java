package dev.orgctl.nats.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.NatsConnector;
import dev.orgctl.testing.NatsServerFixture;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TopologyReconcilerTest {
    private NatsServerFixture nats;
    private Connection connection;
    private TopologyReconciler reconciler;
    private final Topology topology = new Topology(Topology.Settings.defaults());

    @BeforeEach
    void start() {
        nats = NatsServerFixture.start();
        connection = nats.connect();
        NatsConnector connector = new NatsConnector(nats.settings());
        reconciler = new TopologyReconciler(connection, connector.jetStreamOptions(), connector.keyValueOptions());
    }

    @AfterEach
    void stop() throws InterruptedException {
        connection.close();
        nats.close();
    }

    private static long count(List<ResourcePlan> plans, Class<?> kind) {
        return plans.stream().filter(kind::isInstance).count();
    }

    @Test
    void createsEverythingThenIsIdempotent() throws Exception {
        List<ResourcePlan> first = reconciler.plan(topology);
        assertThat(first).allMatch(p -> p instanceof ResourcePlan.Create);
        assertThat(first).extracting(p -> p.spec().name()).contains("GITHUB_EVENTS", "ORGCTL_LOCKS", "ORGCTL_WORKFLOWS",
                "ORGCTL_BOOTSTRAP", "ORGCTL_JOBS", "ORGCTL_HISTORY", "ORGCTL_DLQ", "ORGCTL_ROLLOUTS",
                "GITHUB_EVENTS/orgctl-controller", "ORGCTL_JOBS/orgctl-workers");

        reconciler.apply(topology, true);
        List<ResourcePlan> again = reconciler.plan(topology);
        assertThat(again).allMatch(p -> p instanceof ResourcePlan.Unchanged);
        assertThat(reconciler.apply(topology, true)).allMatch(p -> !p.changes());

        StreamConfiguration events = connection.jetStreamManagement().getStreamInfo("GITHUB_EVENTS").getConfiguration();
        assertThat(events.getSubjects()).containsExactly("github.>");
        assertThat(events.getStorageType()).isEqualTo(StorageType.File);
        assertThat(events.getDuplicateWindow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(events.getDescription()).contains("[orgctl spec ");
        var rollouts = connection.keyValueManagement().getStatus(Topology.ROLLOUTS_BUCKET);
        assertThat(rollouts.getMaxHistoryPerKey()).isEqualTo(8);
        assertThat(rollouts.getTtl()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aHandEditIsDriftAndApplyRestoresIt() throws Exception {
        reconciler.apply(topology, true);
        JetStreamManagement jsm = connection.jetStreamManagement();
        StreamConfiguration current = jsm.getStreamInfo("GITHUB_EVENTS").getConfiguration();
        jsm.updateStream(StreamConfiguration.builder(current).maxAge(Duration.ofHours(1)).build());

        List<ResourcePlan> plan = reconciler.plan(topology);
        ResourcePlan events = plan.stream().filter(p -> p.spec().name().equals("GITHUB_EVENTS")).findFirst().orElseThrow();
        assertThat(events).isInstanceOf(ResourcePlan.Drift.class);
        assertThat(((ResourcePlan.Drift) events).diffs())
                .containsExactly(new ResourcePlan.FieldDiff("max_age", "1h", "7d"));
        assertThat(count(plan, ResourcePlan.Unchanged.class)).isEqualTo(plan.size() - 1);

        // Without permission to change existing resources, drift is left alone.
        reconciler.apply(topology, false);
        assertThat(reconciler.plan(topology)).anyMatch(p -> p instanceof ResourcePlan.Drift);

        reconciler.apply(topology, true);
        assertThat(reconciler.plan(topology)).allMatch(p -> p instanceof ResourcePlan.Unchanged);
        assertThat(jsm.getStreamInfo("GITHUB_EVENTS").getConfiguration().getMaxAge()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void aChangedDeclarationIsAnUpdate() {
        reconciler.apply(topology, true);
        // A de-duplication window longer than a week makes GITHUB_EVENTS keep it: the delivery index reads it.
        Topology longer = new Topology(new Topology.Settings(1, Duration.ofDays(14)));
        List<ResourcePlan> plan = reconciler.plan(longer);
        ResourcePlan events = plan.stream().filter(p -> p.spec().name().equals("GITHUB_EVENTS")).findFirst()
                .orElseThrow();
        assertThat(events).isInstanceOf(ResourcePlan.Update.class);
        assertThat(((ResourcePlan.Update) events).diffs()).extracting(ResourcePlan.FieldDiff::field)
                .containsExactly("max_age");
        reconciler.apply(longer, true);
        assertThat(reconciler.plan(longer)).allMatch(p -> !p.changes());
    }

    @Test
    void aChangeJetStreamCannotMakeInPlaceIsBlockedAndKeepsTheData() throws Exception {
        JetStreamManagement jsm = connection.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("GITHUB_EVENTS").subjects("github.>")
                .storageType(StorageType.Memory).build());
        connection.jetStream().publish("github.acme.api.push", "{}".getBytes(StandardCharsets.UTF_8));

        List<ResourcePlan> applied = reconciler.apply(topology, true);
        ResourcePlan events = applied.stream().filter(p -> p.spec().name().equals("GITHUB_EVENTS")).findFirst().orElseThrow();
        assertThat(events).isInstanceOf(ResourcePlan.Blocked.class);
        ResourcePlan.Blocked blocked = (ResourcePlan.Blocked) events;
        assertThat(blocked.diffs()).extracting(ResourcePlan.FieldDiff::field).contains("storage");
        assertThat(blocked.advice()).contains("storage").contains("without losing messages");
        // Nothing was deleted: the message is still there, the storage unchanged.
        assertThat(jsm.getStreamInfo("GITHUB_EVENTS").getStreamState().getMsgCount()).isEqualTo(1);
        assertThat(jsm.getStreamInfo("GITHUB_EVENTS").getConfiguration().getStorageType()).isEqualTo(StorageType.Memory);
        // The rest of the topology was still created.
        assertThat(count(reconciler.plan(topology), ResourcePlan.Unchanged.class)).isEqualTo(topology.resources().size() - 1);
    }

    @Test
    void replicasAreASetting() {
        Topology three = new Topology(new Topology.Settings(3, Duration.ofDays(7)));
        assertThat(three.resources()).allSatisfy(r -> {
            if (!(r instanceof ConsumerSpec)) {
                assertThat(r.fields()).containsEntry("replicas", "3");
            }
        });
    }
}
