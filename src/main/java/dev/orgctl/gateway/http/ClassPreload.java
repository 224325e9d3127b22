package dev.orgctl.gateway.http;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the serving path's classes before the port opens. From the jar a class loaded later needs
 * no file descriptor (the jar is open already), but from a classes directory (the tests, an
 * exploded container image) each class is a file to open: a first connection that arrives when
 * descriptors have run out would find its handler's classes unloadable, and the JVM remembers a
 * failed link for good. Loading them up front makes the serving path independent of descriptors.
 */
final class ClassPreload {
    private static final Logger log = LoggerFactory.getLogger(ClassPreload.class);
    /** The packages a request passes through: the HTTP server and the gateway's routes and checks. */
    private static final List<String> PACKAGES = List.of("dev.orgctl.gateway.http", "dev.orgctl.gateway");

    private ClassPreload() {
    }

    static void gatewayPackages() {
        CodeSource source = ClassPreload.class.getProtectionDomain().getCodeSource();
        if (source == null) {
            return;
        }
        Path root;
        try {
            root = Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return;
        }
        if (!Files.isDirectory(root)) {
            return; // a jar: nothing to open later
        }
        ClassLoader loader = ClassPreload.class.getClassLoader();
        for (String pkg : PACKAGES) {
            Path dir = root.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".class") && !name.equals("module-info.class")) {
                        Class.forName(pkg + "." + name.substring(0, name.length() - ".class".length()), false, loader);
                    }
                }
            } catch (IOException | ClassNotFoundException | LinkageError e) {
                log.atDebug().addKeyValue("package", pkg).setCause(e).log("classes not preloaded");
            }
        }
    }
}
