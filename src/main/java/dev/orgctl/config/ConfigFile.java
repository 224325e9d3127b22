package dev.orgctl.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads the runtime settings from an {@code orgctl.yaml}. Keys are nested maps
 * ({@code nats: {url: ...}}). A misspelt key inside a section orgctl owns is an error, so a typo
 * never silently falls back to a default. Top-level sections orgctl does not own as runtime
 * settings (for example the regeneration sections of the templates repository's file) are left
 * to their readers.
 */
public final class ConfigFile {
    private static final Set<String> RUNTIME_SECTIONS = Set.of("nats", "github", "gateway", "controller", "tfstate");
    /** Keys inside runtime sections that another reader owns: the Terraform state access policy (a list). */
    private static final Set<String> OTHER_READERS = Set.of("tfstate.policy");

    private ConfigFile() {
    }

    /** The settings in a file, and the line each stands on, so that an error can point at it. */
    public record Values(Path file, Map<Setting, String> values, Map<Setting, Integer> lines) {
        /** {@code FILE:LINE} of a setting's value, as compilers name a place. */
        public String where(Setting s) {
            Integer line = lines.get(s);
            return file + (line == null ? "" : ":" + line);
        }
    }

    public static Values readValues(Path file) {
        JsonNode root;
        String text;
        try {
            text = Files.readString(file);
            root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new ConfigException("config file " + file + " is not valid YAML"
                    + (line > 0 ? " (line " + line + ")" : "") + ": " + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        Map<Setting, String> values = new EnumMap<>(Setting.class);
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Values(file, values, Map.of());
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + file + " must be a mapping of keys to values");
        }
        collect(file, "", root, values, true);
        return new Values(file, values, lines(text, values.keySet()));
    }

    /** The line of each setting's key: a second, streaming read, since a tree keeps no locations. */
    private static Map<Setting, Integer> lines(String text, Set<Setting> wanted) {
        Map<Setting, Integer> lines = new EnumMap<>(Setting.class);
        Deque<String> path = new ArrayDeque<>();
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            String field = null;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                    String key = path.isEmpty() ? field : String.join(".", path) + "." + field;
                    Setting.byYamlKey(key).filter(wanted::contains)
                            .ifPresent(s -> lines.putIfAbsent(s, p.currentTokenLocation().getLineNr()));
                } else if (t == JsonToken.START_OBJECT) {
                    if (field != null) {
                        path.addLast(field);
                    }
                    field = null;
                } else if (t == JsonToken.END_OBJECT) {
                    if (!path.isEmpty()) {
                        path.removeLast();
                    }
                } else if (t == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // already read once as a tree: only the line numbers are lost
        }
        return lines;
    }

    private static void collect(Path file, String prefix, JsonNode node, Map<Setting, String> out, boolean top) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode value = e.getValue();
            if (OTHER_READERS.contains(key)) {
                continue; // read, with its own FILE:LINE errors, by its reader
            }
            if (value.isObject()) {
                if (top && !RUNTIME_SECTIONS.contains(e.getKey())) {
                    continue; // another reader's section
                }
                collect(file, key, value, out, false);
                continue;
            }
            Setting setting = Setting.byYamlKey(key).orElseThrow(() -> new ConfigException(
                    "config file " + file + ": unknown key '" + key + "' (known keys: " + knownKeys() + ")"));
            if (value.isArray() || value.isNull()) {
                if (value.isNull()) {
                    continue;
                }
                StringBuilder joined = new StringBuilder();
                for (JsonNode item : value) {
                    if (joined.length() > 0) {
                        joined.append(',');
                    }
                    joined.append(item.asText());
                }
                out.put(setting, joined.toString());
            } else {
                out.put(setting, value.asText());
            }
        }
    }

    private static String knownKeys() {
        StringBuilder sb = new StringBuilder();
        for (Setting s : Setting.values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(s.yamlKey());
        }
        return sb.toString();
    }
}
