package dev.orgctl.tfstate;

import dev.orgctl.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that encrypt state at rest ({@code tfstate.key_file}): one key a line, {@code id:base64},
 * 32 bytes each (AES-256). The first line encrypts new versions; every line decrypts, so a key is
 * rotated by putting a new first line and keeping the old ones until no kept version needs them.
 * Blank lines and lines starting with {@code #} are skipped. Key bytes never appear in a message.
 */
public final class StateKeys {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int KEY_BYTES = 32;

    private final String currentId;
    private final Map<String, SecretKey> keys;

    private StateKeys(String currentId, Map<String, SecretKey> keys) {
        this.currentId = currentId;
        this.keys = Map.copyOf(keys);
    }

    /** No encryption: versions are stored as sent. */
    public static Optional<StateKeys> none() {
        return Optional.empty();
    }

    /** Reads a key file; a wrong line is a {@link ConfigException} naming the file and line, not the key. */
    public static StateKeys read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read the state key file " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), lines);
    }

    static StateKeys parse(String source, List<String> lines) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String first = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + ":" + (i + 1) + ": ";
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new ConfigException(where + "expected id:base64-of-32-bytes");
            }
            String id = line.substring(0, colon);
            if (!ID.matcher(id).matches()) {
                throw new ConfigException(where + "a key id is 1 to 64 characters of A-Z a-z 0-9 . _ -");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(line.substring(colon + 1).strip());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + "the key of " + id + " is not base64");
            }
            if (bytes.length != KEY_BYTES) {
                throw new ConfigException(where + "the key of " + id + " has " + bytes.length + " bytes; AES-256 needs "
                        + KEY_BYTES + " (head -c 32 /dev/urandom | base64)");
            }
            if (keys.put(id, new SecretKeySpec(bytes, "AES")) != null) {
                throw new ConfigException(where + "key id " + id + " appears twice");
            }
            if (first == null) {
                first = id;
            }
        }
        if (first == null) {
            throw new ConfigException(source + ": no key in the state key file");
        }
        return new StateKeys(first, keys);
    }

    /** The id of the key that encrypts new versions. */
    public String currentId() {
        return currentId;
    }

    SecretKey current() {
        return keys.get(currentId);
    }

    Optional<SecretKey> find(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    @Override
    public String toString() {
        return "StateKeys[current=" + currentId + ", ids=" + keys.keySet() + "]";
    }
}
