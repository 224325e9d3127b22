package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class SubjectCodecTest {

    @Provide
    Arbitrary<String> repoNames() {
        // GitHub repository names: letters, digits, '-', '_', '.', up to 100 characters.
        return Arbitraries.strings().withChars("abcXYZ019-_.").ofMinLength(1).ofMaxLength(100);
    }

    @Provide
    Arbitrary<String> orgNames() {
        return Arbitraries.strings().withChars("abcXYZ019-").ofMinLength(1).ofMaxLength(39);
    }

    @Provide
    Arbitrary<String> anyText() {
        // Any well-formed Unicode, including white space, wildcards, '%' and supplementary characters.
        return Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40)
                .filter(s -> s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF))
                .injectDuplicates(0.05)
                .edgeCases(e -> e.add("_").add(".").add("%").add("*").add(">").add(".github").add("%2E"));
    }

    @Property
    void legalGitHubNamesRoundTrip(@ForAll("orgNames") String org, @ForAll("repoNames") String repo,
                                   @ForAll @StringLength(min = 1, max = 30) String eventSeed) {
        String event = eventSeed.replaceAll("[^a-z_]", "x");
        String subject = SubjectCodec.subject(org, Optional.of(repo), event);
        assertThat(subject.split("\\.", -1)).hasSize(4);
        assertThat(SubjectCodec.parse(subject)).isEqualTo(new SubjectCodec.Address(org, Optional.of(repo), event));
    }

    @Property
    void anyTextIsOneValidTokenAndDecodesBack(@ForAll("anyText") String text) {
        String token = SubjectCodec.encodeToken(text);
        assertThat(SubjectCodec.isValidToken(token)).as("token %s", token).isTrue();
        assertThat(SubjectCodec.decodeToken(token)).isEqualTo(text);
    }

    @Property
    void encodingIsInjective(@ForAll("anyText") String a, @ForAll("anyText") String b) {
        if (!a.equals(b)) {
            assertThat(SubjectCodec.encodeToken(a)).isNotEqualTo(SubjectCodec.encodeToken(b));
        }
    }

    @Property
    void namesWithoutSpecialCharactersStayReadable(@ForAll("orgNames") String org) {
        if (!org.equals("_")) {
            assertThat(SubjectCodec.encodeToken(org)).isEqualTo(org);
        }
    }

    @Test
    void examples() {
        assertThat(SubjectCodec.subject("acme", Optional.of(".github"), "push")).isEqualTo("github.acme.%2Egithub.push");
        assertThat(SubjectCodec.subject("acme", Optional.of("a.b.c"), "push")).isEqualTo("github.acme.a%2Eb%2Ec.push");
        assertThat(SubjectCodec.subject("acme", Optional.of("x-y_z"), "push")).isEqualTo("github.acme.x-y_z.push");
        assertThat(SubjectCodec.subject("acme", Optional.empty(), "organization")).isEqualTo("github.acme._.organization");
        assertThat(SubjectCodec.subject("acme", Optional.of("_"), "push")).isEqualTo("github.acme.%5F.push");
        assertThat(SubjectCodec.parse("github.acme._.member").repo()).isEmpty();
        assertThat(SubjectCodec.parse("github.acme.%5F.push").repo()).contains("_");
        assertThat(SubjectCodec.repoFilter("acme", Optional.of(".github"))).isEqualTo("github.acme.%2Egithub.*");
    }

    @Test
    void anEventWithoutOwnerHasTheNoOwnerTokenWhichNoRealOwnerCanSpell() {
        assertThat(SubjectCodec.subject(SubjectCodec.Address.ownerless("security_advisory")))
                .isEqualTo("github._._.security_advisory");
        assertThat(SubjectCodec.parse("github._._.security_advisory"))
                .isEqualTo(SubjectCodec.Address.ownerless("security_advisory"));
        assertThat(SubjectCodec.subject("_", Optional.empty(), "ping")).isEqualTo("github.%5F._.ping");
        assertThat(SubjectCodec.parse("github.%5F._.ping").org()).contains("_");
        assertThatThrownBy(() -> new SubjectCodec.Address(Optional.empty(), Optional.of("r"), "push"))
                .hasMessageContaining("always has an owner");
    }

    @Test
    void malformedSubjectsAreRefused() {
        assertThatThrownBy(() -> SubjectCodec.parse("github.acme.push")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SubjectCodec.parse("other.a.b.c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SubjectCodec.decodeToken("abc%2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SubjectCodec.encodeToken("")).isInstanceOf(IllegalArgumentException.class);
    }
}
