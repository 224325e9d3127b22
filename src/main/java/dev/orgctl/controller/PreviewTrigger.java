package dev.orgctl.controller;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.preview.Impact;
import dev.orgctl.regen.preview.ImpactPlanner;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Previews proposed template changes: a push to a branch of the templates repository other than
 * its default one is planned over the whole organization ({@link ImpactPlanner}, reads only),
 * compared with the default branch, and the {@link Impact} handed to a {@link Publisher} (on the
 * git backend {@link PreviewStore}, read with {@code orgctl regen preview BRANCH}).
 *
 * <p>Previews run on one thread of their own, so an org-wide plan never holds up the event loop
 * (drift repairs, regenerations). The newest push to a branch wins: a request replaces a pending
 * one for the same branch, and a preview whose branch moved on while it ran (or before: a
 * redelivered old push) is not published, because the newer push's preview follows.
 *
 * <p>Limit: requests are held in memory. The delivery is acknowledged once its request is taken,
 * so a controller that stops before the preview ran loses it; {@code orgctl regen preview} says
 * when the stored report is for an older head than the branch's, and the next push previews again.
 */
public final class PreviewTrigger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PreviewTrigger.class);

    /** Where a preview's result goes. Called on the preview thread, one call at a time. */
    public interface Publisher {
        void publish(Request request, Impact impact);

        /** The preview could not be made (the host failed): not a verdict on the templates. */
        void failed(Request request, String error);

        /** The branch is gone: its report with it. */
        void forget(String org, String branch);
    }

    /** Preview the templates at {@code head}, the commit a push moved {@code branch} to. */
    public record Request(String org, String branch, String head) {
        String key() {
            return org + "/" + branch;
        }
    }

    private final RepositoryHost host;
    private final Publisher publisher;
    private final int parallelism;
    private final Object lock = new Object();
    private final Map<String, Request> pending = new LinkedHashMap<>();
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "controller-previews");
        t.setDaemon(true);
        return t;
    });
    private boolean draining;

    public PreviewTrigger(RepositoryHost host, Publisher publisher, int parallelism) {
        this.host = host;
        this.publisher = publisher;
        this.parallelism = parallelism;
    }

    /** Takes a request; returns at once. A pending request for the same branch is replaced. */
    public void request(Request r) {
        synchronized (lock) {
            pending.put(r.key(), r);
            if (!draining) {
                draining = true;
                runner.execute(this::drain);
            }
        }
    }

    /** The branch was deleted: nothing pending for it, and its report is removed. */
    public void forget(String org, String branch) {
        synchronized (lock) {
            pending.remove(org + "/" + branch);
        }
        publisher.forget(org, branch);
    }

    private void drain() {
        while (true) {
            Request r;
            synchronized (lock) {
                Iterator<Request> it = pending.values().iterator();
                if (!it.hasNext()) {
                    draining = false;
                    return;
                }
                r = it.next();
                it.remove();
            }
            run(r);
        }
    }

    private void run(Request r) {
        RepoRef templates = TemplateLoader.templatesRepo(r.org());
        try {
            if (!current(templates, r)) {
                log.atInfo().addKeyValue("branch", r.branch()).addKeyValue("head", r.head())
                        .log("preview skipped: the branch has moved on since this push");
                return;
            }
            String base = host.repository(templates).map(RepositoryInfo::defaultBranch).orElse("main");
            // Planned at the pushed commit, named by its branch for the reader.
            Impact planned = new ImpactPlanner(host, r.org(), parallelism).plan(r.head(), Optional.of(base));
            Impact impact = new Impact(r.branch(), planned.headSha(), planned.baseSha(), planned.total(),
                    planned.perSet(), planned.groups(), planned.problems());
            if (!current(templates, r)) {
                log.atInfo().addKeyValue("branch", r.branch()).log("preview superseded by a newer push");
                return;
            }
            publisher.publish(r, impact);
            log.atInfo().addKeyValue("branch", r.branch()).addKeyValue("head", r.head())
                    .addKeyValue("conclusion", impact.conclusion()).addKeyValue("repositories", impact.total().repositories())
                    .log("template preview published");
        } catch (RuntimeException e) {
            String error = e.getMessage() == null ? e.toString() : e.getMessage();
            log.atWarn().addKeyValue("branch", r.branch()).addKeyValue("error", error).log("template preview failed");
            try {
                publisher.failed(r, error);
            } catch (RuntimeException again) {
                log.atWarn().addKeyValue("error", again.getMessage()).log("could not record the failed preview");
            }
        }
    }

    /** Whether {@code r} is still the newest word on its branch: nothing newer pending, the branch still there. */
    private boolean current(RepoRef templates, Request r) {
        synchronized (lock) {
            if (pending.containsKey(r.key())) {
                return false;
            }
        }
        return host.branchHead(templates, r.branch()).map(r.head()::equals).orElse(false);
    }

    @Override
    public void close() {
        runner.shutdownNow();
        try {
            if (!runner.awaitTermination(10, TimeUnit.SECONDS)) {
                log.atWarn().log("a template preview did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
