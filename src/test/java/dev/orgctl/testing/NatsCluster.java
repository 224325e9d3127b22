package dev.orgctl.testing;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ClusterInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Three (or more) real nats-server processes on loopback, clustered with routes and JetStream, each
 * with its own store. Nodes can be SIGKILLed (left unreaped, as under a slow supervisor, until the
 * node is started again or the cluster closed), restarted on their store or on an older copy of it,
 * and cut off from their peers. Nothing here waits for a fixed time: every wait polls a condition
 * the server answers.
 */
public final class NatsCluster implements AutoCloseable {
    public static final String CLUSTER_NAME = "orgctl-test";
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** One node's fixed identity: its ports stay the same across restarts so clients and routes find it again. */
    public record Node(int index, String name, int clientPort, int clusterPort, Path store) {
        public String url() {
            return "nats://127.0.0.1:" + clientPort;
        }
    }

    private final Path root;
    private final List<Node> nodes;
    private final UnreapedProcess[] processes;
    /** Per node: whether it runs cut off (no routes, a cluster port nobody knows). */
    private final boolean[] isolated;

    private NatsCluster(Path root, List<Node> nodes) {
        this.root = root;
        this.nodes = List.copyOf(nodes);
        this.processes = new UnreapedProcess[nodes.size()];
        this.isolated = new boolean[nodes.size()];
    }

    /** Starts {@code size} nodes and waits until JetStream has a meta leader. */
    public static NatsCluster start(int size) {
        try {
            Path root = Files.createTempDirectory("orgctl-nats-cluster-");
            int[] ports = freePorts(size * 2);
            List<Node> nodes = IntStream.range(0, size).mapToObj(i -> new Node(i, "n" + (i + 1), ports[2 * i],
                    ports[2 * i + 1], root.resolve("n" + (i + 1)))).toList();
            NatsCluster cluster = new NatsCluster(root, nodes);
            try {
                for (Node n : nodes) {
                    cluster.launch(n.index());
                }
                cluster.awaitJetStream(Duration.ofSeconds(60));
                return cluster;
            } catch (RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(int i) {
        return nodes.get(i);
    }

    public List<String> urls() {
        return nodes.stream().map(Node::url).toList();
    }

    /** Settings naming every node, at R3 (or the cluster size, when smaller). */
    public NatsSettings settings() {
        return NatsSettings.plain(nodes.get(0).url()).withUrls(urls()).withReplicas(Math.min(3, nodes.size()));
    }

    public Connection connect() {
        return new NatsConnector(settings()).connect("test", Duration.ofSeconds(10));
    }

    /** Applies orgctl's whole topology at the cluster's replica count. */
    public NatsCluster withTopology() {
        NatsServerFixture.applyTopology(settings(), new Topology.Settings(settings().replicas(),
                Topology.Settings.defaults().dedupWindow()));
        return this;
    }

    /** Waits until JetStream answers account info through every running node (a meta leader exists). */
    public void awaitJetStream(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Node n : nodes) {
            if (processes[n.index()] == null || isolated[n.index()]) {
                continue;
            }
            String last = "";
            while (true) {
                Optional<String> failure = accountInfoFailure(n);
                if (failure.isEmpty()) {
                    break;
                }
                last = failure.get();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("JetStream did not answer on " + n.name() + " within " + timeout + ": "
                            + last);
                }
                pause();
            }
        }
    }

    private static Optional<String> accountInfoFailure(Node n) {
        NatsConnector c = new NatsConnector(NatsSettings.plain(n.url()));
        try (Connection conn = c.connect("test-ready", Duration.ofSeconds(2))) {
            conn.jetStreamManagement(c.jetStreamOptions()).getAccountStatistics();
            return Optional.empty();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * The index of the node leading a stream (a KV bucket's stream is {@code KV_<bucket>}), waiting
     * until the stream has a leader that is a running node, not cut off.
     */
    public int leaderOf(String stream, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (true) {
            try (Connection c = connect()) {
                JetStreamManagement jsm = c.jetStreamManagement(new NatsConnector(settings()).jetStreamOptions());
                ClusterInfo ci = jsm.getStreamInfo(stream).getClusterInfo();
                String leader = ci == null ? null : ci.getLeader();
                Optional<Node> n = nodes.stream().filter(x -> x.name().equals(leader)).findFirst();
                if (n.isPresent() && isRunning(n.get().index()) && !isolated[n.get().index()]) {
                    return n.get().index();
                }
                last = "leader '" + leader + "'";
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                last = String.valueOf(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("stream " + stream + " has no running leader within " + timeout + ": " + last);
            }
            pause();
        }
    }

    /** Whether node {@code i} runs (a killed node is a zombie until restarted: not running). */
    public boolean isRunning(int i) {
        UnreapedProcess p = processes[i];
        return p != null && !p.state().isEmpty() && !p.state().equals("Z");
    }

    public long pid(int i) {
        return processes[i].pid();
    }

    /** SIGKILL; the process stays a zombie (nobody reaps it) until {@link #restart} or {@link #close}. */
    public void kill(int i) {
        try {
            processes[i].kill();
            processes[i].awaitZombie(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Starts node {@code i} again on its own store, with its routes (killing it first if it runs). */
    public void restart(int i) {
        isolated[i] = false;
        relaunch(i);
    }

    /** A copy of node {@code i}'s store as it is now, to start it later on a stale store. */
    public Path snapshotStore(int i) {
        Path copy = root.resolve(nodes.get(i).name() + "-snapshot-" + System.nanoTime());
        copyTree(nodes.get(i).store(), copy);
        return copy;
    }

    /** Starts node {@code i} again on an older copy of its store (from {@link #snapshotStore}). */
    public void restartWithStore(int i, Path staleCopy) {
        stopProcess(i);
        NatsServerFixture.deleteTree(nodes.get(i).store());
        copyTree(staleCopy, nodes.get(i).store());
        isolated[i] = false;
        relaunch(i);
    }

    /**
     * Cuts node {@code i} off: restarts it (SIGKILL first) with a route to nowhere and on a cluster
     * port its peers do not know, so no route forms either way. Clients connected to it still reach it: a
     * minority partition as seen from that side. {@link #restart} heals it.
     */
    public void isolate(int i) {
        isolated[i] = true;
        relaunch(i);
    }

    private void relaunch(int i) {
        stopProcess(i);
        launch(i);
    }

    private void stopProcess(int i) {
        UnreapedProcess p = processes[i];
        if (p == null) {
            return;
        }
        try {
            p.kill();
            p.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        processes[i] = null;
        awaitPortFree(nodes.get(i).clientPort());
    }

    private void launch(int i) {
        Node n = nodes.get(i);
        try {
            Files.createDirectories(n.store());
            Path conf = n.store().resolve(isolated[i] ? "isolated.conf" : "node.conf");
            Files.writeString(conf, config(n, isolated[i]));
            ProcessBuilder pb = new ProcessBuilder(EmbeddedNats.locateBinary(Optional.empty()).toString(), "-c",
                    conf.toString());
            processes[i] = UnreapedProcess.start(pb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!accepts(n.clientPort())) {
            if (System.nanoTime() > deadline || processes[i].state().isEmpty() || processes[i].state().equals("Z")) {
                throw new AssertionError(n.name() + " did not start: " + processes[i].output() + " log: "
                        + tail(n.store().resolve("nats-server.log")));
            }
            pause();
        }
    }

    private String config(Node n, boolean cutOff) {
        StringBuilder c = new StringBuilder();
        c.append("server_name: ").append(n.name()).append('\n');
        c.append("listen: \"127.0.0.1:").append(n.clientPort()).append("\"\n");
        c.append("max_payload: ").append(EmbeddedNats.MAX_PAYLOAD).append('\n');
        c.append("log_file: \"").append(n.store().resolve("nats-server.log")).append("\"\n");
        c.append("jetstream {\n  store_dir: \"").append(n.store()).append("\"\n}\n");
        c.append("cluster {\n  name: ").append(CLUSTER_NAME).append('\n');
        // Cut off: a cluster port nobody routes to (-1 picks a free one), and no routes of its own.
        c.append("  listen: \"127.0.0.1:").append(cutOff ? -1 : n.clusterPort()).append("\"\n");
        c.append("  routes: [\n");
        if (cutOff) {
            // JetStream in a cluster refuses to start with no route configured: one to a port where
            // nothing listens keeps it started and alone.
            c.append("    \"nats-route://127.0.0.1:").append(unusedPort()).append("\"\n");
        } else {
            for (Node other : nodes) {
                if (other.index() != n.index()) {
                    c.append("    \"nats-route://127.0.0.1:").append(other.clusterPort()).append("\"\n");
                }
            }
        }
        c.append("  ]\n}\n");
        return c.toString();
    }

    @Override
    public void close() {
        for (int i = 0; i < processes.length; i++) {
            try {
                stopProcess(i);
            } catch (RuntimeException | AssertionError e) {
                // keep stopping the others
            }
        }
        NatsServerFixture.deleteTree(root);
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(LOOPBACK, 0));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static int unusedPort() {
        try {
            return freePorts(1)[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitPortFree(int port) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (accepts(port) && System.nanoTime() < deadline) {
            pause();
        }
    }

    private static void copyTree(Path from, Path to) {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
