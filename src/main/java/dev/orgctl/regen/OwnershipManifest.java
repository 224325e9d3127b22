package dev.orgctl.regen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which files orgctl owns in a repository, stored in the repository itself at
 * {@value #PATH} and committed in the same commit as the files it describes. Keeping it in the
 * repository means ownership survives the loss of orgctl's data directory, moves with the
 * repository, is visible and reviewable by its people, and is read in the same call as the files.
 *
 * <p>Per file: the policy, the template set, and the SHA-256 of what orgctl last wrote (the
 * normalized content, or the block's content for a managed block). That hash tells a template
 * change (the file still holds what orgctl wrote: update it) from drift (someone changed it:
 * repair or report). The manifest holds no template revision, so a new revision that renders the
 * same content changes nothing.
 *
 * <p>The serialized form is canonical (sorted keys, fixed layout) so an unchanged manifest is
 * byte-identical and makes no diff.
 */
public final class OwnershipManifest {
    /** Where the manifest lives in every target repository. */
    public static final String PATH = ".github/orgctl-owned.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One file orgctl wrote. {@code sha256} is empty for create-only files (never compared).
     * {@code mode} is the git mode orgctl wrote when it is not a regular file's (executable,
     * symlink): it tells a person's {@code chmod} from a template's mode change. Empty for regular
     * files, and in manifests written before modes were recorded.
     */
    public record Entry(Policy policy, String set, Optional<String> sha256, Optional<RepoFile.Mode> mode) {
        public Entry {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(set, "set");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(mode, "mode");
        }

        public Entry(Policy policy, String set, Optional<String> sha256) {
            this(policy, set, sha256, Optional.empty());
        }

        /** The mode orgctl wrote, as far as the manifest knows (regular when it does not say). */
        public RepoFile.Mode writtenMode() {
            return mode.orElse(RepoFile.Mode.REGULAR);
        }
    }

    private final String templatesRepo;
    private final TreeMap<String, Entry> files;

    public OwnershipManifest(String templatesRepo, Map<String, Entry> files) {
        this.templatesRepo = templatesRepo;
        this.files = new TreeMap<>(files);
    }

    public static OwnershipManifest empty(String templatesRepo) {
        return new OwnershipManifest(templatesRepo, Map.of());
    }

    public String templatesRepo() {
        return templatesRepo;
    }

    public Map<String, Entry> files() {
        return Collections.unmodifiableMap(files);
    }

    public Optional<Entry> entry(String path) {
        return Optional.ofNullable(files.get(path));
    }

    public boolean isEmpty() {
        return files.isEmpty();
    }

    /**
     * The paths whose changes are drift: files orgctl owns wholly or in part (overwrite and
     * managed-block), plus the manifest itself. Create-only files are the repository's once created.
     */
    public Set<String> ownedPaths() {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<String, Entry> e : files.entrySet()) {
            if (e.getValue().policy() != Policy.CREATE_ONLY) {
                out.add(e.getKey());
            }
        }
        if (!files.isEmpty()) {
            out.add(PATH);
        }
        return out;
    }

    /**
     * The manifest of a repository at a commit (one host read), empty when there is none or it is
     * unreadable. For the drift check of a push, read it at the push's {@code before} commit: the
     * files orgctl owned before the push (the push may change or delete the manifest itself).
     */
    public static Optional<OwnershipManifest> read(RepositoryHost host, RepoRef repo, String commitId) {
        RepoSnapshot s = host.readCommit(repo, commitId, FileSelection.paths(List.of(PATH)));
        Optional<RepoFile> f = s.file(PATH);
        if (f.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(f.get().content()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Parses a manifest; a file that is not a valid manifest is an {@link IOException}. */
    public static OwnershipManifest parse(byte[] bytes) throws IOException {
        JsonNode root = JSON.readTree(bytes);
        if (root == null || !root.isObject()) {
            throw new IOException("not a JSON object");
        }
        if (root.path("version").asInt(0) != 1) {
            throw new IOException("unsupported version " + root.path("version"));
        }
        TreeMap<String, Entry> files = new TreeMap<>();
        JsonNode fs = root.path("files");
        if (!fs.isObject()) {
            throw new IOException("'files' is not an object");
        }
        Iterator<Map.Entry<String, JsonNode>> it = fs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            Policy policy;
            try {
                policy = Policy.parse(v.path("policy").asText(""));
            } catch (IllegalArgumentException ex) {
                throw new IOException(e.getKey() + ": " + ex.getMessage());
            }
            String sha = v.path("sha256").asText("");
            files.put(e.getKey(), new Entry(policy, v.path("set").asText(""),
                    sha.isEmpty() ? Optional.empty() : Optional.of(sha), mode(v.path("mode").asText(""))));
        }
        return new OwnershipManifest(root.path("templates").asText(""), files);
    }

    private static Optional<RepoFile.Mode> mode(String git) throws IOException {
        if (git.isEmpty()) {
            return Optional.empty();
        }
        for (RepoFile.Mode m : RepoFile.Mode.values()) {
            if (m.git().equals(git)) {
                return Optional.of(m);
            }
        }
        throw new IOException("unknown mode '" + git + "'");
    }

    /**
     * This manifest as one written before modes were recorded would be: the planner keeps such a
     * manifest as it is rather than rewrite every repository's manifest just to add modes.
     */
    public OwnershipManifest withoutModes() {
        TreeMap<String, Entry> out = new TreeMap<>();
        files.forEach((p, e) -> out.put(p, new Entry(e.policy(), e.set(), e.sha256())));
        return new OwnershipManifest(templatesRepo, out);
    }

    /** The canonical bytes. */
    public byte[] serialize() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n");
        sb.append("  \"note\": ").append(quote("generated by orgctl: the files orgctl owns in this repository; "
                + "do not edit")).append(",\n");
        sb.append("  \"version\": 1,\n");
        sb.append("  \"templates\": ").append(quote(templatesRepo)).append(",\n");
        sb.append("  \"files\": {");
        boolean first = true;
        for (Map.Entry<String, Entry> e : files.entrySet()) {
            sb.append(first ? "\n" : ",\n");
            first = false;
            Entry v = e.getValue();
            sb.append("    ").append(quote(e.getKey())).append(": {\"policy\": ").append(quote(v.policy().yamlName()))
                    .append(", \"set\": ").append(quote(v.set()));
            if (v.sha256().isPresent()) {
                sb.append(", \"sha256\": ").append(quote(v.sha256().get()));
            }
            if (v.mode().isPresent() && v.mode().get() != RepoFile.Mode.REGULAR) {
                sb.append(", \"mode\": ").append(quote(v.mode().get().git()));
            }
            sb.append("}");
        }
        sb.append(first ? "}\n" : "\n  }\n");
        sb.append("}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("v", s);
        String json = n.toString();
        return json.substring(5, json.length() - 1);
    }

    /** SHA-256 hex of text (UTF-8) after {@link Headers#normalize}. */
    public static String hash(String text) {
        return hash(Headers.normalize(text).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * SHA-256 hex of a file's bytes after {@link Headers#normalize}, byte for byte whatever the
     * encoding (for UTF-8 content the same as {@link #hash(String)} of its text).
     */
    public static String hashNormalized(byte[] content) {
        return hashByteText(ByteText.of(content));
    }

    /** {@link #hashNormalized} of {@link ByteText} (one char per byte). */
    static String hashByteText(String byteText) {
        return hash(ByteText.bytes(Headers.normalize(byteText)));
    }

    public static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OwnershipManifest m && m.templatesRepo.equals(templatesRepo) && m.files.equals(files);
    }

    @Override
    public int hashCode() {
        return files.hashCode();
    }

    @Override
    public String toString() {
        return "OwnershipManifest" + files;
    }
}
