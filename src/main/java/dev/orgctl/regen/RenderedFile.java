package dev.orgctl.regen;

import dev.orgctl.hosts.RepoFile;
import java.nio.charset.StandardCharsets;

/**
 * One template rendered for one repository, before the header is added. Exactly one of
 * {@code text} (text templates) and {@code binary} (files that are not UTF-8 text, and symlinks,
 * copied as they are) is non-null.
 *
 * @param path     where it goes in the target repository
 * @param set      the template set
 * @param source   the template's path in the templates repository
 * @param mode     the git mode orgctl writes: the template's own (regular, executable or symlink)
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record RenderedFile(String path, String set, String source, RegenConfig.FileSettings settings,
                           RepoFile.Mode mode, String text, byte[] binary) {
    public boolean isBinary() {
        return binary != null;
    }

    public byte[] bytes() {
        return binary != null ? binary : text.getBytes(StandardCharsets.UTF_8);
    }
}
