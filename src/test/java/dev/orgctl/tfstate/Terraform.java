package dev.orgctl.tfstate;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code terraform} binary in a temporary working directory, configured for the http
 * backend through its environment variables, offline ({@code terraform_data} needs no provider).
 */
final class Terraform {
    static final String CONFIG = """
            terraform {
              backend "http" {}
            }
            variable "value" {
              default = "one"
            }
            variable "sleep" {
              default = "0"
            }
            resource "terraform_data" "thing" {
              input = var.value
              provisioner "local-exec" {
                command = "sleep ${var.sleep}"
              }
            }
            output "value" {
              value = terraform_data.thing.output
            }
            """;

    private final Path dir;
    private final Map<String, String> env;

    Terraform(Path dir, java.net.URI state, String password) {
        this.dir = dir;
        try {
            Files.writeString(dir.resolve("main.tf"), CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String address = state.toString();
        this.env = Map.of("TF_IN_AUTOMATION", "1", "TF_INPUT", "0", "CHECKPOINT_DISABLE", "1",
                "TF_DATA_DIR", dir.resolve(".terraform").toString(),
                "TF_HTTP_ADDRESS", address, "TF_HTTP_LOCK_ADDRESS", address, "TF_HTTP_UNLOCK_ADDRESS", address,
                "TF_HTTP_USERNAME", "terraform", "TF_HTTP_PASSWORD", password,
                "TF_HTTP_RETRY_WAIT_MIN", "0");
    }

    /** The binary on PATH, if any. */
    static Optional<Path> binary() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "terraform");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    record Result(int exit, String output) {
    }

    /** Runs to the end (at most two minutes) and returns exit code and combined output. */
    Result run(String... args) {
        Process p = start(args);
        try {
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("terraform " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Starts without waiting; output goes to {@code <dir>/<first arg>.log}. */
    Process start(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary().orElseThrow().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
