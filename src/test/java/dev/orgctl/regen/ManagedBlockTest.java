package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ManagedBlockTest {
    static final String H = Headers.text("acme/.github", "abcdef123456");

    @Test
    void createsAFileHoldingOnlyTheBlock() throws Exception {
        assertThat(ManagedBlock.apply(null, "- item\n", CommentStyle.HTML, H)).isEqualTo(
                "<!-- BEGIN orgctl managed block (" + H + " this block) -->\n- item\n<!-- END orgctl managed block -->\n");
    }

    @Test
    void appendsWhenMissingAndReplacesInPlace() throws Exception {
        String human = "# My project\n\nWritten by people.";
        String once = ManagedBlock.apply(human, "generated\n", CommentStyle.HTML, H);
        assertThat(once).startsWith(human + "\n<!-- BEGIN orgctl managed block");
        assertThat(once).endsWith("generated\n<!-- END orgctl managed block -->\n");
        String edited = once.replace("# My project", "# Our project") + "More human text.\n";
        String twice = ManagedBlock.apply(edited, "generated v2\n", CommentStyle.HTML, H);
        assertThat(twice).isEqualTo(edited.replace("generated\n", "generated v2\n"));
        assertThat(ManagedBlock.find(twice).orElseThrow().content()).isEqualTo("generated v2\n");
        assertThat(ManagedBlock.remove(twice)).isEqualTo("# Our project\n\nWritten by people.\nMore human text.\n");
    }

    @Test
    void brokenMarkersAreReportedNotGuessed() {
        assertThatThrownBy(() -> ManagedBlock.find("# BEGIN orgctl managed block\nx\n"))
                .isInstanceOf(ManagedBlock.MalformedException.class).hasMessageContaining("never closed");
        assertThatThrownBy(() -> ManagedBlock.find("x\n# END orgctl managed block\n"))
                .isInstanceOf(ManagedBlock.MalformedException.class);
        assertThatThrownBy(() -> ManagedBlock.find("# BEGIN orgctl managed block\n# END orgctl managed block\n"
                + "# BEGIN orgctl managed block\n# END orgctl managed block\n"))
                .hasMessageContaining("more than one");
    }

    @Test
    void keepsWindowsLineEndings() throws Exception {
        String crlf = "a\r\nb\r\n";
        String out = ManagedBlock.apply(crlf, "x\n", CommentStyle.HASH, H);
        assertThat(out).startsWith("a\r\nb\r\n# BEGIN").endsWith("# END orgctl managed block\r\n");
        String again = ManagedBlock.apply(out + "c\r\n", "y\n", CommentStyle.HASH, H);
        assertThat(again).endsWith("# END orgctl managed block\r\nc\r\n");
    }

    @Test
    void aTemplateWrittenWithLfGoesIntoACrlfFileAsCrlf() throws Exception {
        String out = ManagedBlock.apply("a\r\n", "x\ny\n", CommentStyle.HASH, H);
        assertThat(out).isEqualTo("a\r\n# BEGIN orgctl managed block (" + H + " this block)\r\nx\r\ny\r\n"
                + "# END orgctl managed block\r\n");
        assertThat(ManagedBlock.find(out).orElseThrow().content()).isEqualTo(ManagedBlock.contentAsWritten("x\ny\n",
                "\r\n"));
    }

    @Provide
    Arbitrary<String> lines() {
        return Arbitraries.strings().withChars("abc #<>!-/\t{}$").ofMaxLength(30).list().ofMaxSize(6)
                .map(l -> l.isEmpty() ? "" : String.join("\n", l) + "\n")
                .filter(s -> !s.contains(ManagedBlock.BEGIN) && !s.contains(ManagedBlock.END));
    }

    /** Whatever surrounds the block, updating the block keeps it byte for byte. */
    @Property(tries = 400)
    void contentOutsideTheBlockIsPreserved(@ForAll("lines") String before, @ForAll("lines") String after,
                                           @ForAll("lines") String oldContent, @ForAll("lines") String newContent)
            throws Exception {
        String file = before + ManagedBlock.block(oldContent, CommentStyle.HASH, H, "\n") + "\n" + after;
        String updated = ManagedBlock.apply(file, newContent, CommentStyle.HASH, H);
        assertThat(updated).startsWith(before).endsWith(after);
        assertThat(updated).isEqualTo(before + ManagedBlock.block(newContent, CommentStyle.HASH, H, "\n") + "\n" + after);
        assertThat(ManagedBlock.find(updated).orElseThrow().content()).isEqualTo(newContent);
        assertThat(ManagedBlock.remove(updated)).isEqualTo(before + after);
    }

    /** A file without a block keeps all its text in front of the appended block. */
    @Property(tries = 200)
    void appendingKeepsTheWholeFile(@ForAll("lines") String existing, @ForAll("lines") String content)
            throws Exception {
        String updated = ManagedBlock.apply(existing, content, CommentStyle.HASH, H);
        assertThat(updated).startsWith(existing);
        assertThat(ManagedBlock.find(updated).orElseThrow().content()).isEqualTo(content);
        if (!existing.isEmpty()) {
            assertThat(ManagedBlock.remove(updated)).isEqualTo(existing);
        }
    }
}
