package dev.orgctl.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The delivery index's table against a plain map: same answers for any mix of puts, gets and expiries. */
class GuidTablePropertyTest {

    record Step(int kind, int guid, long millis) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 3000),
                        Arbitraries.longs().between(0, 10_000))
                .as(Step::new).list().ofMaxSize(3000);
    }

    @Property(tries = 200)
    void behavesLikeAMapWithTheFirstSequenceKept(@ForAll("steps") List<Step> steps) {
        GuidTable table = new GuidTable();
        Map<String, long[]> model = new HashMap<>();
        long seq = 0;
        for (Step s : steps) {
            String guid = guid(s.guid());
            if (s.kind() < 6) {
                seq++;
                table.put(guid, seq, s.millis());
                model.putIfAbsent(guid, new long[] {seq, s.millis()});
            } else if (s.kind() < 9) {
                long[] m = model.get(guid);
                long expected = m != null && m[1] >= s.millis() / 2 ? m[0] : 0;
                assertThat(table.get(guid, s.millis() / 2)).as(guid).isEqualTo(expected);
            } else {
                long cutoff = s.millis() / 3;
                int dropped = table.expire(cutoff);
                int before = model.size();
                model.values().removeIf(m -> m[1] < cutoff);
                assertThat(dropped).isEqualTo(before - model.size());
            }
            assertThat(table.size()).isEqualTo(model.size());
        }
        for (Map.Entry<String, long[]> e : model.entrySet()) {
            assertThat(table.get(e.getKey(), Long.MIN_VALUE)).isEqualTo(e.getValue()[0]);
        }
    }

    @Example
    void aMillionDeliveriesFitInAboutSixtyFourMegabytes() {
        GuidTable table = new GuidTable();
        for (int i = 1; i <= 1_000_000; i++) {
            table.put(UUID.randomUUID().toString(), i, i);
        }
        assertThat(table.size()).isEqualTo(1_000_000);
        assertThat(table.bytes()).isLessThanOrEqualTo(64L * 1024 * 1024);
        assertThat(table.expire(500_001)).isEqualTo(500_000);
        assertThat(table.bytes()).as("half empty: kept, no churn").isEqualTo(64L * 1024 * 1024);
        assertThat(table.expire(900_001)).isEqualTo(400_000);
        assertThat(table.bytes()).as("mostly empty: shrunk").isLessThanOrEqualTo(16L * 1024 * 1024);
    }

    private static String guid(int n) {
        // GitHub's GUIDs, plus ids of other shapes that must not collide with them
        return n % 3 == 0 ? new UUID(n, n * 31L).toString() : n % 3 == 1 ? "bench-" + n : "X" + n;
    }
}
