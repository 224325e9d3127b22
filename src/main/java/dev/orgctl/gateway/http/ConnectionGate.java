package dev.orgctl.gateway.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits a new connection only while the open ones are under the global limit and its client
 * address's own share, so one client cannot hold every slot. A connection turned away is closed
 * at once, before any byte is read.
 */
@ChannelHandler.Sharable
// Netty futures of closes and writes are not awaited: a connection that cannot be answered or
// closed has no one left to tell, and pipeline errors reach exceptionCaught.
@SuppressWarnings("FutureReturnValueIgnored")
final class ConnectionGate extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);

    private final int max;
    private final int perAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> byAddress = new ConcurrentHashMap<>();
    private final RateLimitedLog globalWarning = new RateLimitedLog(10, TimeUnit.SECONDS);
    private final RateLimitedLog addressWarning = new RateLimitedLog(10, TimeUnit.SECONDS);

    ConnectionGate(int max, int perAddress) {
        this.max = max;
        this.perAddress = perAddress;
    }

    int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            globalWarning.log(left -> log.atWarn().addKeyValue("max_connections", max).addKeyValue("left_out", left)
                    .log("HTTP connection refused: too many open connections"));
            ctx.close();
            return;
        }
        boolean[] admitted = new boolean[1];
        byAddress.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            admitted[0] = now < perAddress;
            return admitted[0] ? Integer.valueOf(now + 1) : n;
        });
        if (!admitted[0]) {
            open.decrementAndGet();
            addressWarning.log(left -> log.atWarn().addKeyValue("remote", address.getHostAddress())
                    .addKeyValue("max_connections_per_address", perAddress).addKeyValue("left_out", left)
                    .log("HTTP connection refused: too many open connections from one address"));
            ctx.close();
            return;
        }
        ctx.channel().closeFuture().addListener(f -> {
            open.decrementAndGet();
            byAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : Integer.valueOf(n - 1));
        });
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }
}
