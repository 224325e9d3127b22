package dev.orgctl.coordination;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.nats.NatsConnector;
import io.nats.client.Connection;
import java.time.Duration;

/** Takes a lock and holds it (renewing) until killed: {@code url bucket lock}. Prints {@code HELD <token>}. */
public final class LockHolderMain {
    public static void main(String[] args) throws Exception {
        Connection c = new NatsConnector(NatsSettings.plain(args[0])).connect("holder", Duration.ofSeconds(5));
        LockService locks = TestBuckets.locks(c, args[1], "holder-main");
        Lease lease = locks.acquire(args[2], "held until killed", Duration.ofSeconds(30)).orElseThrow();
        System.out.println("HELD " + lease.token());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
