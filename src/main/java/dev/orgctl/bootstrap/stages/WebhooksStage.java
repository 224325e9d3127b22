package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapException;
import dev.orgctl.bootstrap.Stage;
import dev.orgctl.bootstrap.StageName;
import dev.orgctl.config.Backend;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.hosts.github.GitHubClient;
import dev.orgctl.hosts.github.GitHubClients;
import dev.orgctl.hosts.github.OrgWebhooks;
import dev.orgctl.hosts.github.PingVerifier;
import dev.orgctl.hosts.github.RateListener;
import dev.orgctl.hosts.git.FileRefStateStore;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TagBuilder;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Stage 6: events flow from the repository host into GITHUB_EVENTS, proven end to end.
 *
 * <p>GitHub: the org webhook is registered at {@code --public-url}/webhooks/github (an existing one
 * with that URL is adopted, never doubled) and a ping through it must arrive in GITHUB_EVENTS.
 *
 * <p>git: the ref watcher runs inside {@code orgctl up}. The stage moves the annotated tag
 * {@value #PING_TAG} of the templates repository to a fresh tag object (a push, as a person's
 * would be) and waits for the watcher's {@code push} delivery of exactly that tag object on
 * {@code github.<org>.%2Egithub.push}.
 */
public final class WebhooksStage implements Stage {
    public static final String PING_TAG = "refs/tags/orgctl-bootstrap-ping";
    public static final String HOOK_PATH = "/webhooks/github";
    private final Duration timeout;

    public WebhooksStage(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public StageName name() {
        return StageName.WEBHOOKS;
    }

    @Override
    public String plan(BootstrapContext ctx) {
        if (ctx.config().backend() == Backend.GIT) {
            return "move the tag " + PING_TAG + " of " + org(ctx) + "/.github and wait (up to " + timeout.toSeconds()
                    + "s) for the ref watcher's push delivery in " + Topology.EVENTS_STREAM;
        }
        return "register or adopt the org webhook at " + ctx.publicUrl().map(u -> hookUrl(u).toString())
                .orElse("(--public-url missing)") + " and wait for its ping in " + Topology.EVENTS_STREAM;
    }

    @Override
    public void precondition(BootstrapContext ctx) {
        if (ctx.config().backend() == Backend.GITHUB && ctx.publicUrl().isEmpty()) {
            throw new BootstrapException("the github backend needs --public-url: the https address where GitHub "
                    + "reaches the gateway (the webhook is registered at <public-url>" + HOOK_PATH + ")");
        }
        if (ctx.config().backend() == Backend.GITHUB && ctx.config().webhookSecrets().none()) {
            throw new BootstrapException("GITHUB_WEBHOOK_SECRET is not set: the webhook needs a secret");
        }
        ctx.nats();
    }

    @Override
    public Outcome apply(BootstrapContext ctx) {
        try {
            return ctx.config().backend() == Backend.GIT ? applyGit(ctx) : applyGitHub(ctx);
        } catch (IOException | JetStreamApiException e) {
            throw new BootstrapException("cannot watch " + Topology.EVENTS_STREAM + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BootstrapException("interrupted while waiting for the delivery", e);
        }
    }

    private Outcome applyGit(BootstrapContext ctx) throws IOException, JetStreamApiException, InterruptedException {
        OrgctlConfig config = ctx.config();
        String org = org(ctx);
        Path gitDir = config.requireGitRoot().resolve(org).resolve(".github.git");
        Instant deadline = Instant.now().plus(timeout);
        // The watcher's first scan records a baseline and delivers nothing: a tag moved before it would be lost.
        FileRefStateStore refState = FileRefStateStore.inDataDir(config.dataDir());
        while (!refState.initialized()) {
            if (Instant.now().isAfter(deadline)) {
                throw new BootstrapException("the git ref watcher recorded no baseline in " + refState.directory()
                        + " within " + timeout.toSeconds() + "s; is 'orgctl up' running for this data dir? "
                        + "see its log, or run 'orgctl bootstrap --from gateway'");
            }
            Thread.sleep(200);
        }
        String subject = SubjectCodec.subject(org, Optional.of(".github"), "push");
        NatsRuntime nats = ctx.nats();
        int attempt = 0;
        while (true) {
            attempt++;
            JetStreamSubscription sub = nats.jetStream().subscribe(subject, PushSubscribeOptions.builder()
                    .stream(Topology.EVENTS_STREAM).ordered(true)
                    .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.New).build()).build());
            try {
                Instant t0 = Instant.now();
                String tagObject = moveTag(gitDir, "orgctl bootstrap ping " + UUID.randomUUID() + " at " + t0);
                ctx.out().print("(tag " + tagObject.substring(0, 12) + " pushed, waiting for its delivery) ");
                ctx.out().flush();
                Instant attemptEnd = min(deadline, Instant.now().plusSeconds(15));
                while (Instant.now().isBefore(attemptEnd)) {
                    Message m = sub.nextMessage(Duration.between(Instant.now(), attemptEnd).plusMillis(1));
                    if (m == null) {
                        break;
                    }
                    String body = new String(m.getData(), StandardCharsets.UTF_8);
                    if (body.contains(PING_TAG) && body.contains(tagObject)) {
                        Map<String, String> d = new LinkedHashMap<>();
                        d.put("backend", "git");
                        d.put("subject", subject);
                        d.put("stream_seq", Long.toString(m.metaData().streamSequence()));
                        d.put("tag_object", tagObject);
                        String delivery = m.getHeaders() == null ? null : m.getHeaders().getFirst("X-GitHub-Delivery");
                        d.put("delivery", delivery == null ? "" : delivery);
                        d.put("latency_ms", Long.toString(Duration.between(t0, Instant.now()).toMillis()));
                        awaitWatcherState(refState, org, tagObject, Instant.now().plusSeconds(10));
                        return Outcome.done("the ref watcher delivered the push of " + PING_TAG + " in "
                                + d.get("latency_ms") + " ms (" + Topology.EVENTS_STREAM + " seq " + d.get("stream_seq")
                                + ")", d);
                    }
                }
            } finally {
                sub.unsubscribe();
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new BootstrapException("no push delivery of " + PING_TAG + " arrived on " + subject + " within "
                        + timeout.toSeconds() + "s (" + attempt + " attempt(s)); check that 'orgctl up' runs its ref "
                        + "watcher (its log in " + config.dataDir() + ") and re-run 'orgctl bootstrap'");
            }
        }
    }

    private Outcome applyGitHub(BootstrapContext ctx) throws IOException, JetStreamApiException, InterruptedException {
        String org = org(ctx);
        URI url = hookUrl(ctx.publicUrl().orElseThrow());
        try (GitHubClient client = client(ctx.config())) {
            OrgWebhooks hooks = new OrgWebhooks(client, org);
            OrgWebhooks.Registration reg = hooks.register(url.toString(), ctx.config().webhookSecrets().signing());
            ctx.out().print("(hook " + reg.hookId() + (reg.created() ? " created" : " adopted") + ", pinging) ");
            ctx.out().flush();
            Optional<PingVerifier.Arrival> arrival = new PingVerifier(ctx.nats().jetStream(), Clock.systemUTC())
                    .verify(org, reg.hookId(), () -> hooks.ping(reg.hookId()), timeout);
            if (arrival.isEmpty()) {
                throw new BootstrapException("GitHub's ping of hook " + reg.hookId() + " did not arrive in "
                        + Topology.EVENTS_STREAM + " within " + timeout.toSeconds() + "s: check that " + url
                        + " reaches the gateway (GitHub shows the delivery's error under the org's webhook settings) "
                        + "and that GITHUB_WEBHOOK_SECRET matches");
            }
            Map<String, String> d = new LinkedHashMap<>();
            d.put("backend", "github");
            d.put("hook_id", Long.toString(reg.hookId()));
            d.put("url", url.toString());
            d.put("delivery", arrival.get().deliveryId());
            d.put("stream_seq", Long.toString(arrival.get().streamSequence()));
            if (!reg.corrections().isEmpty()) {
                d.put("corrections", String.join("; ", reg.corrections()));
            }
            String summary = "hook " + reg.hookId() + " at " + url + (reg.created() ? " registered" : " adopted")
                    + ", ping arrived in " + arrival.get().latency().toMillis() + " ms";
            return reg.created() ? Outcome.done(summary, d) : Outcome.adopted(summary, d);
        }
    }

    @Override
    public Optional<String> verify(BootstrapContext ctx) {
        Map<String, String> d = ctx.state().result(StageName.WEBHOOKS).map(r -> r.details()).orElse(Map.of());
        if (ctx.config().backend() == Backend.GITHUB) {
            String id = d.get("hook_id");
            String url = d.get("url");
            if (id == null || url == null) {
                return Optional.of("no webhook recorded; run 'orgctl bootstrap --from webhooks'");
            }
            try (GitHubClient client = client(ctx.config())) {
                Optional<OrgWebhooks.Hook> hook = new OrgWebhooks(client, org(ctx)).find(url);
                if (hook.isEmpty()) {
                    return Optional.of("the org webhook at " + url + " is gone; run 'orgctl bootstrap --from webhooks'");
                }
                if (!id.equals(Long.toString(hook.get().id()))) {
                    return Optional.of("the webhook at " + url + " is hook " + hook.get().id() + ", not the recorded "
                            + id + "; run 'orgctl bootstrap --from webhooks'");
                }
            }
            return Optional.empty();
        }
        String tagObject = d.get("tag_object");
        if (tagObject == null) {
            return Optional.of("no proven delivery recorded; run 'orgctl bootstrap --from webhooks'");
        }
        // The watcher saves a ref's new value only after the gateway acknowledged its delivery (published to
        // GITHUB_EVENTS), so its state holding the recorded tag object proves the path, also after the
        // stream's retention dropped the message itself.
        FileRefStateStore refState = FileRefStateStore.inDataDir(ctx.config().dataDir());
        Optional<Map<String, String>> refs = refState.load(new dev.orgctl.hosts.RepoRef(org(ctx), ".github"));
        if (refs.isEmpty()) {
            return Optional.of("the git ref watcher has no state for " + org(ctx) + "/.github in " + refState.directory()
                    + "; is 'orgctl up' running? run 'orgctl bootstrap --from gateway'");
        }
        String seen = refs.get().get(PING_TAG);
        if (!tagObject.equals(seen)) {
            return Optional.of("the git ref watcher has not delivered the recorded " + PING_TAG + " (" + tagObject
                    .substring(0, 12) + ", it saw " + (seen == null ? "none" : seen.substring(0, 12))
                    + "); run 'orgctl bootstrap --only webhooks'");
        }
        return Optional.empty();
    }

    /** The watcher records the ref right after the gateway's acknowledgement: wait for it (bounded). */
    private static void awaitWatcherState(FileRefStateStore refState, String org, String tagObject, Instant until)
            throws InterruptedException {
        dev.orgctl.hosts.RepoRef templates = new dev.orgctl.hosts.RepoRef(org, ".github");
        while (Instant.now().isBefore(until)) {
            if (refState.load(templates).map(m -> tagObject.equals(m.get(PING_TAG))).orElse(false)) {
                return;
            }
            Thread.sleep(100);
        }
    }

    /** Moves the ping tag to a new annotated tag object (unique message) on the templates repository's HEAD. */
    static String moveTag(Path gitDir, String message) throws IOException {
        try (Repository repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build()) {
            Ref head = repo.exactRef(Constants.HEAD);
            ObjectId target = head == null ? null : head.getObjectId();
            if (target == null) {
                throw new BootstrapException("the templates repository " + gitDir + " has no commit on its default "
                        + "branch; push your templates first");
            }
            TagBuilder tag = new TagBuilder();
            tag.setTag(PING_TAG.substring(Constants.R_TAGS.length()));
            tag.setObjectId(target, Constants.OBJ_COMMIT);
            tag.setTagger(new PersonIdent("orgctl", "orgctl@localhost"));
            tag.setMessage(message + "\n");
            ObjectId id;
            try (ObjectInserter ins = repo.newObjectInserter()) {
                id = ins.insert(tag);
                ins.flush();
            }
            RefUpdate u = repo.updateRef(PING_TAG);
            u.setNewObjectId(id);
            u.setForceUpdate(true);
            u.setRefLogMessage("orgctl bootstrap ping", false);
            RefUpdate.Result r = u.update();
            if (r != RefUpdate.Result.NEW && r != RefUpdate.Result.FORCED && r != RefUpdate.Result.FAST_FORWARD) {
                throw new BootstrapException("cannot move " + PING_TAG + " in " + gitDir + ": " + r);
            }
            return id.name();
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    static URI hookUrl(URI publicUrl) {
        String s = publicUrl.toString();
        return URI.create((s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + HOOK_PATH);
    }

    private static String org(BootstrapContext ctx) {
        return ctx.config().github().requireOrg();
    }

    private static GitHubClient client(OrgctlConfig config) {
        return GitHubClients.create(config.github(), GitHubClients.localBudget(config.github(), RateListener.NONE),
                RateListener.NONE);
    }
}
