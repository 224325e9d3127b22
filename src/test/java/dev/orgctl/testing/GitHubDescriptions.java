package dev.orgctl.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where GitHub's published descriptions are: the npm packages pinned in {@code src/test/npm/pins},
 * fetched and integrity-checked by {@code src/test/npm/fetch} into a cache outside the repository.
 * {@code ./test} runs the fetch and passes the cache as {@code -Dgithub.descriptions}. A test that
 * needs a package that is not there fails with the command that fetches it: a conformance check
 * that skips itself would let a wrong fake pass.
 */
public final class GitHubDescriptions {
    public static final String PROPERTY = "github.descriptions";
    private static final Path PINS = Path.of("src/test/npm/pins");

    private GitHubDescriptions() {}

    /** GitHub's REST description for api.github.com, references resolved (one JSON document). */
    public static Path openapi() {
        return file("@octokit/openapi", "generated/api.github.com.deref.json");
    }

    /** GitHub's public GraphQL schema in SDL. */
    public static Path graphqlSchema() {
        return file("@octokit/graphql-schema", "schema.graphql");
    }

    /** Real webhook payloads for api.github.com: one folder an event, one JSON array a file. */
    public static Path webhookExamples() {
        return file("@octokit/webhooks-examples", "api.github.com");
    }

    /** The JSON Schema of every webhook event and action (one document with definitions). */
    public static Path webhookSchemas() {
        return file("@octokit/webhooks-schemas", "schema.json");
    }

    /** The pinned version of a package, for messages and docs. */
    public static String version(String pkg) {
        String version = pins().get(pkg);
        if (version == null) {
            throw new AssertionError(pkg + " is not pinned in " + PINS);
        }
        return version;
    }

    private static Path file(String pkg, String inside) {
        Path root = Path.of(System.getProperty(PROPERTY,
                System.getProperty("user.home") + "/.cache/orgctl/npm"));
        Path dir = root.resolve(pkg + "@" + version(pkg));
        Path path = dir.resolve(inside);
        if (!Files.isRegularFile(dir.resolve(".verified")) || !Files.exists(path)) {
            throw new AssertionError(pkg + "@" + version(pkg) + " is not in " + root
                    + " (" + path + " is missing): run src/test/npm/fetch, or ./test which runs it,"
                    + " and pass its last line as -D" + PROPERTY + "=DIR if you use another cache");
        }
        return path;
    }

    private static Map<String, String> pins() {
        try {
            Map<String, String> pins = new LinkedHashMap<>();
            List<String> lines = Files.readAllLines(PINS);
            for (String line : lines) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] fields = trimmed.split("\\s+");
                pins.put(fields[0], fields[1]);
            }
            return pins;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PINS.toAbsolutePath(), e);
        }
    }
}
