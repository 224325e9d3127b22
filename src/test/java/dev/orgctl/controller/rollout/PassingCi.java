package dev.orgctl.controller.rollout;

import dev.orgctl.controller.OrgFixture;
import dev.orgctl.hosts.RepoRef;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A CI that passes every commit orgctl writes for one template revision: it watches the targets'
 * history and sends a successful {@code check_suite} for each new orgctl commit of the revision.
 * A test can hold it (commits seen meanwhile wait) to keep a gate open, and release it. A delivery
 * the gateway does not take (NATS away) is tried again on the next look.
 */
final class PassingCi implements AutoCloseable {
    private final OrgFixture org;
    private final CiDeliveries ci;
    private final String revision;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "passing-ci");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> reported = new LinkedHashSet<>();
    private final List<String> waiting = new ArrayList<>();
    private final ScheduledFuture<?> looking;
    private volatile boolean held;

    private PassingCi(OrgFixture org, CiDeliveries ci, String revision) {
        this.org = org;
        this.ci = ci;
        this.revision = revision;
        this.looking = loop.scheduleWithFixedDelay(this::look, 0, 100, TimeUnit.MILLISECONDS);
    }

    static PassingCi start(OrgFixture org, CiDeliveries ci, String revision) {
        return new PassingCi(org, ci, revision);
    }

    /** From now on, commits are seen but not reported until {@link #release}. */
    void hold() {
        held = true;
    }

    void release() {
        held = false;
    }

    /** The repositories whose commits wait for {@link #release}. */
    synchronized List<String> waiting() {
        return List.copyOf(waiting);
    }

    private synchronized void look() {
        for (RepoRef r : org.targets) {
            Optional<RevCommit> c;
            try {
                c = RolloutTemplates.orgctlCommit(org, r, revision);
            } catch (RuntimeException e) {
                continue; // a ref being written while read: look again next time
            }
            if (c.isEmpty() || reported.contains(c.get().name())) {
                continue;
            }
            if (held) {
                if (!waiting.contains(r.name())) {
                    waiting.add(r.name());
                }
                continue;
            }
            try {
                ci.checkSuiteCompleted(r.name(), c.get(), "success");
                reported.add(c.get().name());
                waiting.remove(r.name());
            } catch (AssertionError e) {
                System.out.println("passing-ci: " + r.name() + " not reported yet: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        looking.cancel(true);
        loop.shutdownNow();
        loop.awaitTermination(10, TimeUnit.SECONDS);
    }
}
