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
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

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

    /**
     * Parses one document. A document with no content (empty, only comments, only {@code ---}) is
     * an error: a file emptied by mistake must not silently mean "no configuration".
     */
    static Node parse(String file, byte[] bytes) {
        try (JsonParser p = YAML.createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null || t == JsonToken.VALUE_NULL && p.nextToken() == null) {
                throw new TemplateException(file, 0, "the file is empty (or only comments): write its settings, "
                        + "or delete it for the defaults (every set to every repository)");
            }
            return read(file, p);
        } catch (JsonProcessingException e) {
            throw syntaxError(file, e);
        } catch (IOException e) {
            throw new TemplateException(file, 0, "cannot read: " + e.getMessage());
        }
    }

    /**
     * The YAML parser's own problem, on one line, at the line where it found it (not where the
     * construct it was reading began), with what it was reading as context.
     */
    private static TemplateException syntaxError(String file, JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblem() != null) {
            Mark at = m.getProblemMark();
            StringBuilder msg = new StringBuilder("not valid YAML: ").append(oneLine(m.getProblem()));
            if (at != null) {
                msg.append(" (column ").append(at.getColumn() + 1).append(')');
            }
            if (m.getContext() != null) {
                msg.append(", ").append(oneLine(m.getContext()));
                Mark ctx = m.getContextMark();
                if (ctx != null && (at == null || ctx.getLine() != at.getLine())) {
                    msg.append(" that starts on line ").append(ctx.getLine() + 1);
                }
            }
            return new TemplateException(file, at == null ? 0 : at.getLine() + 1, msg.toString());
        }
        JsonLocation loc = e.getLocation();
        return new TemplateException(file, loc == null ? 0 : loc.getLineNr(),
                "not valid YAML: " + oneLine(e.getOriginalMessage()));
    }

    private static String oneLine(String text) {
        return text.replace("\\t(TAB)", "tab").replace('\t', ' ').replaceAll("\\s*\\n\\s*", " ").strip();
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
                return new Scalar(true, line);
            case VALUE_FALSE:
                return new Scalar(false, line);
            case VALUE_NULL:
                return new Scalar(null, line);
            default:
                throw new TemplateException(file, line, "unsupported YAML content " + t);
        }
    }
}
