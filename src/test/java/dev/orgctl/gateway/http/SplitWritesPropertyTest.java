package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** However a valid request is cut into writes, the server answers the same bytes (but the Date). */
class SplitWritesPropertyTest {
    static final String BODY = "{\"repository\":{\"name\":\"r\",\"owner\":{\"login\":\"acme\"}},\"sender\":{\"login\":\"o\"}}";

    @Property(tries = 300)
    void anySplitGivesTheSameAnswer(@ForAll("requests") byte[] request,
                                    @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 100_000) Integer> cuts) {
        String whole = withoutDates(FuzzTarget.run(List.of(request)).output());
        FuzzTarget.Run split = FuzzTarget.run(split(request, cuts));
        assertThat(withoutDates(split.output())).isEqualTo(whole);
        FuzzTarget.check(split);
        assertThat(split.statuses()).isNotEmpty().doesNotContain(400, 408, 431);
    }

    @Provide
    Arbitrary<byte[]> requests() {
        byte[] signed = FuzzTarget.signedRequest(BODY);
        String s = new String(signed, StandardCharsets.ISO_8859_1);
        int split = s.indexOf("Content-Length");
        String chunked = s.substring(0, split) + "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(10) + "\r\n" + BODY.substring(0, 10) + "\r\n"
                + Integer.toHexString(BODY.length() - 10) + ";ext=1\r\n" + BODY.substring(10) + "\r\n0\r\nX-T: 1\r\n\r\n";
        String expect = s.replace("Host: gw\r\n", "Host: gw\r\nExpect: 100-continue\r\n");
        String pipelined = "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n" + s
                + "POST /webhooks/github HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\n{}" + chunked;
        return Arbitraries.of(signed, bytes(chunked), bytes(expect), bytes(pipelined),
                bytes("\r\n" + s + "\r\n" + s));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<byte[]> split(byte[] request, List<Integer> cuts) {
        TreeSet<Integer> at = new TreeSet<>();
        for (int c : cuts) {
            at.add(c % (request.length + 1));
        }
        List<byte[]> pieces = new ArrayList<>();
        int from = 0;
        for (int c : at) {
            pieces.add(Arrays.copyOfRange(request, from, c));
            from = c;
        }
        pieces.add(Arrays.copyOfRange(request, from, request.length));
        return pieces;
    }

    private static String withoutDates(String output) {
        return output.replaceAll("Date: [^\r]*\r\n", "");
    }
}
