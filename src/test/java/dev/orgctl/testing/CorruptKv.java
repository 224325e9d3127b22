package dev.orgctl.testing;

import io.nats.client.KeyValue;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A real bucket seen through a server whose per-key state is corrupt, as nats-server 2.9.10 was
 * seen after unclean shutdowns: what the client observes, played on top of the real KV (every other
 * call goes to the server unchanged).
 */
public final class CorruptKv {
    public enum Mode {
        /** A create over a live holder succeeds (the expected revision is not checked) and reads back as nothing. */
        CREATE_OVER_HOLDER_READS_EMPTY,
        /** A create is confirmed with a revision but not stored: a read shows the previous holder. */
        CREATE_CONFIRMED_NOT_STORED,
        /**
         * A create succeeds over whatever the key holds and reads back once, then the key reads as
         * nothing: the holder's checks find its lock gone, on every attempt.
         */
        KEY_READS_EMPTY_AFTER_READ_BACK
    }

    private CorruptKv() {
    }

    public static UnaryOperator<KeyValue> playing(Mode mode) {
        Set<String> readableOnce = ConcurrentHashMap.newKeySet();
        return real -> (KeyValue) Proxy.newProxyInstance(KeyValue.class.getClassLoader(), new Class<?>[] {KeyValue.class},
                (proxy, method, args) -> {
                    boolean update = method.getName().equals("update") && args.length == 3 && args[1] instanceof byte[];
                    boolean get = method.getName().equals("get") && args.length == 1;
                    if (update && mode == Mode.CREATE_OVER_HOLDER_READS_EMPTY) {
                        return real.put((String) args[0], (byte[]) args[1]);
                    }
                    if (update && mode == Mode.CREATE_CONFIRMED_NOT_STORED) {
                        return 1_000_000L + (Long) args[2];
                    }
                    if (get && mode == Mode.CREATE_OVER_HOLDER_READS_EMPTY) {
                        return null;
                    }
                    if (update && mode == Mode.KEY_READS_EMPTY_AFTER_READ_BACK) {
                        readableOnce.add((String) args[0]);
                        return real.put((String) args[0], (byte[]) args[1]);
                    }
                    if (get && mode == Mode.KEY_READS_EMPTY_AFTER_READ_BACK && !readableOnce.remove((String) args[0])) {
                        return null;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
