package dev.orgctl.regen;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static dev.orgctl.regen.RegenFixture.after;
import static dev.orgctl.regen.RegenFixture.file;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regeneration never damages what people wrote and keeps every file valid in its own format: real
 * bare repositories, written to by people with the git command line.
 */
class FileSafetyTest {
    static final byte[] LATIN1_README = "# Caf\u00e9 cr\u00e8me\n\nNotes de l'\u00e9quipe.\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path tmp;
    RegenFixture fx;

    @BeforeEach
    void setUp() {
        fx = new RegenFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private byte[] bytes(RepoRef r, String path) {
        RepoFile f = fx.repos.repoFile(r, path);
        return f == null ? null : f.content();
    }

    /** A template committed with its mode. */
    private void template(String path, String content, boolean executable) {
        fx.repos.commitFiles(fx.templates, Map.of(path, new RepoFile(content.getBytes(StandardCharsets.UTF_8),
                executable)), "template " + path);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ------------------------------------------------------------------ 1. encodings

    @Test
    void aLatin1FileKeepsEveryByteOutsideItsManagedBlock() throws Exception {
        fx.templates(files("orgctl.yaml", "sets:\n  docs:\n    files:\n      README.md: managed-block\n",
                "templates/docs/README.md", "Maintained by <%= vars.owners | default(\"@acme/platform\") %>.\n"));
        RepoRef api = fx.target("api");
        fx.repos.gitPush(api, "latin-1 readme", w -> Files.write(w.resolve("README.md"), LATIN1_README));

        assertThat(fx.regenerate(api)).isInstanceOf(RegenResult.Committed.class);
        byte[] now = bytes(api, "README.md");
        assertThat(indexOf(now, LATIN1_README)).isZero(); // the person's bytes, \xe9 and \xe8 included
        assertThat(new String(now, StandardCharsets.ISO_8859_1)).endsWith("Maintained by @acme/platform.\n"
                + "<!-- END orgctl managed block -->\n");
        assertThat(fx.plan(api).hasChanges()).isFalse();

        // A block of non-ASCII text would put UTF-8 into a Latin-1 file: refused, the file left as it is,
        // the repository's other files still written.
        fx.templates(files("templates/docs/README.md", "Maintenu par l'\u00e9quipe.\n",
                "templates/docs/CONTRIBUTING.md", "Be nice.\n"));
        RepoPlan p = fx.plan(api);
        FilePlan readme = file(p, "README.md");
        assertThat(readme.action()).isEqualTo(FileAction.REFUSED);
        assertThat(readme.note()).contains("not UTF-8").contains("will not mix two encodings");
        assertThat(p.summary()).contains("1 refused");
        RegenResult r = fx.regenerate(api);
        assertThat(r).isInstanceOf(RegenResult.Committed.class);
        assertThat(((RegenResult.Committed) r).plan().refused()).extracting(FilePlan::path).containsExactly("README.md");
        assertThat(bytes(api, "README.md")).isEqualTo(now);
        assertThat(fx.repos.file(api, "CONTRIBUTING.md")).endsWith("Be nice.\n");
    }

    @Test
    void aLatin1StaleBlockIsRemovedByteForByte() throws Exception {
        fx.templates(files("orgctl.yaml", "sets:\n  docs:\n    files:\n      README.md: managed-block\n",
                "templates/docs/README.md", "Maintained here.\n", "templates/docs/keep.yml", "a: 1\n"));
        RepoRef api = fx.target("api");
        fx.repos.gitPush(api, "latin-1 readme", w -> Files.write(w.resolve("README.md"), LATIN1_README));
        fx.regenerate(api);
        fx.templates(files("templates/docs/README.md", null));
        RepoPlan p = fx.plan(api);
        assertThat(file(p, "README.md").action()).isEqualTo(FileAction.UPDATE);
        fx.regenerate(api);
        assertThat(bytes(api, "README.md")).isEqualTo(LATIN1_README);
    }

    @Test
    void diffsShowByteLevelAndLineEndingOnlyChanges() {
        byte[] latin1 = "Caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] utf8 = "Caf\u00e9\n".getBytes(StandardCharsets.UTF_8);
        String d = UnifiedDiff.of("a.md", latin1, utf8);
        assertThat(d).contains("-Caf\\xE9\n").contains("+Caf\u00e9\n").doesNotContain("\uFFFD");
        // Two different byte sequences that a UTF-8 terminal would print the same way.
        byte[] other = "Caf\u00e8\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(UnifiedDiff.of("a.md", latin1, other)).contains("-Caf\\xE9").contains("+Caf\\xE8")
                .contains("only bytes differ that print alike");
        String crlf = UnifiedDiff.of("a.yml", "a: 1\r\nb: 2\r\n".getBytes(StandardCharsets.UTF_8), "a: 1\nb: 2\n".getBytes(StandardCharsets.UTF_8));
        assertThat(crlf).contains("\\ lines 1-2: only the line endings differ (CRLF before, LF after)");
        String nfd = UnifiedDiff.of("a.md", "Cafe\u0301\n".getBytes(StandardCharsets.UTF_8), utf8);
        assertThat(nfd).contains("only bytes differ that print alike");
        String bom = UnifiedDiff.of("a.ps1", "\uFEFFx\n".getBytes(StandardCharsets.UTF_8), "x\n".getBytes(StandardCharsets.UTF_8));
        assertThat(bom).contains("-<U+FEFF>x");
    }

    // ------------------------------------------------------------------ 2, 4. stale files

    @Test
    void aStaleFileUnderPerFileDriftReportIsKeptWhenSomeoneChangedIt() throws Exception {
        fx.templates(files("orgctl.yaml", "sets:\n  ci:\n    drift: repair\n    files:\n"
                        + "      .github/workflows/release.yml: {drift: report}\n",
                "templates/ci/.github/workflows/release.yml", "name: release\n",
                "templates/ci/.github/workflows/ci.yml", "name: ci\n"));
        RepoRef api = fx.target("api");
        fx.regenerate(api);
        String release = fx.repos.file(api, ".github/workflows/release.yml");
        fx.repos.gitPush(api, files(".github/workflows/release.yml", release + "# our own step\n"), "tweak");

        fx.templates(files("templates/ci/.github/workflows/release.yml", null));
        FilePlan f = file(fx.plan(api), ".github/workflows/release.yml");
        assertThat(f.action()).isEqualTo(FileAction.DRIFT_REPORTED);
        assertThat(f.note()).isEqualTo("no longer generated; kept: changed by someone (drift: report)");
        fx.regenerate(api);
        assertThat(fx.repos.file(api, ".github/workflows/release.yml")).endsWith("# our own step\n");
    }

    @Test
    void aStaleFileSomeoneChangedIsKeptUnderRepairUnlessDriftIsDiscard() throws Exception {
        fx.standardTemplates();
        RepoRef api = fx.target("api");
        fx.regenerate(api);
        String ci = fx.repos.file(api, ".github/workflows/ci.yml");
        fx.repos.gitPush(api, files(".github/workflows/ci.yml", ci + "# my tweak\n"), "tweak");
        // A manifest entry added by hand for a person's file: no record of what orgctl wrote.
        fx.repos.gitPush(api, files("notes.md", "mine\n"), "notes");
        String manifest = fx.repos.file(api, OwnershipManifest.PATH).replace("\"files\": {",
                "\"files\": {\n    \"notes.md\": {\"policy\": \"overwrite\", \"set\": \"ci\"},");
        fx.repos.gitPush(api, files(OwnershipManifest.PATH, manifest), "hand edit");

        fx.templates(files("templates/ci/.github/workflows/ci.yml", null));
        RepoPlan p = fx.plan(api);
        assertThat(file(p, ".github/workflows/ci.yml").action()).isEqualTo(FileAction.DRIFT_REPORTED);
        assertThat(file(p, ".github/workflows/ci.yml").note())
                .isEqualTo("no longer generated; kept: changed by someone (drift: discard would delete it)");
        assertThat(file(p, "notes.md").action()).isEqualTo(FileAction.DRIFT_REPORTED);
        assertThat(file(p, "notes.md").note()).contains("kept: the manifest has no record of what orgctl wrote");
        fx.regenerate(api);
        assertThat(fx.repos.read(api, "main")).containsKeys(".github/workflows/ci.yml", "notes.md");

        // Opting in: drift: discard deletes it, and says so.
        fx.templates(files("orgctl.yaml", "defaults:\n  drift: discard\n"));
        RepoPlan discard = fx.plan(api);
        assertThat(file(discard, ".github/workflows/ci.yml").action()).isEqualTo(FileAction.DELETE);
        assertThat(file(discard, ".github/workflows/ci.yml").note())
                .isEqualTo("no longer generated; changed by someone; deleted anyway (drift: discard)");
        fx.regenerate(api);
        assertThat(fx.repos.read(api, "main")).doesNotContainKeys(".github/workflows/ci.yml", "notes.md");
    }

    // ------------------------------------------------------------------ 5. directory/file conflicts

    @Test
    void aDirectoryFileConflictRefusesThatFileAndWritesTheOthers() throws Exception {
        fx.templates(files("templates/ci/sub/nested.yml", "n: 1\n", "templates/ci/docs", "a file\n",
                "templates/ci/ok.yml", "ok: 1\n"));
        RepoRef api = fx.target("api");
        fx.repos.gitPush(api, files("sub", "a file of theirs\n", "docs/guide.md", "guide\n"), "theirs");

        RepoPlan p = fx.plan(api);
        assertThat(file(p, "sub/nested.yml").action()).isEqualTo(FileAction.REFUSED);
        assertThat(file(p, "sub/nested.yml").note()).isEqualTo("cannot be written: 'sub' is a file in the repository, "
                + "so nothing can be written under it");
        assertThat(file(p, "docs").action()).isEqualTo(FileAction.REFUSED);
        assertThat(file(p, "docs").note()).isEqualTo("cannot be written: 'docs' is a directory in the repository");
        assertThat(file(p, "ok.yml").action()).isEqualTo(FileAction.CREATE);

        RegenResult r = fx.regenerate(api);
        assertThat(r).isInstanceOf(RegenResult.Committed.class);
        Map<String, String> tree = fx.repos.read(api, "main");
        assertThat(tree).containsEntry("sub", "a file of theirs\n").containsEntry("docs/guide.md", "guide\n")
                .containsKey("ok.yml").doesNotContainKey("sub/nested.yml");
        assertThat(fx.repos.file(api, OwnershipManifest.PATH)).contains("ok.yml").doesNotContain("nested");
    }

    @Test
    void aGeneratedFileThatBecomesADirectoryMovesInOneCommit() {
        fx.templates(files("templates/ci/config", "c: 1\n"));
        RepoRef api = fx.target("api");
        fx.regenerate(api);
        fx.templates(files("templates/ci/config", null, "templates/ci/config/app.yml", "c: 2\n"));
        RepoPlan p = fx.plan(api);
        assertThat(file(p, "config").action()).isEqualTo(FileAction.DELETE);
        assertThat(file(p, "config/app.yml").action()).isEqualTo(FileAction.CREATE);
        assertThat(fx.regenerate(api)).isInstanceOf(RegenResult.Committed.class);
        assertThat(fx.repos.read(api, "main")).containsKey("config/app.yml").doesNotContainKey("config");
    }

    // ------------------------------------------------------------------ 6, 7, 8. headers

    @Test
    void theHeaderKeepsTheByteOrderMarkAndPositionSensitiveFirstLinesFirst() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("templates/f/bom.xml", "\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>\n");
        t.put("templates/f/run.ps1", "\uFEFFWrite-Host hi\n");
        t.put("templates/f/Dockerfile", "# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\n");
        t.put("templates/f/tool.py", "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nprint('hi')\n");
        t.put("templates/f/cookie.py", "# vim: set fileencoding=utf-8 :\nprint('hi')\n");
        t.put("templates/f/doc.yaml", "%YAML 1.2\n---\na: 1\n");
        t.put("templates/f/tagged.yaml", "%YAML 1.2\n--- !shape\na: 1\n");
        t.put("templates/f/logo.svg", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        t.put("templates/f/go.sh", "#!/bin/sh");
        t.put("templates/f/one.yml", "a: 1");
        fx.templates(t);
        RepoRef api = fx.target("api");
        RepoPlan p = fx.plan(api);
        String h = Headers.text("acme/.github", p.templateRev());

        byte[] bom = file(p, "bom.xml").after();
        assertThat(new byte[] {bom[0], bom[1], bom[2]}).isEqualTo(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        assertThat(after(p, "bom.xml")).isEqualTo("\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- " + h
                + " -->\n<a/>\n");
        wellFormed(file(p, "bom.xml").after());
        assertThat(after(p, "run.ps1")).isEqualTo("\uFEFF# " + h + "\nWrite-Host hi\n");
        assertThat(after(p, "Dockerfile")).isEqualTo("# syntax=docker/dockerfile:1\n# escape=`\n# " + h
                + "\nFROM alpine\n");
        assertThat(after(p, "tool.py")).isEqualTo("#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n# " + h
                + "\nprint('hi')\n");
        assertThat(after(p, "cookie.py")).startsWith("# vim: set fileencoding=utf-8 :\n# " + h + "\n");
        assertThat(after(p, "doc.yaml")).isEqualTo("%YAML 1.2\n---\n# " + h + "\na: 1\n");
        assertThat(after(p, "tagged.yaml")).isEqualTo("%YAML 1.2\n--- !shape\na: 1\n");
        assertThat(file(p, "tagged.yaml").note()).startsWith("no header: the YAML document starts on its '---' line");
        // One-line files: the header gets a line of its own, never glued after the content.
        assertThat(after(p, "logo.svg")).isEqualTo("<?xml version=\"1.0\"?>\n<!-- " + h
                + " -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        wellFormed(file(p, "logo.svg").after());
        assertThat(after(p, "go.sh")).isEqualTo("#!/bin/sh\n# " + h + "\n");
        assertThat(after(p, "one.yml")).isEqualTo("# " + h + "\na: 1");

        fx.regenerate(api);
        assertThat(fx.plan(api).hasChanges()).isFalse();
    }

    private static void wellFormed(byte[] xml) throws Exception {
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    // ------------------------------------------------------------------ 9. empty templates

    @Test
    void emptyAndWhitespaceOnlyTemplatesAreCreated() {
        fx.templates(files("templates/site/.nojekyll", "", "templates/site/src/pkg/py.typed", "",
                "templates/site/logs/.gitkeep", " \n", "templates/site/maybe.yml", "<% if false %>\nx: 1\n<% end %>\n"));
        RepoRef api = fx.target("api");
        RepoPlan p = fx.plan(api);
        assertThat(file(p, ".nojekyll").action()).isEqualTo(FileAction.CREATE);
        assertThat(p.allFiles()).extracting(FilePlan::path).doesNotContain("maybe.yml");
        fx.regenerate(api);
        assertThat(fx.repos.read(api, "main")).containsEntry(".nojekyll", "").containsEntry("src/pkg/py.typed", "")
                .containsEntry("logs/.gitkeep", " \n");
        assertThat(fx.plan(api).hasChanges()).isFalse();
    }

    // ------------------------------------------------------------------ 10. symlinks

    @Test
    void symlinksInTheTemplatesAreWrittenAsSymlinksAndATargetsSymlinkIsReportedAsTakenOver() throws Exception {
        fx.templates(files("templates/ci/docs/GUIDE.md", "guide\n", "templates/ci/.github/CODEOWNERS", "* @acme/x\n"));
        fx.repos.gitPush(fx.templates, "a link", w -> Files.createSymbolicLink(
                w.resolve("templates/ci/docs/README.md"), Path.of("GUIDE.md")));
        RepoRef api = fx.target("api");
        fx.repos.gitPush(api, "their link", w -> {
            Files.createDirectories(w.resolve(".github"));
            Files.writeString(w.resolve("OWNERS"), "* @them\n");
            Files.createSymbolicLink(w.resolve(".github/CODEOWNERS"), Path.of("../OWNERS"));
        });

        RepoPlan p = fx.plan(api);
        FilePlan link = file(p, "docs/README.md");
        assertThat(link.action()).isEqualTo(FileAction.CREATE);
        assertThat(link.mode()).isEqualTo(RepoFile.Mode.SYMLINK);
        FilePlan theirs = file(p, ".github/CODEOWNERS");
        assertThat(theirs.action()).isEqualTo(FileAction.UPDATE);
        assertThat(theirs.note()).isEqualTo("existing symlink taken over: replaced by a file");
        assertThat(theirs.unifiedDiff()).contains("old mode 120000\nnew mode 100644\n");

        fx.regenerate(api);
        String tree = GitTestRepos.git(tmp, "--git-dir", fx.host.gitDir(api).toString(), "ls-tree", "-r", "main");
        assertThat(tree).containsPattern("120000 blob [0-9a-f]+\tdocs/README.md")
                .containsPattern("100644 blob [0-9a-f]+\t.github/CODEOWNERS");
        assertThat(fx.repos.repoFile(api, "docs/README.md")).isEqualTo(RepoFile.symlink("GUIDE.md"));
        assertThat(fx.plan(api).hasChanges()).isFalse();
    }

    // ------------------------------------------------------------------ 11. CRLF

    @Test
    void aManagedBlockInACrlfFileUsesCrlfThroughout() throws Exception {
        fx.templates(files("orgctl.yaml", "sets:\n  docs:\n    files:\n      README.md: managed-block\n",
                "templates/docs/README.md", "## Maintainers\n\nThe platform team.\n"));
        RepoRef api = fx.target("api");
        fx.repos.gitPush(api, "windows readme", w -> Files.write(w.resolve("README.md"),
                "# API\r\n\r\nWritten on Windows.\r\n".getBytes(StandardCharsets.UTF_8)));
        fx.regenerate(api);
        String readme = new String(bytes(api, "README.md"), StandardCharsets.UTF_8);
        assertThat(readme).startsWith("# API\r\n\r\nWritten on Windows.\r\n<!-- BEGIN orgctl managed block")
                .contains("## Maintainers\r\n\r\nThe platform team.\r\n<!-- END");
        assertThat(readme.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
        assertThat(fx.plan(api).hasChanges()).isFalse();
    }

    // ------------------------------------------------------------------ 12. modes

    @Test
    void aModeOnlyChangeShowsAsTheModeChange() throws Exception {
        template("templates/ci/scripts/build.sh", "#!/bin/sh\nmake\n", true);
        RepoRef api = fx.target("api");
        fx.regenerate(api);
        assertThat(fx.repos.repoFile(api, "scripts/build.sh").executable()).isTrue();
        byte[] written = bytes(api, "scripts/build.sh");
        fx.repos.gitPush(api, "chmod -x", w -> Files.setPosixFilePermissions(w.resolve("scripts/build.sh"),
                PosixFilePermissions.fromString("rw-r--r--")));
        // A template push that changes nothing for this file: a new revision in the header's place.
        fx.templates(files("templates/ci/other.yml", "o: 1\n"));

        FilePlan f = file(fx.plan(api), "scripts/build.sh");
        assertThat(f.action()).isEqualTo(FileAction.UPDATE);
        assertThat(f.drift()).isTrue();
        assertThat(f.note()).isEqualTo("mode changed by someone; repaired (mode 100644 -> 100755)");
        assertThat(f.after()).isEqualTo(written);
        assertThat(f.unifiedDiff()).isEqualTo("--- a/scripts/build.sh\n+++ b/scripts/build.sh\nold mode 100644\n"
                + "new mode 100755\n\\ only the mode differs; the content is the same\n");

        // Under drift: report the person's chmod stays, reported.
        fx.templates(files("orgctl.yaml", "defaults:\n  drift: report\n"));
        FilePlan reported = file(fx.plan(api), "scripts/build.sh");
        assertThat(reported.action()).isEqualTo(FileAction.DRIFT_REPORTED);
        assertThat(reported.note()).isEqualTo("mode changed by someone (mode 100644 -> 100755 would restore it); "
                + "drift: report");
        assertThat(reported.unifiedDiff()).contains("old mode 100644\nnew mode 100755\n");
        fx.regenerate(api); // writes other.yml, leaves the script as the person left it
        assertThat(fx.repos.repoFile(api, "scripts/build.sh").executable()).isFalse();
        assertThat(fx.regenerate(api)).isInstanceOf(RegenResult.NoChange.class);

        fx.templates(files("orgctl.yaml", null));
        fx.regenerate(api);
        assertThat(fx.repos.repoFile(api, "scripts/build.sh").executable()).isTrue();
        assertThat(bytes(api, "scripts/build.sh")).isEqualTo(written);

        // The template's own mode change is an update, not drift.
        template("templates/ci/scripts/build.sh", "#!/bin/sh\nmake\n", false);
        FilePlan template = file(fx.plan(api), "scripts/build.sh");
        assertThat(template.drift()).isFalse();
        assertThat(template.note()).isEqualTo("mode 100755 -> 100644 (the template's mode)");
    }

    @Test
    void aManifestWithoutModesIsNotRewrittenOnlyToAddThem() throws Exception {
        template("templates/ci/run.sh", "#!/bin/sh\n", true);
        RepoRef api = fx.target("api");
        fx.regenerate(api);
        String manifest = fx.repos.file(api, OwnershipManifest.PATH);
        assertThat(manifest).contains("\"mode\": \"100755\"");
        // The manifest as an older orgctl wrote it: no modes.
        fx.repos.gitPush(api, files(OwnershipManifest.PATH, manifest.replace(", \"mode\": \"100755\"", "")), "old");
        assertThat(fx.plan(api).hasChanges()).isFalse();
    }
}
