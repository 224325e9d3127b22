package dev.orgctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.orgctl.nats.topology.Topology;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/kubernetes}: every manifest read into Kubernetes's own API types (fabric8's model,
 * generated from Kubernetes's OpenAPI description), where a field Kubernetes does not know lands in
 * "additional properties" and fails here; then what the files promise each other and orgctl. No
 * cluster runs here (docs/deploy.md#kubernetes); KEDA's ScaledObject is checked against the keys
 * KEDA documents for its nats-jetstream scaler.
 */
class KubernetesManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private final Deployment deployment = read("deployment.yaml", Deployment.class);
    private final Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);

    @Test
    void everyManifestUsesOnlyFieldsKubernetesKnows() {
        for (Object manifest : List.of(deployment, read("service.yaml", Service.class),
                read("poddisruptionbudget.yaml", PodDisruptionBudget.class), read("configmap.yaml", ConfigMap.class),
                read("secret.example.yaml", Secret.class))) {
            assertThat(unknownFields(manifest, "", new IdentityHashMap<>())).as(manifest.getClass().getSimpleName())
                    .isEmpty();
        }
    }

    @Test
    void theDeploymentRunsTwoHardenedReplicasWithProbes() {
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getSelector().getMatchLabels())
                .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(container.getArgs()).containsExactly("up");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");

        Map<String, String> mounts = container.getVolumeMounts().stream()
                .collect(Collectors.toMap(m -> m.getName(), m -> m.getMountPath()));
        assertThat(mounts).containsEntry("tmp", "/tmp").containsEntry("data", env("ORGCTL_DATA_DIR"));
        deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("tmp") || v.getName().equals("data"))
                .forEach(v -> assertThat(v.getEmptyDir()).as(v.getName()).isNotNull());
        assertThat(env("ORGCTL_HTTP_ADDR")).isEqualTo("0.0.0.0:" + container.getPorts().get(0).getContainerPort());
    }

    @Test
    void resourcesLeaveTheHeapTheBenchmarkedRoom() {
        Map<String, Quantity> limits = container.getResources().getLimits();
        Map<String, Quantity> requests = container.getResources().getRequests();
        // the image's MaxRAMPercentage=50 makes half the limit the heap: at least the -Xmx512m of
        // docs/BENCHMARKS.md's 1,000-repository regeneration (peak 139 MiB)
        assertThat(Quantity.getAmountInBytes(limits.get("memory")).longValue() / 2).isGreaterThanOrEqualTo(512L << 20);
        assertThat(Quantity.getAmountInBytes(requests.get("memory")))
                .isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get("memory")));
        assertThat(requests).containsKey("cpu");
    }

    @Test
    void secretsAndSettingsComeFromTheSecretAndTheConfigMapThatShip() {
        Secret secret = read("secret.example.yaml", Secret.class);
        ConfigMap config = read("configmap.yaml", ConfigMap.class);
        List<EnvVar> fromSecret = container.getEnv().stream().filter(e -> e.getValueFrom() != null).collect(Collectors.toList());

        assertThat(fromSecret).extracting(EnvVar::getName).contains("GITHUB_WEBHOOK_SECRET", "NATS_PASSWORD");
        fromSecret.forEach(e -> {
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret.getMetadata().getName());
            assertThat(secret.getStringData()).containsKey(e.getValueFrom().getSecretKeyRef().getKey());
        });
        assertThat(container.getEnvFrom().get(0).getConfigMapRef().getName()).isEqualTo(config.getMetadata().getName());
        String keyFile = config.getData().get("GITHUB_APP_PRIVATE_KEY_FILE");
        String mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals("github-app")).findFirst()
                .orElseThrow().getMountPath();
        assertThat(keyFile).startsWith(mount + "/");
        assertThat(secret.getStringData()).containsKey(keyFile.substring(mount.length() + 1));
        // no secret in the ConfigMap
        assertThat(config.getData()).doesNotContainKeys("GITHUB_WEBHOOK_SECRET", "NATS_PASSWORD", "GITHUB_TOKEN");
    }

    @Test
    void theServiceAndTheBudgetSelectTheDeploymentsPods() {
        Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Service service = read("service.yaml", Service.class);
        PodDisruptionBudget pdb = read("poddisruptionbudget.yaml", PodDisruptionBudget.class);

        assertThat(labels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts().get(0).getTargetPort().getStrVal())
                .isEqualTo(container.getPorts().get(0).getName());
        assertThat(labels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    }

    @Test
    void kedaScalesTheDeploymentOnTheWorkersPendingJobs() {
        JsonNode scaled = tree("scaledobject.yaml");
        assertThat(scaled.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1");
        assertThat(scaled.path("kind").asText()).isEqualTo("ScaledObject");
        JsonNode spec = scaled.path("spec");
        assertThat(spec.path("scaleTargetRef").path("name").asText()).isEqualTo(deployment.getMetadata().getName());
        assertThat(spec.path("minReplicaCount").asInt()).isGreaterThanOrEqualTo(deployment.getSpec().getReplicas());
        assertThat(spec.path("maxReplicaCount").asInt()).isGreaterThan(spec.path("minReplicaCount").asInt());

        JsonNode trigger = spec.path("triggers").get(0);
        assertThat(trigger.path("type").asText()).isEqualTo("nats-jetstream");
        JsonNode metadata = trigger.path("metadata");
        // the keys KEDA documents for the nats-jetstream scaler (v2.8 and later)
        Set<String> documented = Set.of("natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold",
                "activationLagThreshold", "useHttps");
        List<String> keys = new ArrayList<>();
        metadata.fieldNames().forEachRemaining(keys::add);
        assertThat(documented).containsAll(keys);
        assertThat(keys).contains("natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold");
        assertThat(metadata.path("stream").asText()).isEqualTo(Topology.JOBS_STREAM);
        assertThat(metadata.path("consumer").asText()).isEqualTo(Topology.WORKERS_CONSUMER);
        assertThat(metadata.path("account").asText()).isEqualTo("ORGCTL"); // deploy/nats/accounts.conf
        metadata.forEach(v -> assertThat(v.isTextual()).as("KEDA's metadata values are strings").isTrue());
    }

    @Test
    void kustomizeListsEveryManifestButTheExampleSecret() {
        JsonNode k = tree("kustomization.yaml");
        List<String> resources = new ArrayList<>();
        k.path("resources").forEach(r -> resources.add(r.asText()));
        assertThat(resources).containsExactlyInAnyOrder("configmap.yaml", "deployment.yaml", "service.yaml",
                "poddisruptionbudget.yaml", "scaledobject.yaml");
    }

    private String env(String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue();
    }

    /** Paths of fields the model did not know, found through every getAdditionalProperties() of the graph. */
    private static List<String> unknownFields(Object o, String path, Map<Object, Boolean> seen) {
        List<String> found = new ArrayList<>();
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return found;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                found.addAll(unknownFields(e, path + "[" + i++ + "]", seen));
            }
            return found;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> found.addAll(unknownFields(v, path + "." + k, seen)));
            return found;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return found;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            try {
                Object value = getter.invoke(o);
                if (getter.getName().equals("getAdditionalProperties")) {
                    ((Map<?, ?>) value).keySet().forEach(k -> found.add(path + "." + k));
                } else {
                    found.addAll(unknownFields(value, path + "." + getter.getName().substring(3), seen));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return found;
    }

    private static <T> T read(String file, Class<T> type) {
        try {
            return YAML.readValue(DeployFiles.path("kubernetes/" + file).toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(String file) {
        return read(file, JsonNode.class);
    }
}
