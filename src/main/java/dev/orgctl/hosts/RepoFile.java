package dev.orgctl.hosts;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One file's content and git mode. For a symlink the content is the link's target, as git stores
 * it. The array is never modified after creation.
 */
@SuppressWarnings("ArrayRecordComponent") // equals and hashCode below compare the bytes
public record RepoFile(byte[] content, Mode mode) {
    /** The git modes orgctl reads and writes. */
    public enum Mode {
        REGULAR("100644"), EXECUTABLE("100755"), SYMLINK("120000");

        private final String git;

        Mode(String git) {
            this.git = git;
        }

        /** The mode as git writes it in trees and diffs, e.g. {@code 100755}. */
        public String git() {
            return git;
        }
    }

    public RepoFile {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(mode, "mode");
    }

    public RepoFile(byte[] content, boolean executable) {
        this(content, executable ? Mode.EXECUTABLE : Mode.REGULAR);
    }

    public static RepoFile of(String utf8) {
        return new RepoFile(utf8.getBytes(StandardCharsets.UTF_8), Mode.REGULAR);
    }

    public static RepoFile symlink(String target) {
        return new RepoFile(target.getBytes(StandardCharsets.UTF_8), Mode.SYMLINK);
    }

    public boolean executable() {
        return mode == Mode.EXECUTABLE;
    }

    public boolean symlink() {
        return mode == Mode.SYMLINK;
    }

    public String utf8() {
        return new String(content, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepoFile f && mode == f.mode && Arrays.equals(content, f.content);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(content) * 31 + mode.hashCode();
    }

    @Override
    public String toString() {
        return "RepoFile[" + content.length + " bytes" + (mode == Mode.REGULAR ? "" : ", " + mode.name().toLowerCase(
                java.util.Locale.ROOT)) + "]";
    }
}
