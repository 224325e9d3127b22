package dev.orgctl.controller;

import dev.orgctl.proto.DeadLetter;
import dev.orgctl.proto.JobReason;

/**
 * DLQ redrive, the operator's event source: a dead job becomes a REDRIVE trigger through the one
 * entry point for jobs ({@link JobScheduler#schedule}), after its repository's circuit breaker is
 * reset; a dead delivery is published again for the event stage. The entry leaves the DLQ after.
 */
public final class Redrive {
    private final DeadLetters deadLetters;
    private final JobScheduler scheduler;
    private final CircuitBreaker breaker;

    public Redrive(DeadLetters deadLetters, JobScheduler scheduler, CircuitBreaker breaker) {
        this.deadLetters = deadLetters;
        this.scheduler = scheduler;
        this.breaker = breaker;
    }

    /** Sends one dead letter through again; returns what was done, in words. */
    public String redrive(DeadLetters.Entry e) {
        DeadLetter d = e.letter();
        String what;
        if ("job".equals(d.getKind()) && !d.getOrg().isEmpty() && !d.getRepo().isEmpty()) {
            breaker.reset(d.getOrg(), d.getRepo());
            JobScheduler.Outcome o = scheduler.schedule(d.getOrg(), d.getRepo(), JobReason.REDRIVE, "",
                    "redrive-" + d.getId(), 0);
            what = "breaker reset, regeneration " + (o == JobScheduler.Outcome.QUEUED ? "queued" : "coalesced")
                    + " for " + d.getOrg() + "/" + d.getRepo();
        } else {
            deadLetters.republishOriginal(e);
            what = "original " + d.getKind() + " published again on " + d.getOriginalSubject();
        }
        deadLetters.remove(e.seq());
        return "redriven " + e.seq() + ": " + what;
    }
}
