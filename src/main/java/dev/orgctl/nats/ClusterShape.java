package dev.orgctl.nats;

import io.nats.client.Connection;
import io.nats.client.api.ServerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How many servers stand behind a connection, read from the server's own INFO: its cluster name
 * and the client URLs it gossips for every server of its cluster (itself included). That needs no
 * system account, which orgctl's least-privilege user does not have. A cluster configured with
 * {@code no_advertise} gossips no URLs: its size is then unknown.
 *
 * @param clusterName empty for a server that is not in a cluster
 * @param servers     servers counted; 0 when the cluster's size cannot be told
 */
public record ClusterShape(Optional<String> clusterName, int servers) {
    /** Streams and buckets on a cluster of three or more get three replicas: one server may fail. */
    public static final int CLUSTER_REPLICAS = 3;

    public static ClusterShape of(Connection c) {
        return of(c.getServerInfo());
    }

    static ClusterShape of(ServerInfo info) {
        Optional<String> cluster = Optional.ofNullable(info.getCluster()).filter(s -> !s.isBlank());
        if (cluster.isEmpty()) {
            return new ClusterShape(cluster, 1);
        }
        List<String> urls = info.getConnectURLs() == null ? List.of() : info.getConnectURLs();
        return new ClusterShape(cluster, (int) urls.stream().distinct().count());
    }

    public boolean clustered() {
        return clusterName.isPresent();
    }

    /** The replica count to use when none is configured. */
    public int suggestedReplicas() {
        return clustered() && servers >= CLUSTER_REPLICAS ? CLUSTER_REPLICAS : 1;
    }

    /** What is wrong with running every stream and bucket at {@code replicas} here; empty when nothing is. */
    public List<String> replicaWarnings(int replicas) {
        List<String> w = new ArrayList<>();
        String where = clustered() ? "the cluster '" + clusterName.get() + "'" : "a single server (not clustered)";
        if (clustered() && servers == 0) {
            w.add("cannot tell the size of " + where + " (its servers advertise no client URLs): check that "
                    + "ORGCTL_NATS_REPLICAS=" + replicas + " is at most the number of JetStream servers");
        } else if (replicas > servers) {
            w.add("ORGCTL_NATS_REPLICAS=" + replicas + " exceeds the " + servers + " server(s) of " + where
                    + ": JetStream cannot place the replicas and refuses to create the streams; set --nats-replicas "
                    + Math.max(1, Math.min(servers, CLUSTER_REPLICAS)));
        }
        if (clustered() && servers >= CLUSTER_REPLICAS && replicas == 1) {
            w.add("R1 streams and buckets on " + where + " of " + servers + " servers: each lives on one server and "
                    + "stops (its data at risk) when that server does; set --nats-replicas 3");
        }
        return List.copyOf(w);
    }
}
