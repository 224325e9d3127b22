// Publishes N signed-delivery-shaped messages (1 KiB, unique Nats-Msg-Id) into GITHUB_EVENTS, as a
// week of traffic would leave them, to measure how long a gateway's delivery index takes to read
// them at start. Run from the repository root after a build:
//
//   java -cp target/orgctl.jar bench/LoadEvents.java nats://127.0.0.1:4222 300000
//
// (see docs/BENCHMARKS.md, "Gateway"). Not part of the product.
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

public class LoadEvents {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: LoadEvents NATS_URL COUNT");
            System.exit(2);
        }
        int n = Integer.parseInt(args[1]);
        byte[] body = new byte[1024];
        Arrays.fill(body, (byte) 'x');
        try (Connection c = Nats.connect(args[0])) {
            JetStream js = c.jetStream();
            List<CompletableFuture<PublishAck>> inFlight = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String id = UUID.randomUUID().toString();
                Headers h = new Headers();
                h.put("X-GitHub-Event", "push");
                h.put("X-GitHub-Delivery", id);
                inFlight.add(js.publishAsync(NatsMessage.builder().subject("github.acme.repo" + (i % 100) + ".push")
                        .headers(h).data(body).build(), PublishOptions.builder().messageId(id).build()));
                if (inFlight.size() == 2000) {
                    for (CompletableFuture<PublishAck> f : inFlight) {
                        f.get();
                    }
                    inFlight.clear();
                }
            }
            for (CompletableFuture<PublishAck> f : inFlight) {
                f.get();
            }
            System.out.printf("published %d in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        }
    }
}
