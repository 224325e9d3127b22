package dev.orgctl.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** The files under {@code deploy/}, found from the build's working directory (the project root). */
final class DeployFiles {
    private DeployFiles() {
    }

    static Path path(String relative) {
        Path p = Path.of(System.getProperty("user.dir")).resolve("deploy").resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("no deploy file " + p);
        }
        return p;
    }
}
