package dev.orgctl.nats.topology;

import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.PermissionRefusals;
import dev.orgctl.nats.topology.ResourcePlan.Blocked;
import dev.orgctl.nats.topology.ResourcePlan.Create;
import dev.orgctl.nats.topology.ResourcePlan.Drift;
import dev.orgctl.nats.topology.ResourcePlan.FieldDiff;
import dev.orgctl.nats.topology.ResourcePlan.Unchanged;
import dev.orgctl.nats.topology.ResourcePlan.Update;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.ObjectStoreManagement;
import io.nats.client.ObjectStoreOptions;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.ObjectStoreStatus;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the declared {@link Topology} with a JetStream server (plan) and makes the server
 * match (apply), the way a Kubernetes controller reconciles: observe, diff, act. Apply is
 * idempotent and never deletes a resource or its data.
 */
public final class TopologyReconciler {
    private static final Logger log = LoggerFactory.getLogger(TopologyReconciler.class);

    private final Connection connection; // for the permissions the server refused, which time a request out
    private final JetStreamManagement jsm;
    private final KeyValueManagement kvm;
    private final ObjectStoreManagement osm;

    public TopologyReconciler(Connection connection, JetStreamOptions jsOptions, KeyValueOptions kvOptions) {
        this.connection = connection;
        try {
            this.jsm = connection.jetStreamManagement(jsOptions);
            this.kvm = connection.keyValueManagement(kvOptions);
            this.osm = connection.objectStoreManagement(ObjectStoreOptions.builder(jsOptions).build());
        } catch (IOException e) {
            throw new NatsUnavailableException("JetStream is not available: " + e.getMessage(), e);
        }
    }

    /** What apply would do, resource by resource, in declaration order. */
    public List<ResourcePlan> plan(Topology topology) {
        List<ResourcePlan> plans = new ArrayList<>();
        for (ResourceSpec spec : topology.resources()) {
            plans.add(plan(spec));
        }
        return plans;
    }

    public ResourcePlan plan(ResourceSpec spec) {
        Optional<Observed> observed = observe(spec);
        if (observed.isEmpty()) {
            return new Create(spec);
        }
        Map<String, String> declared = spec.fields();
        Map<String, String> server = observed.get().fields();
        List<FieldDiff> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : declared.entrySet()) {
            String actual = server.get(e.getKey());
            if (!e.getValue().equals(actual)) {
                diffs.add(new FieldDiff(e.getKey(), actual, e.getValue()));
            }
        }
        if (diffs.isEmpty()) {
            return new Unchanged(spec);
        }
        List<String> fixed = diffs.stream().map(FieldDiff::field).filter(spec.fixedFields()::contains).toList();
        if (!fixed.isEmpty()) {
            return new Blocked(spec, diffs, advice(spec, fixed));
        }
        String recorded = ResourceSpec.recordedDigest(observed.get().description());
        if (spec.digest().equals(recorded)) {
            return new Drift(spec, diffs);
        }
        return new Update(spec, diffs);
    }

    /**
     * Makes the server match every declaration that can be applied in place.
     *
     * @param changeExisting false: create missing resources only, leave drift and updates to an
     *                       operator (what {@code orgctl up} does unless told {@code --apply-topology})
     * @return the plans acted on, with what was done
     */
    public List<ResourcePlan> apply(Topology topology, boolean changeExisting) {
        List<ResourcePlan> plans = plan(topology);
        for (ResourcePlan p : plans) {
            if (p instanceof Create) {
                create(p.spec());
            } else if ((p instanceof Update || p instanceof Drift) && changeExisting) {
                update(p.spec());
            } else if (p instanceof Blocked b) {
                log.atWarn().addKeyValue("resource", b.spec().name()).addKeyValue("diff", b.diffs().toString())
                        .log("topology change cannot be applied in place: " + b.advice());
            }
        }
        return plans;
    }

    private record Observed(Map<String, String> fields, String description) {
    }

    private Optional<Observed> observe(ResourceSpec spec) {
        return whileClusterSettles(spec, "waiting for the cluster to answer about the resource",
                () -> observeOnce(spec));
    }

    private Optional<Observed> observeOnce(ResourceSpec spec) {
        try {
            if (spec instanceof StreamSpec s) {
                StreamInfo info = jsm.getStreamInfo(s.name());
                return Optional.of(new Observed(StreamSpec.fieldsOf(info.getConfiguration()),
                        info.getConfiguration().getDescription()));
            }
            if (spec instanceof BucketSpec b) {
                KeyValueStatus st = kvm.getStatus(b.bucket());
                return Optional.of(new Observed(BucketSpec.fieldsOf(st.getConfiguration()), st.getDescription()));
            }
            if (spec instanceof ObjectStoreSpec o) {
                ObjectStoreStatus st = osm.getStatus(o.bucket());
                return Optional.of(new Observed(ObjectStoreSpec.fieldsOf(st), st.getDescription()));
            }
            ConsumerSpec c = (ConsumerSpec) spec;
            ConsumerInfo info = jsm.getConsumerInfo(c.stream(), c.durable());
            return Optional.of(new Observed(ConsumerSpec.fieldsOf(info.getConsumerConfiguration()),
                    info.getConsumerConfiguration().getDescription()));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == JetStreamErrors.JS_STREAM_NOT_FOUND_ERR
                    || e.getApiErrorCode() == NatsJetStreamConstants.JS_CONSUMER_NOT_FOUND_ERR || e.getErrorCode() == 404) {
                return Optional.empty();
            }
            throw new NatsUnavailableException("cannot read " + spec.kind() + " " + spec.name() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException(PermissionRefusals.explain(connection,
                    "JetStream did not answer about " + spec.name(), e), e);
        }
    }

    /** "No suitable peers for placement": a cluster answers before all its servers joined JetStream's meta group. */
    static final int JS_CLUSTER_NO_PEERS = 10005;
    /**
     * How long a step waits for the cluster to settle: the peers a create's replicas need join seconds
     * after the cluster answers, and a server that just restarted leaves a resource's group without a
     * leader for a few seconds ("temporarily unavailable").
     */
    static final Duration PLACEMENT_WAIT = Duration.ofSeconds(30);

    private void create(ResourceSpec spec) {
        whileClusterSettles(spec, "waiting for the cluster's peers to place the replicas", () -> {
            createOnce(spec);
            return null;
        });
    }

    /**
     * Runs {@code step} again every 0.5 s, for up to {@link #PLACEMENT_WAIT}, while the cluster answers
     * that it cannot yet (10005, 10008); any other failure, or the same past the wait, is thrown.
     */
    private <T> T whileClusterSettles(ResourceSpec spec, String waiting, java.util.function.Supplier<T> step) {
        long deadline = System.nanoTime() + PLACEMENT_WAIT.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                return step.get();
            } catch (NatsUnavailableException e) {
                boolean settling = e.getCause() instanceof JetStreamApiException api
                        && (api.getApiErrorCode() == JS_CLUSTER_NO_PEERS
                        || api.getApiErrorCode() == dev.orgctl.nats.JetStreamReadiness.JS_CLUSTER_NOT_AVAILABLE);
                if (!settling || System.nanoTime() > deadline) {
                    throw e;
                }
                // The first wait is a warning, so a command that logs only warnings shows why it pauses.
                (attempt == 1 ? log.atWarn() : log.atInfo()).addKeyValue("resource", spec.name())
                        .addKeyValue("error", e.getMessage()).log(waiting + " (up to " + PLACEMENT_WAIT.toSeconds() + "s)");
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private void createOnce(ResourceSpec spec) {
        try {
            if (spec instanceof StreamSpec s) {
                jsm.addStream(s.toConfiguration());
            } else if (spec instanceof BucketSpec b) {
                kvm.create(b.toConfiguration());
            } else if (spec instanceof ObjectStoreSpec o) {
                osm.create(o.toConfiguration());
            } else if (spec instanceof ConsumerSpec c) {
                jsm.addOrUpdateConsumer(c.stream(), c.toConfiguration());
            }
            log.atInfo().addKeyValue("kind", spec.kind()).addKeyValue("resource", spec.name()).log("topology created");
        } catch (JetStreamApiException | IOException e) {
            throw new NatsUnavailableException(PermissionRefusals.explain(connection,
                    "cannot create " + spec.kind() + " " + spec.name(), e), e);
        }
    }

    private void update(ResourceSpec spec) {
        whileClusterSettles(spec, "waiting for the cluster to take the change", () -> {
            updateOnce(spec);
            return null;
        });
    }

    private void updateOnce(ResourceSpec spec) {
        try {
            if (spec instanceof StreamSpec s) {
                jsm.updateStream(s.toConfiguration());
            } else if (spec instanceof BucketSpec b) {
                kvm.update(b.toConfiguration());
            } else if (spec instanceof ObjectStoreSpec o) {
                // jnats cannot update an object store; its backing stream takes the declared limits.
                StreamConfiguration current = jsm.getStreamInfo(o.backingStream()).getConfiguration();
                jsm.updateStream(StreamConfiguration.builder(current).description(o.description())
                        .maxBytes(o.maxBytes()).replicas(o.replicas()).build());
            } else if (spec instanceof ConsumerSpec c) {
                jsm.addOrUpdateConsumer(c.stream(), c.toConfiguration());
            }
            log.atInfo().addKeyValue("kind", spec.kind()).addKeyValue("resource", spec.name()).log("topology updated");
        } catch (JetStreamApiException | IOException e) {
            throw new NatsUnavailableException("cannot update " + spec.kind() + " " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    private static String advice(ResourceSpec spec, List<String> fixed) {
        String what = String.join(", ", fixed);
        if (spec instanceof StreamSpec s) {
            return "JetStream cannot change " + what + " of stream " + s.name() + " in place; to adopt it "
                    + "without losing messages, create a copy with the new settings that sources " + s.name()
                    + ", switch orgctl to it, then remove the old one (or back it up with 'nats stream backup' and "
                    + "restore it after recreating)";
        }
        if (spec instanceof BucketSpec b) {
            return "JetStream cannot change " + what + " of bucket " + b.bucket() + " in place; back it up "
                    + "('nats stream backup KV_" + b.bucket() + "'), delete and re-run 'orgctl topology apply', then restore";
        }
        if (spec instanceof ObjectStoreSpec o) {
            return "JetStream cannot change " + what + " of object store " + o.bucket() + " in place; back it up "
                    + "('nats stream backup " + o.backingStream() + "'), delete and re-run 'orgctl topology apply', then restore";
        }
        ConsumerSpec c = (ConsumerSpec) spec;
        return "JetStream cannot change " + what + " of consumer " + c.name() + " in place; stop orgctl, "
                    + "delete the consumer ('nats consumer rm " + c.stream() + " " + c.durable() + "') and re-run "
                    + "'orgctl topology apply' (stream data is kept)";
    }
}
