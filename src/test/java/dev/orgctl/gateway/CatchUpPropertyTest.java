package dev.orgctl.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The delivery index's catch-up rule on a simulated timeline: messages are stored, the index reads
 * them in order (late, in bursts, or not at all for a while), probes are sent and answered later
 * with the server's last sequence at answer time. Whenever the rule says the index is current, every
 * message the index has not read was stored less than the allowed lag ago, which is what lets
 * JetStream's duplicate window catch any repeat of it.
 */
class CatchUpPropertyTest {
    private static final long MS = 1_000_000L;
    private static final Duration MAX_LAG = Duration.ofMillis(1000);

    enum Op { STORE, READ, READ_ALL, PROBE_SEND, PROBE_ANSWER, TICK, CHECK }

    @Provide
    Arbitrary<List<Op>> timelines() {
        return Arbitraries.frequencyOf(
                        Tuple.of(4, Arbitraries.just(Op.STORE)),
                        Tuple.of(4, Arbitraries.just(Op.READ)),
                        Tuple.of(1, Arbitraries.just(Op.READ_ALL)),
                        Tuple.of(2, Arbitraries.just(Op.PROBE_SEND)),
                        Tuple.of(2, Arbitraries.just(Op.PROBE_ANSWER)),
                        Tuple.of(4, Arbitraries.just(Op.TICK)),
                        Tuple.of(3, Arbitraries.just(Op.CHECK)))
                .list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 3000)
    void whenCurrentEveryUnreadMessageIsYoungerThanTheAllowedLag(@ForAll("timelines") List<Op> timeline,
                                                                  @ForAll long seed) {
        Random random = new Random(seed);
        CatchUp rule = new CatchUp(MAX_LAG);
        List<Long> storedAt = new ArrayList<>(); // index = seq - 1
        ArrayDeque<Long> probes = new ArrayDeque<>();
        long now = 1_000 * MS;
        long read = 0;
        int checksTrue = 0;
        for (Op op : timeline) {
            switch (op) {
                case STORE -> storedAt.add(now);
                case READ -> {
                    if (read < storedAt.size()) {
                        rule.indexed(++read);
                    }
                }
                case READ_ALL -> {
                    read = storedAt.size();
                    rule.indexed(read);
                }
                case PROBE_SEND -> probes.addLast(now);
                case PROBE_ANSWER -> {
                    if (!probes.isEmpty()) {
                        rule.proof(probes.pollFirst(), storedAt.size());
                    }
                }
                case TICK -> now += random.nextInt(700) * MS;
                case CHECK -> {
                    if (rule.current(now)) {
                        checksTrue++;
                        for (long seq = read + 1; seq <= storedAt.size(); seq++) {
                            assertThat(storedAt.get((int) seq - 1)).as("unread seq %d", seq)
                                    .isGreaterThanOrEqualTo(now - MAX_LAG.toNanos());
                        }
                    }
                }
                default -> throw new IllegalStateException(op.name());
            }
        }
        assertThat(checksTrue).isGreaterThanOrEqualTo(0);
    }

    @Example
    void aProofCountsOnlyOnceTheIndexHasReadUpToItsSequence() {
        CatchUp rule = new CatchUp(MAX_LAG);
        long t = 5_000 * MS;
        assertThat(rule.current(t)).as("no proof yet").isFalse();
        rule.proof(t, 3); // the server had stored 3 messages by then
        rule.indexed(2);
        assertThat(rule.current(t)).isFalse();
        rule.indexed(3);
        assertThat(rule.current(t)).isTrue();
        assertThat(rule.current(t + MAX_LAG.toNanos())).isTrue();
        assertThat(rule.current(t + MAX_LAG.toNanos() + 1)).as("no newer proof: too old").isFalse();
    }

    @Example
    void underSteadyTrafficOlderProofsKeepCompletenessMoving() {
        // Each proof's sequence is a little ahead of the index; the index passes each one a moment later.
        CatchUp rule = new CatchUp(MAX_LAG);
        long t = 0;
        long seq = 0;
        for (int i = 0; i < 50; i++) {
            t += 100 * MS;
            seq += 10;
            rule.proof(t, seq);
            rule.indexed(seq - 5); // never level with the newest proof
            if (i > 0) {
                assertThat(rule.current(t)).as("step %d", i).isTrue();
            }
        }
    }

    @Example
    void theAllowedLagLeavesRoomForAPublishInsideJetStreamsWindow() {
        assertThat(CatchUp.maxLag(Duration.ofMinutes(2), Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(58));
        assertThat(CatchUp.maxLag(Duration.ofMinutes(2), Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(56));
        assertThat(CatchUp.maxLag(Duration.ofSeconds(2), Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(500));
    }
}
