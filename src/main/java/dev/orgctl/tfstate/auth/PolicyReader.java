package dev.orgctl.tfstate.auth;

import dev.orgctl.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code tfstate.policy} from a service's orgctl.yaml. Every mistake is one line,
 * {@code FILE:LINE: KEY: what is wrong}, because a policy that silently means something else grants
 * or refuses access to infrastructure state. SnakeYAML's node graph keeps each node's line.
 */
final class PolicyReader {
    private static final String KEY = "tfstate.policy";
    /** State name characters (docs/terraform-state.md) plus the wildcards. */
    private static final Pattern STATE_PATTERN = Pattern.compile("[A-Za-z0-9._/*?-]{1,200}");

    private final Path file;

    private PolicyReader(Path file) {
        this.file = file;
    }

    static StatePolicy read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new java.io.StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(file + ":" + line + ": not valid YAML: "
                    + String.valueOf(e.getProblem()).replaceAll("\\s+", " ").strip());
        }
        return new PolicyReader(file).policy(root);
    }

    private StatePolicy policy(Node root) {
        if (!(root instanceof MappingNode top)) {
            return StatePolicy.none();
        }
        Node tfstate = field(top, "tfstate");
        if (!(tfstate instanceof MappingNode section)) {
            return StatePolicy.none();
        }
        Node list = field(section, "policy");
        if (list == null || isNull(list)) {
            return StatePolicy.none();
        }
        if (!(list instanceof SequenceNode rules)) {
            throw error(list, KEY, "expected a list of rules, each with claims, states and access");
        }
        List<StatePolicy.Rule> out = new ArrayList<>();
        for (int i = 0; i < rules.getValue().size(); i++) {
            out.add(rule(rules.getValue().get(i), KEY + "[" + i + "]"));
        }
        return new StatePolicy(out);
    }

    private StatePolicy.Rule rule(Node n, String key) {
        Map<String, Node> f = map(n, key, Set.of("claims", "states", "access"));
        Map<String, Glob> claims = new LinkedHashMap<>();
        Node claimsNode = require(f, n, key, "claims");
        for (Map.Entry<String, Node> c : map(claimsNode, key + ".claims", Set.copyOf(StatePolicy.USABLE_CLAIMS))
                .entrySet()) {
            String claimKey = key + ".claims." + c.getKey();
            String pattern = scalar(c.getValue(), claimKey);
            if (pattern.isEmpty()) {
                throw error(c.getValue(), claimKey, "expected a value or pattern, not an empty text");
            }
            claims.put(c.getKey(), Glob.of(pattern));
        }
        checkIdentifies(claims, claimsNode, key + ".claims");
        Node statesNode = require(f, n, key, "states");
        List<Glob> states = new ArrayList<>();
        List<Node> items = statesNode instanceof SequenceNode s ? s.getValue() : List.of(statesNode);
        for (int i = 0; i < items.size(); i++) {
            String stateKey = key + ".states[" + i + "]";
            String pattern = scalar(items.get(i), stateKey);
            if (!STATE_PATTERN.matcher(pattern).matches()) {
                throw error(items.get(i), stateKey, "'" + pattern + "' is not a state name pattern: letters, digits, "
                        + ". _ - and / with the wildcards * ** ?");
            }
            states.add(Glob.of(pattern));
        }
        if (states.isEmpty()) {
            throw error(statesNode, key + ".states", "expected at least one state name pattern");
        }
        Node accessNode = require(f, n, key, "access");
        String access = scalar(accessNode, key + ".access");
        Access a = switch (access.toLowerCase(Locale.ROOT)) {
            case "read" -> Access.READ;
            case "write" -> Access.WRITE;
            default -> throw error(accessNode, key + ".access", "'" + access + "' is not read or write");
        };
        return new StatePolicy.Rule(claims, states, a, file + ":" + line(n));
    }

    /** A rule must say whose workflows it admits, with the owner written out (see IDENTIFYING_CLAIMS). */
    private void checkIdentifies(Map<String, Glob> claims, Node at, String key) {
        for (String c : StatePolicy.IDENTIFYING_CLAIMS) {
            Glob g = claims.get(c);
            if (g == null) {
                continue;
            }
            String prefix = g.literalPrefix();
            boolean ownerPinned = c.equals("repository_owner") ? prefix.equals(g.text()) : prefix.indexOf('/') > 0;
            if (ownerPinned) {
                return;
            }
        }
        throw error(at, key, "a rule must name repository (OWNER/NAME, the name may be a pattern), repository_owner "
                + "(no pattern) or job_workflow_ref (OWNER/...): any GitHub repository can obtain a token for this "
                + "audience, so the owner must be written out");
    }

    private Map<String, Node> map(Node n, String key, Set<String> allowed) {
        if (!(n instanceof MappingNode m)) {
            throw error(n, key, "expected a map with keys " + String.join(", ", sorted(allowed)));
        }
        Map<String, Node> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (NodeTuple t : m.getValue()) {
            String k = scalar(t.getKeyNode(), key);
            if (!allowed.contains(k)) {
                throw error(t.getKeyNode(), key + "." + k, "unknown key (expected one of " + String.join(", ",
                        sorted(allowed)) + ")");
            }
            if (!seen.add(k)) {
                throw error(t.getKeyNode(), key + "." + k, "appears twice");
            }
            out.put(k, t.getValueNode());
        }
        return out;
    }

    private Node require(Map<String, Node> fields, Node parent, String key, String name) {
        Node n = fields.get(name);
        if (n == null || isNull(n)) {
            throw error(n == null ? parent : n, key + "." + name, "missing; every rule has claims, states and access");
        }
        return n;
    }

    private String scalar(Node n, String key) {
        if (!(n instanceof ScalarNode s) || isNull(n)) {
            throw error(n, key, "expected a text value");
        }
        return s.getValue();
    }

    private static Node field(MappingNode m, String name) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(name)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().getValue().endsWith(":null");
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
    }

    private ConfigException error(Node at, String key, String msg) {
        return new ConfigException(file + ":" + line(at) + ": " + key + ": " + msg);
    }
}
