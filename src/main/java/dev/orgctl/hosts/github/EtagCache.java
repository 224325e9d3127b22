package dev.orgctl.hosts.github;

import java.net.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The last 200 answer per URL with its ETag, for conditional requests. GitHub: "Making a
 * conditional request does not count against your primary rate limit if a 304 response is
 * returned". Bounded (least recently used out), because a large org has many URLs.
 */
final class EtagCache {
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    record Entry(String etag, HttpHeaders headers, byte[] body) {
    }

    private final Map<String, Entry> entries;

    EtagCache(int capacity) {
        this.entries = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized Optional<Entry> get(String url) {
        return Optional.ofNullable(entries.get(url));
    }

    synchronized void put(String url, Entry e) {
        entries.put(url, e);
    }

    synchronized void remove(String url) {
        entries.remove(url);
    }
}
