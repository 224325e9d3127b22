package dev.orgctl.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.nats.SubjectCodec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PayloadsTest {
    static Payloads.Document json(String s) throws Payloads.InvalidPayload {
        return Payloads.document(Payloads.ContentType.JSON, s.getBytes(StandardCharsets.UTF_8));
    }

    static SubjectCodec.Address address(String s) throws Payloads.InvalidPayload {
        return Payloads.address("push", json(s));
    }

    @Test
    void contentTypesAreMatchedOnTheMediaTypeOnly() {
        assertThat(Payloads.ContentType.of("application/json")).hasValue(Payloads.ContentType.JSON);
        assertThat(Payloads.ContentType.of(" Application/JSON ; charset=UTF-8")).hasValue(Payloads.ContentType.JSON);
        assertThat(Payloads.ContentType.of("application/x-www-form-urlencoded")).hasValue(Payloads.ContentType.FORM);
        assertThat(Payloads.ContentType.of("application/json-patch+json")).isEmpty();
        assertThat(Payloads.ContentType.of("text/json")).isEmpty();
        assertThat(Payloads.ContentType.of(null)).isEmpty();
    }

    @Test
    void addressPrefersRepositoryOwnerThenOrganizationThenInstallationThenSender() throws Exception {
        assertThat(address("{\"repository\":{\"name\":\"r\",\"owner\":{\"login\":\"o\"}},\"organization\":{\"login\":\"g\"}}"))
                .isEqualTo(new SubjectCodec.Address("o", Optional.of("r"), "push"));
        assertThat(address("{\"organization\":{\"login\":\"g\"},\"installation\":{\"account\":{\"login\":\"i\"}}}"))
                .isEqualTo(new SubjectCodec.Address("g", Optional.empty(), "push"));
        assertThat(address("{\"installation\":{\"account\":{\"login\":\"i\"}},\"sender\":{\"login\":\"s\"}}"))
                .isEqualTo(new SubjectCodec.Address("i", Optional.empty(), "push"));
        assertThat(address("{\"sender\":{\"login\":\"s\"}}")).isEqualTo(new SubjectCodec.Address("s", Optional.empty(), "push"));
    }

    @Test
    void anEventNamingNoOwnerAndNoRepositoryIsOwnerlessButARepositoryNeedsAnOwner() throws Exception {
        // GitHub's security_advisory deliveries name neither: they are about GitHub as a whole.
        assertThat(Payloads.address("security_advisory", json("{\"action\":\"published\",\"security_advisory\":{}}")))
                .isEqualTo(SubjectCodec.Address.ownerless("security_advisory"));
        assertThatThrownBy(() -> address("{\"repository\":{\"name\":\"r\"}}"))
                .hasMessageStartingWith("payload names no owner");
        // Found by the fuzzer once ownerless events were allowed: no event name is a refusal, not a crash.
        assertThatThrownBy(() -> Payloads.address("", json("{\"security_advisory\":{}}")))
                .isInstanceOf(Payloads.InvalidPayload.class).hasMessage("no event name");
    }

    @Test
    void onlyNonEmptyStringsAtTheExactPathsCount() throws Exception {
        // Nested deeper, wrong types, empty strings and lookalikes inside arrays are not addresses.
        String doc = "{\"commits\":[{\"repository\":{\"name\":\"x\"}}],\"pull_request\":{\"repository\":{\"name\":\"y\"}},"
                + "\"repository\":{\"name\":\"\",\"owner\":{\"login\":42}},\"organization\":{\"login\":null},"
                + "\"sender\":{\"login\":\"s\"}}";
        assertThat(address(doc)).isEqualTo(new SubjectCodec.Address("s", Optional.empty(), "push"));
    }

    @Test
    void aRepeatedKeyReplacesTheEarlierValueLikeAJsonTree() throws Exception {
        assertThat(address("{\"repository\":{\"name\":\"first\",\"owner\":{\"login\":\"o\"}},"
                + "\"repository\":{\"name\":\"second\"},\"sender\":{\"login\":\"s\"}}"))
                .isEqualTo(new SubjectCodec.Address("s", Optional.of("second"), "push"));
        assertThat(address("{\"repository\":{\"name\":\"r\",\"owner\":{\"login\":\"o\"}},\"repository\":null,"
                + "\"sender\":{\"login\":\"s\"}}"))
                .isEqualTo(new SubjectCodec.Address("s", Optional.empty(), "push"));
    }

    @Test
    void everyTokenIsCheckedEvenInPartsThatAreSkipped() {
        assertThatThrownBy(() -> json("{\"ignored\":{\"a\":[1,2,}]},\"sender\":{\"login\":\"s\"}}"))
                .hasMessage("body is not valid JSON");
        assertThatThrownBy(() -> json("{\"sender\":{\"login\":\"s\"}} trailing")).hasMessage("body is not valid JSON");
        assertThatThrownBy(() -> json("")).hasMessage("body is not valid JSON");
        assertThatThrownBy(() -> json("[{\"sender\":{\"login\":\"s\"}}]")).hasMessage("body is not a JSON object");
        assertThatThrownBy(() -> json("null")).hasMessage("body is not a JSON object");
        assertThatThrownBy(() -> json("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"))
                .hasMessage("body is not valid JSON"); // nesting beyond Jackson's limit
    }

    @Test
    void aLongStringThatIsOnlyCarriedIsFine() throws Exception {
        // Jackson's 20M-character limit applies to strings it materializes; a skipped one costs nothing.
        String big = "x".repeat(21_000_000);
        Payloads.Document d = json("{\"blob\":\"" + big + "\",\"organization\":{\"login\":\"acme\"}}");
        assertThat(d.orgLogin()).isEqualTo("acme");
    }

    @Test
    void formBodyYieldsTheDecodedPayloadField() throws Exception {
        String json = "{\"sender\":{\"login\":\"s\"},\"msg\":\"a+b & c=d %\"}";
        byte[] form = ("x=1&payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8) + "&y=2")
                .getBytes(StandardCharsets.UTF_8);
        Payloads.Document d = Payloads.document(Payloads.ContentType.FORM, form);
        assertThat(new String(d.json(), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThatThrownBy(() -> Payloads.document(Payloads.ContentType.FORM, "payload=%7".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("form payload has a truncated %-escape");
        assertThatThrownBy(() -> Payloads.document(Payloads.ContentType.FORM, "payloads=1".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("form body has no payload field");
    }

    @Test
    void absurdlyLongNamesAreRefused() {
        String longName = "n".repeat(Payloads.MAX_NAME_LENGTH + 1);
        assertThatThrownBy(() -> address("{\"organization\":{\"login\":\"" + longName + "\"}}"))
                .hasMessageContaining("longer than");
    }
}
