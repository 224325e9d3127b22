package dev.orgctl.hosts.git;

/**
 * Where the git backend's webhook deliveries go. {@link #deliver} returns only once the receiver
 * has acknowledged the delivery (for the gateway: answered 2xx, which it does after JetStream
 * stored it); the ref watcher advances its persisted state only then.
 */
@FunctionalInterface
public interface DeliverySink {
    void deliver(OutgoingDelivery delivery) throws DeliveryException;
}
