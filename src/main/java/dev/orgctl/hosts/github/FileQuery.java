package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GraphQL selection that reads a set of files and subtrees of one commit in one query, and the
 * parsing of its answer. Each exact path is one aliased {@code Commit.file(path:)}; each subtree is
 * a {@code file(path:)} whose {@code Tree} entries are expanded {@value #DEPTH} levels deep. Deeper
 * directories come back as {@link Result#deeper()} for a follow-up query at the same commit, and
 * binary or truncated blobs (GraphQL gives no text for them), and text that GraphQL could not give
 * byte for byte (not UTF-8: it answers U+FFFD in place of such bytes), as {@link Result#blobs()} to
 * fetch over REST. Symlinks are files whose content is the link's target (mode 120000); an exact
 * path that is a directory or a submodule is reported in {@link Result#notFiles()}.
 */
final class FileQuery {
    /** Levels of directories expanded under a subtree in one query. */
    static final int DEPTH = 4;
    private static final int MODE_EXECUTABLE = 0100755;
    private static final int MODE_REGULAR = 0100644;
    private static final int MODE_SYMLINK = 0120000;
    private static final String BLOB = "... on Blob { oid text isBinary isTruncated }";

    private FileQuery() {
    }

    /** What one answer held. */
    record Result(Map<String, RepoFile> files, List<String> deeper, Map<String, BlobRef> blobs,
                  Map<String, RepoSnapshot.NotFile> notFiles) {
    }

    /** A blob whose content must be fetched over REST ({@code GET /git/blobs/{oid}}). */
    record BlobRef(String oid, RepoFile.Mode mode) {
    }

    /** Variable declarations for the selection: {@code , $p0: String!, ...}. */
    static String variables(FileSelection selection) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < selection.all().size(); i++) {
            sb.append(", $p").append(i).append(": String!");
        }
        return sb.toString();
    }

    /** The aliased {@code file} fields to put inside {@code ... on Commit { }}. */
    static String fields(FileSelection selection) {
        StringBuilder sb = new StringBuilder();
        List<String> all = selection.all();
        for (int i = 0; i < all.size(); i++) {
            sb.append(" f").append(i).append(": file(path: $p").append(i).append(") { path mode type object { ")
                    .append(BLOB);
            if (selection.subtrees().contains(all.get(i))) {
                sb.append(' ').append(tree(DEPTH));
            }
            sb.append(" } }");
        }
        return sb.toString();
    }

    private static String tree(int depth) {
        StringBuilder sb = new StringBuilder("... on Tree { entries { path mode type object { ").append(BLOB);
        if (depth > 1) {
            sb.append(' ').append(tree(depth - 1));
        }
        return sb.append(" } } }").toString();
    }

    static void bind(FileSelection selection, Map<String, Object> vars) {
        List<String> all = selection.all();
        for (int i = 0; i < all.size(); i++) {
            vars.put("p" + i, all.get(i));
        }
    }

    /** Parses the {@code Commit} object of an answer. */
    static Result parse(FileSelection selection, JsonNode commit) {
        Map<String, RepoFile> files = new LinkedHashMap<>();
        List<String> deeper = new ArrayList<>();
        Map<String, BlobRef> blobs = new LinkedHashMap<>();
        Map<String, RepoSnapshot.NotFile> notFiles = new LinkedHashMap<>();
        List<String> all = selection.all();
        for (int i = 0; i < all.size(); i++) {
            JsonNode entry = commit.path("f" + i);
            if (entry.isMissingNode() || entry.isNull()) {
                continue;
            }
            walk(selection, entry, DEPTH + 1, files, deeper, blobs, notFiles);
        }
        return new Result(files, deeper, blobs, notFiles);
    }

    private static void walk(FileSelection selection, JsonNode entry, int depth, Map<String, RepoFile> files,
                             List<String> deeper, Map<String, BlobRef> blobs,
                             Map<String, RepoSnapshot.NotFile> notFiles) {
        String path = entry.path("path").asText();
        String type = entry.path("type").asText();
        int mode = entry.path("mode").asInt();
        JsonNode object = entry.path("object");
        if (type.equals("blob")) {
            RepoFile.Mode kind = mode == MODE_EXECUTABLE ? RepoFile.Mode.EXECUTABLE
                    : mode == MODE_SYMLINK ? RepoFile.Mode.SYMLINK
                    : mode == MODE_REGULAR ? RepoFile.Mode.REGULAR : null;
            if (kind == null || !selection.matches(path)) {
                return;
            }
            JsonNode text = object.path("text");
            if (object.path("isBinary").asBoolean(false) || object.path("isTruncated").asBoolean(false)
                    || !text.isTextual() || text.asText().indexOf('\uFFFD') >= 0) {
                blobs.put(path, new BlobRef(object.path("oid").asText(), kind));
            } else {
                files.put(path, new RepoFile(text.asText().getBytes(StandardCharsets.UTF_8), kind));
            }
            return;
        }
        if (!type.equals("tree")) {
            if (selection.paths().contains(path)) {
                notFiles.put(path, RepoSnapshot.NotFile.SUBMODULE);
            }
            return;
        }
        if (!selection.subtrees().contains(path) && selection.paths().contains(path)) {
            notFiles.put(path, RepoSnapshot.NotFile.DIRECTORY); // a directory named as an exact path: not a file
            return;
        }
        if (!selection.subtrees().contains(path) && !selection.matches(path)) {
            return;
        }
        JsonNode entries = object.path("entries");
        if (!entries.isArray() || depth <= 1) {
            deeper.add(path);
            return;
        }
        for (JsonNode child : entries) {
            walk(selection, child, depth - 1, files, deeper, blobs, notFiles);
        }
    }
}
