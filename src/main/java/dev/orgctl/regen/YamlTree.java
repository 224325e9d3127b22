package dev.orgctl.regen;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree whose every node remembers its line, so that errors in
 * {@code orgctl.yaml} name the line and the key. Built on Jackson's streaming YAML parser.
 */
final class YamlTree {
    private static final YAMLFactory YAML = new YAMLFactory();

    private YamlTree() {
    }

    sealed interface Node permits MapNode, ListNode, Scalar {
        int line();

        /** Plain Java value: Map, List, String, Long, Double, Boolean or null. */
        Object toJava();
    }

    record Field(String key, int line, Node value) {
    }

    record MapNode(Map<String, Field> fields, int line) implements Node {
        @Override
        public Object toJava() {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Field f : fields.values()) {
                out.put(f.key(), f.value().toJava());
            }
            return out;
        }
    }

    record ListNode(List<Node> items, int line) implements Node {
        @Override
        public Object toJava() {
            List<Object> out = new ArrayList<>();
            for (Node n : items) {
                out.add(n.toJava());
            }
            return out;
        }
    }

    record Scalar(Object value, int line) implements Node {
        @Override
        public Object toJava() {
            return value;
        }
    }

    /** Parses one document; an empty document is an empty map. */
    static Node parse(String file, byte[] bytes) {
        try (JsonParser p = YAML.createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new MapNode(Map.of(), 1);
            }
            return read(file, p);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage().split("\n")[0];
            throw new TemplateException(file, loc == null ? 0 : loc.getLineNr(), "not valid YAML: " + msg);
        } catch (IOException e) {
            throw new TemplateException(file, 0, "cannot read: " + e.getMessage());
        }
    }

    private static Node read(String file, JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        int line = p.currentTokenLocation().getLineNr();
        switch (t) {
            case START_OBJECT: {
                Map<String, Field> fields = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    p.nextToken();
                    Node value = read(file, p);
                    if (fields.containsKey(key)) {
                        throw new TemplateException(file, keyLine, "key '" + key + "' appears twice");
                    }
                    fields.put(key, new Field(key, keyLine, value));
                }
                return new MapNode(fields, line);
            }
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(file, p));
                }
                return new ListNode(items, line);
            }
            case VALUE_STRING:
                return new Scalar(p.getText(), line);
            case VALUE_NUMBER_INT:
                return new Scalar(p.getLongValue(), line);
            case VALUE_NUMBER_FLOAT:
                return new Scalar(p.getDoubleValue(), line);
            case VALUE_TRUE:
                return new Scalar(Boolean.TRUE, line);
            case VALUE_FALSE:
                return new Scalar(Boolean.FALSE, line);
            case VALUE_NULL:
                return new Scalar(null, line);
            default:
                throw new TemplateException(file, line, "unsupported YAML content " + t);
        }
    }
}
