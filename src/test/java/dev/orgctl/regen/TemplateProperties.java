package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TemplateProperties {
    /** Text built from the characters that matter to template syntaxes, newlines included. */
    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withChars("${}%<>#-=|'\"\\ \t\r\nabcXYZ.()[]").ofMaxLength(200)
                .filter(s -> !s.contains("<%"));
    }

    /** render∘parse is the identity on any text without orgctl's delimiter, whatever else it holds. */
    @Property(tries = 500)
    void textWithoutOrgctlSyntaxRendersToItself(@ForAll("text") String s) {
        Template t = Template.parse("t", s);
        assertThat(t.isPlain()).isTrue();
        assertThat(t.render(Map.of())).isEqualTo(s);
    }

    /** An inserted value lands exactly between the untouched text around it. */
    @Property(tries = 300)
    void aValueIsInsertedBetweenUntouchedText(@ForAll("text") String before, @ForAll("text") String after,
                                              @ForAll("text") String value) {
        String source = before + "<%= vars.v %>" + after;
        String out = Template.parse("t", source).render(Map.of("vars", Map.of("v", value)));
        assertThat(out).isEqualTo(before + value + after);
    }
}
