package dev.orgctl.regen;

import java.nio.charset.StandardCharsets;

/**
 * One template rendered for one repository, before the header is added. Exactly one of
 * {@code text} (text templates) and {@code binary} (files that are not UTF-8 text, copied as
 * they are) is non-null.
 *
 * @param path     where it goes in the target repository
 * @param set      the template set
 * @param source   the template's path in the templates repository
 */
public record RenderedFile(String path, String set, String source, RegenConfig.FileSettings settings,
                           boolean executable, String text, byte[] binary) {
    public boolean isBinary() {
        return binary != null;
    }

    public byte[] bytes() {
        return binary != null ? binary : text.getBytes(StandardCharsets.UTF_8);
    }
}
