package dev.orgctl.cli;

import dev.orgctl.config.Durations;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.coordination.CoordinationException;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LeaseLostException;
import dev.orgctl.coordination.LockService;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.proto.LockHolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "lock", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = {"Leased, fenced locks: list, release by force, run a command under one.",
            "Locks live in NATS KV; 'lock exec' keeps Terraform runs in CI from racing",
            "each other, from any number of machines."})
public final class LockCommand implements Runnable {
    /** {@code exec}: the lock was still held by someone else when {@code --wait} ran out. */
    public static final int EXIT_NOT_ACQUIRED = 75;
    /** {@code exec}: the lease was lost while COMMAND ran; COMMAND was stopped. */
    public static final int EXIT_LEASE_LOST = 76;
    /** {@code exec}: COMMAND could not be started (not found, not executable). */
    public static final int EXIT_CANNOT_RUN = 127;

    private static final Logger log = LoggerFactory.getLogger(LockCommand.class);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: list, release or exec");
    }

    /** The lease classes to look at: one (--ttl or --bucket) or all. */
    static List<String> buckets(CommandSpec spec, Duration ttl, String bucket) {
        if (bucket != null) {
            return List.of(bucket);
        }
        if (ttl != null) {
            return List.of(leaseClass(spec, ttl).bucket());
        }
        List<String> all = new ArrayList<>();
        for (LeaseClass c : LeaseClass.values()) {
            all.add(c.bucket());
        }
        return all;
    }

    static LeaseClass leaseClass(CommandSpec spec, Duration ttl) {
        return LeaseClass.forTtl(ttl).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "--ttl " + Durations.format(ttl) + ": there is no lease class of " + Durations.format(ttl) + "; use one of "
                        + LeaseClass.describeAll() + " (each lease length is its own KV bucket)"));
    }

    static LockService open(NatsRuntime nats, String bucket, String process) {
        return LockService.open(nats.connection(), nats.connector().keyValueOptions(), bucket,
                LockService.Identity.current(process), null);
    }

    static String holderText(LockHolder h) {
        String who = (h.getProcess().isEmpty() ? "?" : h.getProcess()) + " (pid " + h.getPid() + " on "
                + (h.getHost().isEmpty() ? "?" : h.getHost()) + (h.getUser().isEmpty() ? "" : ", user " + h.getUser())
                + ")";
        return h.getPurpose().isEmpty() ? who : who + ": " + h.getPurpose();
    }

    /** Prints the held locks of the given buckets as a table; returns how many. */
    static int printLocks(PrintWriter out, NatsRuntime nats, List<String> buckets) {
        List<LockService.LockInfo> locks = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String b : buckets) {
            try (LockService s = open(nats, b, "orgctl lock list")) {
                locks.addAll(s.list());
            } catch (CoordinationException e) {
                missing.add(b);
            }
        }
        Instant now = Instant.now();
        if (locks.isEmpty()) {
            out.println("no locks held");
        } else {
            int w = Math.max(4, locks.stream().mapToInt(l -> l.name().length()).max().orElse(4));
            out.printf("%-" + w + "s  %-5s  %-8s  %-9s  %-8s  %s%n", "LOCK", "LEASE", "AGE", "TIME LEFT", "TOKEN",
                    "HOLDER");
            for (LockService.LockInfo l : locks) {
                out.printf("%-" + w + "s  %-5s  %-8s  %-9s  %-8d  %s%n", l.name(), Durations.format(l.ttl()),
                        Ages.format(l.age(now)), Ages.format(l.timeLeft(now)), l.token(), holderText(l.holder()));
            }
        }
        for (String b : missing) {
            out.println("(lock bucket " + b + " does not exist; run 'orgctl topology apply')");
        }
        out.flush();
        return locks.size();
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Show held locks.",
                "Name, lease, age, time left before the lease runs out unless renewed,",
                "fencing token and holder (process, pid, host, user, purpose)."})
    public static final class ListLocks implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Option(names = "--ttl", paramLabel = "DURATION",
                description = "only the lease class of this length: " + "30s or 5m (default: all)",
                converter = DurationConverter.class)
        Duration ttl;

        @Option(names = "--bucket", hidden = true, description = "a KV bucket used as a lease class")
        String bucket;

        @Override
        public Integer call() {
            List<String> buckets = buckets(spec, ttl, bucket);
            OrgctlConfig config = settings.resolve();
            try (NatsRuntime nats = NatsRuntime.open(config, "lock", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
                printLocks(spec.commandLine().getOut(), nats, buckets);
                return 0;
            }
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = {"Release a lock whoever holds it.",
                "For a holder that is gone and whose lease is long: a crashed holder's lock",
                "frees itself when its lease runs out. A holder that is still alive notices",
                "at its next renewal and stops. Asks for confirmation unless --yes; the",
                "release is logged."})
    public static final class Release implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Parameters(index = "0", paramLabel = "NAME", description = "the lock's name")
        String name;

        @Option(names = "--force", description = "required: this breaks the holder's mutual exclusion")
        boolean force;

        @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
        boolean yes;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "the lock's lease class (default: any)",
                converter = DurationConverter.class)
        Duration ttl;

        @Option(names = "--bucket", hidden = true, description = "a KV bucket used as a lease class")
        String bucket;

        @Override
        public Integer call() throws IOException {
            if (!force) {
                throw new ParameterException(spec.commandLine(), "releasing a lock that another process holds "
                        + "breaks its mutual exclusion; if you are sure its holder is gone or must stop, add --force");
            }
            List<String> buckets = buckets(spec, ttl, bucket);
            OrgctlConfig config = settings.resolve();
            PrintWriter out = spec.commandLine().getOut();
            try (NatsRuntime nats = NatsRuntime.open(config, "lock", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
                for (String b : buckets) {
                    try (LockService s = open(nats, b, "orgctl lock release")) {
                        Optional<LockService.LockInfo> held = s.inspect(name);
                        if (held.isEmpty()) {
                            continue;
                        }
                        LockService.LockInfo l = held.get();
                        Instant now = Instant.now();
                        String what = "lock " + name + " (" + b + ", token " + l.token() + ") held by "
                                + holderText(l.holder()) + " for " + Ages.format(l.age(now)) + ", lease left "
                                + Ages.format(l.timeLeft(now));
                        if (!yes && !confirm(out, "Release " + what + "? [y/N] ")) {
                            throw new CommandFailure("not released (answer y to release, or pass --yes)", 1);
                        }
                        if (!s.forceRelease(name, l.revision())) {
                            throw new CommandFailure("lock " + name + " changed hands or was renewed while you "
                                    + "decided; nothing released: look again with 'orgctl lock list'", 1);
                        }
                        log.atWarn().addKeyValue("lock", name).addKeyValue("bucket", b).addKeyValue("token", l.token())
                                .addKeyValue("holder", holderText(l.holder()))
                                .addKeyValue("by", System.getProperty("user.name", "?"))
                                .log("lock released by force from the command line");
                        out.println("released " + what);
                        out.flush();
                        return 0;
                    } catch (CoordinationException e) {
                        if (e.getMessage() != null && e.getMessage().contains("not available")) {
                            continue;
                        }
                        throw e;
                    }
                }
            }
            out.println("lock " + name + " is not held; nothing to release");
            out.flush();
            return 0;
        }

        /** Asks on standard input; true for y or yes (shared by the commands that release by force). */
        static boolean confirm(PrintWriter out, String question) throws IOException {
            out.print(question);
            out.flush();
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Run COMMAND while holding the lock NAME.",
                "Waits for the lock (at most --wait), runs COMMAND, renews the lease while",
                "it runs, releases the lock when it ends and exits with COMMAND's exit code.",
                "COMMAND gets ORGCTL_LOCK_NAME and ORGCTL_LOCK_TOKEN (the fencing token).",
                "If the lease is lost (it could not be renewed), orgctl says so, stops",
                "COMMAND (SIGTERM, then SIGKILL after --kill-after) before the lease can run",
                "out on the server, and exits " + EXIT_LEASE_LOST + ". COMMAND runs in its own session",
                "under a small supervisor: if orgctl dies, even by SIGKILL, COMMAND is stopped",
                "the same way before the lease can run out.",
                "",
                "Exit codes: COMMAND's own; " + EXIT_NOT_ACQUIRED + " the lock was still held after --wait;",
                EXIT_LEASE_LOST + " the lease was lost; " + EXIT_CANNOT_RUN
                    + " COMMAND cannot be run; 1 NATS unreachable; 2 usage.",
                "",
                "Example:",
                "  orgctl lock exec terraform/prod --wait 30m -- terraform apply -auto-approve"})
    public static final class Exec implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Parameters(index = "0", paramLabel = "NAME", description = "the lock's name, for example terraform/prod")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND",
                description = "the command and its arguments; put -- before it")
        List<String> command;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "30s",
                description = "the lease: how long a crashed holder keeps others out: 30s or 5m (default 30s). "
                        + "The lock is renewed while COMMAND runs, however long it runs.",
                converter = DurationConverter.class)
        Duration ttl;

        @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "5m",
                description = "how long to wait for the lock; 0 tries once (default 5m)",
                converter = DurationConverter.class)
        Duration wait;

        @Option(names = "--kill-after", paramLabel = "DURATION", defaultValue = "5s",
                description = "after SIGTERM, how long COMMAND has to stop before SIGKILL (default 5s; must be "
                        + "shorter than a quarter of the lease)",
                converter = DurationConverter.class)
        Duration killAfter;

        @Option(names = "--purpose", paramLabel = "TEXT",
                description = "what the holder does, shown by 'orgctl lock list' (default: the program's name; "
                        + "COMMAND's arguments are not shown, they may hold secrets)")
        String purpose;

        @Option(names = "--bucket", hidden = true, description = "a KV bucket used as a lease class (its TTL)")
        String bucket;

        @Override
        public Integer call() throws InterruptedException {
            String lockBucket = bucket != null ? bucket : leaseClass(spec, ttl).bucket();
            Duration maxWait = wait;
            Duration grace = killAfter;
            OrgctlConfig config = settings.resolve();
            PrintWriter err = spec.commandLine().getErr();
            // Not the whole command line by default: its arguments may hold secrets, and the purpose is
            // stored in KV and shown to anyone who lists the locks.
            String program = Path.of(command.get(0)).getFileName().toString();
            String purposeText = purpose != null ? purpose
                    : command.size() == 1 ? program : program + " (+" + (command.size() - 1) + " args)";
            try (NatsRuntime nats = NatsRuntime.open(config, "lock-exec", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
                 LockService locks = open(nats, lockBucket, "orgctl lock exec")) {
                if (grace.compareTo(locks.settings().lossMargin()) >= 0) {
                    throw new ParameterException(spec.commandLine(), "--kill-after " + Durations.format(killAfter) + " must be shorter "
                            + "than the lease's safety margin (" + Durations.format(locks.settings().lossMargin())
                            + " for a " + Durations.format(locks.ttl()) + " lease), or COMMAND could still run when "
                            + "another holder takes the lock");
                }
                Optional<Lease> lease = locks.tryAcquire(name, purposeText);
                if (lease.isEmpty() && !maxWait.isZero()) {
                    String holder = locks.inspect(name).map(l -> holderText(l.holder())).orElse("someone");
                    err.println("orgctl: lock " + name + " is held by " + holder + "; waiting up to "
                            + Durations.format(maxWait));
                    err.flush();
                    lease = locks.acquire(name, purposeText, maxWait);
                }
                if (lease.isEmpty()) {
                    String holder = locks.inspect(name).map(l -> holderText(l.holder())).orElse("someone");
                    throw new CommandFailure("lock " + name + " is still held by " + holder + " after waiting "
                            + Durations.format(maxWait), EXIT_NOT_ACQUIRED);
                }
                return runUnder(lease.get(), grace, err);
            }
        }

        private int runUnder(Lease lease, Duration grace, PrintWriter err) throws InterruptedException {
            if (!SupervisedCommand.runnable(command.get(0))) {
                lease.release();
                throw new CommandFailure("cannot run " + command.get(0) + ": not found or not executable", EXIT_CANNOT_RUN);
            }
            SupervisedCommand child;
            try {
                child = SupervisedCommand.start(command, java.util.Map.of("ORGCTL_LOCK_NAME", name,
                        "ORGCTL_LOCK_TOKEN", Long.toString(lease.token())), grace);
            } catch (IOException e) {
                lease.release();
                throw new CommandFailure("cannot run " + command.get(0) + ": " + e.getMessage(), EXIT_CANNOT_RUN);
            }
            try {
                // The last look before COMMAND starts: a lease lost while we waited, or a lock the server
                // lost, must not run COMMAND at all.
                lease.checkStillHeld();
                child.go();
            } catch (LeaseLostException | IOException e) {
                child.stop();
                child.waitFor(grace.plusSeconds(1));
                child.close();
                lease.release();
                throw new CommandFailure("lock " + name + " was lost before " + command.get(0) + " started ("
                        + e.getMessage() + "); it was not run", EXIT_LEASE_LOST);
            }
            log.atInfo().addKeyValue("lock", name).addKeyValue("bucket", lease.bucket()).addKeyValue("token", lease.token())
                    .addKeyValue("command", command.get(0)).addKeyValue("session", child.pid())
                    .log("lock acquired; running the command");
            AtomicReference<LeaseLostException> lost = new AtomicReference<>();
            lease.onLost(e -> {
                lost.set(e);
                err.println("orgctl: " + e.getMessage() + "; stopping " + command.get(0) + " (session " + child.pid() + ")");
                err.flush();
                child.stop();
            });
            // Ctrl-C or SIGTERM to orgctl: stop COMMAND the same way, then release the lock.
            AtomicBoolean interrupted = new AtomicBoolean();
            Thread hook = new Thread(() -> {
                interrupted.set(true);
                child.stop();
                try {
                    child.waitFor(grace.plusSeconds(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                child.close();
                lease.release();
            }, "lock-exec-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            int code;
            try {
                code = child.waitFor();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook does the rest
                }
            }
            if (interrupted.get()) {
                return code; // orgctl is being stopped: the shutdown hook stopped COMMAND and releases the lock
            }
            child.close(); // nothing COMMAND left in its session runs on after the lock is released
            if (lost.get() != null) {
                throw new CommandFailure("lost the lock " + name + " while " + command.get(0) + " ran ("
                        + lost.get().getMessage() + "); it was stopped, exit code " + code, EXIT_LEASE_LOST);
            }
            if (!lease.release()) {
                err.println("orgctl: warning: the lease of " + name + " had run out when " + command.get(0)
                        + " ended; its work may have overlapped another holder's");
                err.flush();
                return code == 0 ? EXIT_LEASE_LOST : code;
            }
            log.atInfo().addKeyValue("lock", name).addKeyValue("exit_code", code).log("command ended; lock released");
            return code;
        }
    }
}
