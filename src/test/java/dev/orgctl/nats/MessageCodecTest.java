package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import io.nats.client.impl.Headers;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
    @Test
    void roundTripsWithTheTypeHeader() {
        WorkflowStateEvent event = WorkflowStateEvent.newBuilder().setOrg("acme").setWorkflowId("regen/acme/api")
                .setCurrentState(WorkflowState.PENDING).setTargetState(WorkflowState.RUNNING).setReason("template push")
                .setTimestamp(Timestamp.newBuilder().setSeconds(1_700_000_000L)).setRunId("r-1").setAttempt(1).build();
        MessageCodec.Encoded enc = MessageCodec.encode(event);
        assertThat(enc.headers().getFirst(MessageCodec.TYPE_HEADER)).isEqualTo("orgctl.v1.WorkflowStateEvent");
        assertThat(MessageCodec.decode(enc.headers(), enc.body(), WorkflowStateEvent.getDefaultInstance())).isEqualTo(event);
    }

    @Test
    void stableEnumNumbers() {
        assertThat(WorkflowState.IDLE.getNumber()).isZero();
        assertThat(WorkflowState.PENDING.getNumber()).isEqualTo(1);
        assertThat(WorkflowState.RUNNING.getNumber()).isEqualTo(2);
        assertThat(WorkflowState.COMPLETED.getNumber()).isEqualTo(3);
        assertThat(WorkflowState.FAILED.getNumber()).isEqualTo(4);
    }

    @Test
    void refusesAnotherTypeAndGarbage() {
        Headers h = new Headers().put(MessageCodec.TYPE_HEADER, "orgctl.v1.Other");
        assertThatThrownBy(() -> MessageCodec.decode(h, new byte[0], WorkflowStateEvent.getDefaultInstance()))
                .hasMessageContaining("expected a orgctl.v1.WorkflowStateEvent");
        Headers ok = new Headers().put(MessageCodec.TYPE_HEADER, "orgctl.v1.WorkflowStateEvent");
        assertThatThrownBy(() -> MessageCodec.decode(ok, new byte[] {(byte) 0xff, 0x01},
                WorkflowStateEvent.getDefaultInstance())).hasMessageContaining("cannot decode");
    }
}
