package dev.orgctl.regen;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The line-comment syntax of a file, chosen from its name: where orgctl can put its generated-file
 * header and managed-block markers. {@link #NONE} for formats without comments (JSON, plain
 * text, licences, version pin files): such files get no header and cannot hold a managed block.
 */
public enum CommentStyle {
    HASH("# ", ""),
    HTML("<!-- ", " -->"),
    SLASH("// ", ""),
    BLOCK("/* ", " */"),
    DASH("-- ", ""),
    NONE("", "");

    private static final Map<String, CommentStyle> BY_EXTENSION = Map.ofEntries(
            Map.entry("yml", HASH), Map.entry("yaml", HASH), Map.entry("sh", HASH), Map.entry("bash", HASH),
            Map.entry("zsh", HASH), Map.entry("py", HASH), Map.entry("rb", HASH), Map.entry("toml", HASH),
            Map.entry("cfg", HASH), Map.entry("conf", HASH), Map.entry("ini", HASH), Map.entry("properties", HASH),
            Map.entry("tf", HASH), Map.entry("hcl", HASH), Map.entry("tfvars", HASH), Map.entry("r", HASH),
            Map.entry("pl", HASH), Map.entry("ps1", HASH), Map.entry("mk", HASH), Map.entry("nix", HASH),
            Map.entry("dockerfile", HASH), Map.entry("gitignore", HASH), Map.entry("gitattributes", HASH),
            Map.entry("env", HASH), Map.entry("editorconfig", HASH), Map.entry("dockerignore", HASH),
            Map.entry("md", HTML), Map.entry("markdown", HTML), Map.entry("html", HTML), Map.entry("htm", HTML),
            Map.entry("xml", HTML), Map.entry("svg", HTML), Map.entry("xhtml", HTML),
            Map.entry("js", SLASH), Map.entry("mjs", SLASH), Map.entry("cjs", SLASH), Map.entry("ts", SLASH),
            Map.entry("tsx", SLASH), Map.entry("jsx", SLASH), Map.entry("java", SLASH), Map.entry("kt", SLASH),
            Map.entry("kts", SLASH), Map.entry("go", SLASH), Map.entry("rs", SLASH), Map.entry("c", SLASH),
            Map.entry("h", SLASH), Map.entry("cc", SLASH), Map.entry("cpp", SLASH), Map.entry("hpp", SLASH),
            Map.entry("cs", SLASH), Map.entry("swift", SLASH), Map.entry("scala", SLASH), Map.entry("groovy", SLASH),
            Map.entry("gradle", SLASH), Map.entry("dart", SLASH), Map.entry("jsonc", SLASH), Map.entry("json5", SLASH),
            Map.entry("proto", SLASH), Map.entry("scss", SLASH), Map.entry("less", SLASH),
            Map.entry("css", BLOCK),
            Map.entry("sql", DASH), Map.entry("lua", DASH), Map.entry("hs", DASH));

    private static final Map<String, CommentStyle> BY_NAME = Map.ofEntries(
            Map.entry("CODEOWNERS", HASH), Map.entry("Dockerfile", HASH), Map.entry("Containerfile", HASH),
            Map.entry("Makefile", HASH), Map.entry("GNUmakefile", HASH), Map.entry("Gemfile", HASH),
            Map.entry("Rakefile", HASH), Map.entry("Vagrantfile", HASH), Map.entry("Procfile", HASH),
            Map.entry("Brewfile", HASH), Map.entry(".gitignore", HASH), Map.entry(".gitattributes", HASH),
            Map.entry(".dockerignore", HASH), Map.entry(".editorconfig", HASH), Map.entry(".prettierignore", HASH),
            Map.entry(".eslintignore", HASH), Map.entry(".npmignore", HASH), Map.entry(".env", HASH),
            Map.entry(".gitmodules", HASH), Map.entry(".mailmap", HASH), Map.entry("Jenkinsfile", SLASH));

    /** Files that must stay free of comments even though a comment style might apply. */
    private static final Set<String> NEVER = Set.of(".nvmrc", ".python-version", ".ruby-version", ".node-version",
            ".java-version", ".terraform-version", "go.sum");

    private final String open;
    private final String close;

    CommentStyle(String open, String close) {
        this.open = open;
        this.close = close;
    }

    public boolean hasComments() {
        return this != NONE;
    }

    /** {@code text} as one comment line (without line ending). */
    public String comment(String text) {
        if (this == NONE) {
            throw new IllegalStateException("no comment syntax");
        }
        return open + text + close;
    }

    public static CommentStyle forPath(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        if (NEVER.contains(file)) {
            return NONE;
        }
        CommentStyle byName = BY_NAME.get(file);
        if (byName != null) {
            return byName;
        }
        if (file.startsWith("Dockerfile.") || file.startsWith("Containerfile.")) {
            return HASH;
        }
        int dot = file.lastIndexOf('.');
        if (dot < 0) {
            return NONE;
        }
        return BY_EXTENSION.getOrDefault(file.substring(dot + 1).toLowerCase(Locale.ROOT), NONE);
    }
}
