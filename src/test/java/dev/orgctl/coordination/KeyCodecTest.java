package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.support.Validator;
import java.util.regex.Pattern;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

class KeyCodecTest {
    private static final Pattern KV_KEY = Pattern.compile("[-/_=.a-zA-Z0-9]+");

    @Property(tries = 3000)
    void anyNameRoundTripsToAValidKeyAndSubjectSuffix(@ForAll @StringLength(min = 1, max = 40) String name) {
        String key = KeyCodec.encode(name);
        assertThat(KeyCodec.decode(key)).isEqualTo(name);
        assertValidKey(key);
    }

    @Property(tries = 1000)
    void namesMadeOfSlashesDotsAndEscapesRoundTrip(
            @ForAll("tricky") String name) {
        String key = KeyCodec.encode(name);
        assertThat(KeyCodec.decode(key)).isEqualTo(name);
        assertValidKey(key);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> tricky() {
        return net.jqwik.api.Arbitraries.strings().withChars("/.=_-a%\u00e9\ud83d\ude00 *>").ofMinLength(1).ofMaxLength(20);
    }

    private static void assertValidKey(String key) {
        assertThat(key).matches(KV_KEY);
        assertThat(key).doesNotStartWith(".").doesNotEndWith(".").doesNotContain("..");
        assertThat(Validator.validateNonWildcardKvKeyRequired(key)).isEqualTo(key);
        // So also one or more valid subject tokens after orgctl.history.
        for (String token : key.split("\\.", -1)) {
            assertThat(token).isNotEmpty().doesNotContain("*", ">", " ");
        }
    }

    @Example
    void readableNamesStayReadable() {
        assertThat(KeyCodec.encode("regen/acme/api")).isEqualTo("regen.acme.api");
        assertThat(KeyCodec.encode("regen/acme/.github")).isEqualTo("regen.acme.=2Egithub");
        assertThat(KeyCodec.encode("terraform/prod")).isEqualTo("terraform.prod");
        assertThat(KeyCodec.encode("a//b/")).isEqualTo("a.=.b.=");
        assertThat(KeyCodec.encode("x=y")).isEqualTo("x=3Dy");
        assertThat(KeyCodec.decode("regen.acme.=2Egithub")).isEqualTo("regen/acme/.github");
    }

    @Example
    void garbageIsRefused() {
        assertThatThrownBy(() -> KeyCodec.encode("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyCodec.decode("a.=4")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyCodec.decode("a..b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyCodec.decode("a.=ZZ")).isInstanceOf(IllegalArgumentException.class);
    }
}
