package dev.orgctl.hosts;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** One file's content and whether it is executable. The array is never modified after creation. */
public record RepoFile(byte[] content, boolean executable) {
    public RepoFile {
        Objects.requireNonNull(content, "content");
    }

    public static RepoFile of(String utf8) {
        return new RepoFile(utf8.getBytes(StandardCharsets.UTF_8), false);
    }

    public String utf8() {
        return new String(content, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepoFile f && executable == f.executable && Arrays.equals(content, f.content);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(content) * 31 + Boolean.hashCode(executable);
    }

    @Override
    public String toString() {
        return "RepoFile[" + content.length + " bytes" + (executable ? ", executable" : "") + "]";
    }
}
