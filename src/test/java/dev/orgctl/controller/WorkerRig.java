package dev.orgctl.controller;

import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.RegenJob;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Optional;

/**
 * A worker with its dispatcher on a real nats-server, wired as the controller wires them, for
 * tests that hand it one job's deliveries by hand ({@code jobs.decide}) and read what it left.
 */
record WorkerRig(Workflows workflows, JobScheduler scheduler, DeadLetters deadLetters, ControllerMetrics metrics,
                 Dispatcher<RegenJob> jobs) {

    static WorkerRig of(NatsRuntime nats, RepositoryHost host, LockService locks, ControllerSettings settings)
            throws java.io.IOException {
        Workflows workflows = Workflows.open(nats, "worker-test");
        ControllerMetrics metrics = new ControllerMetrics(new SimpleMeterRegistry());
        JobScheduler scheduler = new JobScheduler(workflows, nats.jetStream(), "worker-test");
        DeadLetters deadLetters = new DeadLetters(nats.jetStream(),
                nats.connection().jetStreamManagement(nats.connector().jetStreamOptions()));
        Worker worker = new Worker(host, locks, workflows, scheduler,
                new OwnCommits(nats.keyValue(Topology.COMMITS_BUCKET)),
                new CircuitBreaker(nats.keyValue(Topology.BREAKERS_BUCKET), settings.breaker(), Clock.systemUTC()),
                settings, metrics);
        Dispatcher<RegenJob> jobs = new Dispatcher<>(new JobStage(worker), settings.retry(), deadLetters, metrics,
                Optional.empty());
        return new WorkerRig(workflows, scheduler, deadLetters, metrics, jobs);
    }
}
