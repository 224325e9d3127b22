package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.config.Secret;
import dev.orgctl.webhook.PayloadObjects;
import dev.orgctl.webhook.Signatures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The fake's webhook side: builds {@code push}, {@code ping} and {@code repository} payloads in
 * GitHub's documented shape, signs them like GitHub ({@code X-Hub-Signature-256: sha256=HMAC},
 * and the legacy SHA-1 {@code X-Hub-Signature}), POSTs them to every hook that wants the event with
 * GitHub's headers, and keeps the delivery log that the deliveries API lists and redelivers from.
 * Deliveries are sent in order on one thread, like a queue; a receiver that is down or answers
 * non-2xx leaves a failed delivery (GitHub does not retry by itself).
 */
final class FakeWebhooks {
    /** Who caused an event: {@code sender} and, for pushes, {@code pusher}. */
    record Actor(String login, long id, String type, String name, String email) {
        static Actor of(Person p) {
            return new Actor(p.login(), Math.abs((long) p.login().hashCode()) + 1L, "User", p.name(), p.email());
        }

        static Actor of(Principal p) {
            return new Actor(p.login(), p.userId(), p.kind() == Principal.Kind.USER ? "User" : "Bot",
                    p.name(), p.email());
        }
    }

    /** A delivery's content, kept to redeliver it. */
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    private record Event(String guid, String name, String action, Long repositoryId, Long installationId,
                         byte[] payload) {
    }

    private final GitHubFake fake;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "github-fake-hooks");
        t.setDaemon(true);
        return t;
    });
    private final List<FakeDelivery> log = new CopyOnWriteArrayList<>();
    private final Map<Long, Event> byDelivery = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();

    FakeWebhooks(GitHubFake fake) {
        this.fake = fake;
    }

    List<FakeDelivery> deliveries() {
        return List.copyOf(log);
    }

    Optional<FakeDelivery> delivery(long id) {
        return log.stream().filter(d -> d.id() == id).findFirst();
    }

    void await(Duration timeout) {
        awaitZero(pending, timeout, "webhook deliveries still pending");
    }

    /** Waits until {@code count} is zero; past the timeout, throws naming how many are left ({@code what}). */
    static void awaitZero(AtomicInteger count, Duration timeout, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        while (count.get() > 0) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException(count.get() + " " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---------------------------------------------------------------- events

    void ping(FakeHook hook, Actor sender) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("zen", "Keep it logically awesome.");
        p.put("hook_id", hook.id);
        p.put("hook", FakeJson.hook(fake, hook));
        p.put("organization", organization(hook.org));
        p.put("sender", user(sender));
        send(hook, new Event(UUID.randomUUID().toString(), "ping", null, null, null, bytes(p)));
    }

    void repositoryCreated(FakeRepo repo, Actor sender) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("action", "created");
        p.put("repository", repository(FakeJson.repo(fake, repo), repo));
        p.put("organization", organization(repo.org));
        p.put("sender", user(sender));
        broadcast(repo.org, new Event(UUID.randomUUID().toString(), "repository", "created", repo.id, null, bytes(p)));
    }

    /**
     * A push: {@code before}/{@code after} (zeros for a created/deleted ref), the commits between
     * them with their added/modified/removed paths, head_commit, the repository (whose
     * {@code created_at}/{@code pushed_at} are Unix seconds in push payloads), pusher and sender.
     */
    void push(FakeRepo repo, String ref, Optional<String> before, Optional<String> after, Actor who) {
        String zeros = "0000000000000000000000000000000000000000";
        List<Map<String, Object>> commits = new ArrayList<>();
        Map<String, Object> head = null;
        if (after.isPresent()) {
            List<RevCommit> list = repo.git.between(before, after.get());
            for (RevCommit c : list.size() > 2048 ? list.subList(list.size() - 2048, list.size()) : list) {
                commits.add(commit(repo, c));
            }
            head = commit(repo, repo.git.parse(after.get()));
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("ref", ref);
        p.put("before", before.orElse(zeros));
        p.put("after", after.orElse(zeros));
        p.put("repository", repository(FakeJson.pushRepo(fake, repo), repo));
        p.put("pusher", Map.of("name", who.login(), "email", who.email()));
        p.put("organization", organization(repo.org));
        p.put("sender", user(who));
        p.put("created", before.isEmpty());
        p.put("deleted", after.isEmpty());
        p.put("forced", before.isPresent() && after.isPresent() && !repo.git.isAncestor(before.get(), after.get()));
        p.put("base_ref", null);
        p.put("compare", fake.url() + "/" + repo.fullName() + "/compare/" + before.orElse(zeros).substring(0, 12)
                + "..." + after.orElse(zeros).substring(0, 12));
        p.put("commits", commits);
        p.put("head_commit", head);
        broadcast(repo.org, new Event(UUID.randomUUID().toString(), "push", null, repo.id, null, bytes(p)));
        fake.pullEvents.pushed(repo, ref, before, after, who);
        fake.ci.landed(repo, ref, before, after, who);
    }

    /** Sends an event built elsewhere (pull requests, check suites: {@link FakePullEvents}) to the org's hooks. */
    void deliver(FakeOrg org, String event, String action, Long repositoryId, Map<String, Object> payload) {
        broadcast(org, new Event(UUID.randomUUID().toString(), event, action, repositoryId, null, bytes(payload)));
    }

    private Map<String, Object> commit(FakeRepo repo, RevCommit c) {
        FakeGit.Changes ch = repo.git.changes(c);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.name());
        m.put("tree_id", c.getTree().name());
        m.put("distinct", true);
        m.put("message", c.getFullMessage());
        m.put("timestamp", Instant.ofEpochSecond(c.getCommitTime()).toString());
        m.put("url", fake.url() + "/" + repo.fullName() + "/commit/" + c.name());
        m.put("author", Map.of("name", c.getAuthorIdent().getName(), "email", c.getAuthorIdent().getEmailAddress()));
        m.put("committer", Map.of("name", c.getCommitterIdent().getName(), "email",
                c.getCommitterIdent().getEmailAddress()));
        m.put("added", ch.added());
        m.put("removed", ch.removed());
        m.put("modified", ch.modified());
        return m;
    }

    // Webhook payloads carry the complete shapes of GitHub's schema; FakeJson's are the REST ones.
    ObjectNode user(Actor a) {
        return PayloadObjects.user(new PayloadObjects.Account(a.login(), a.id(), "U_" + a.id(), a.type(),
                fake.url() + "/users/" + a.login(), fake.url() + "/" + a.login()));
    }

    ObjectNode organization(FakeOrg org) {
        return PayloadObjects.organization(account(org));
    }

    private PayloadObjects.Account account(FakeOrg org) {
        return new PayloadObjects.Account(org.login, org.id, "O_" + org.id, "Organization",
                fake.url() + "/orgs/" + org.login, fake.url() + "/" + org.login);
    }

    /** A repository object of FakeJson with its owner and every other field the schema requires. */
    ObjectNode repository(Map<String, Object> shape, FakeRepo repo) {
        ObjectNode n = GitHubFake.JSON.valueToTree(shape);
        ObjectNode owner = PayloadObjects.user(account(repo.org));
        n.path("owner").fields().forEachRemaining(f -> owner.set(f.getKey(), f.getValue()));
        n.set("owner", owner);
        return PayloadObjects.completeRepository(n);
    }

    // ---------------------------------------------------------------- sending

    private void broadcast(FakeOrg org, Event e) {
        for (FakeHook h : org.hooks) {
            if (h.wants(e.name())) {
                send(h, e);
            }
        }
    }

    /** A new attempt of an earlier delivery (same guid, {@code redelivery: true}). */
    void redeliver(FakeHook hook, long deliveryId) {
        Event e = byDelivery.get(deliveryId);
        if (e == null) {
            throw HttpError.notFound();
        }
        pending.incrementAndGet();
        sender.execute(() -> attempt(hook, e, true));
    }

    private void send(FakeHook hook, Event e) {
        pending.incrementAndGet();
        sender.execute(() -> attempt(hook, e, false));
    }

    private void attempt(FakeHook hook, Event e, boolean redelivery) {
        try {
            long id = fake.ids.incrementAndGet();
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("X-GitHub-Delivery", e.guid());
            headers.put("X-GitHub-Event", e.name());
            headers.put("X-GitHub-Hook-ID", Long.toString(hook.id));
            headers.put("X-GitHub-Hook-Installation-Target-Type", "organization");
            headers.put("X-GitHub-Hook-Installation-Target-ID", Long.toString(hook.org.id));
            headers.put("User-Agent", "GitHub-Hookshot/fake");
            headers.put("Content-Type", "application/json");
            if (hook.secret != null && !hook.secret.isEmpty()) {
                headers.put("X-Hub-Signature", "sha1=" + hmac("HmacSHA1", e.payload(), hook.secret));
                headers.put(Signatures.HEADER_256, Signatures.sign(Secret.of(hook.secret), e.payload()));
            }
            long start = System.nanoTime();
            int code = 0;
            String status;
            String responseBody = "";
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(hook.url)).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(e.payload()));
                headers.forEach((k, v) -> {
                    if (!k.equals("User-Agent")) {
                        b.header(k, v);
                    }
                });
                b.setHeader("User-Agent", headers.get("User-Agent"));
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                code = r.statusCode();
                responseBody = r.body();
                status = code >= 200 && code < 300 ? "OK" : "Invalid HTTP Response: " + code;
            } catch (IOException ex) {
                status = "failed to connect";
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            double duration = (System.nanoTime() - start) / 1e9;
            FakeDelivery d = new FakeDelivery(id, hook.id, e.guid(), fake.clock.instant(), redelivery, duration, status,
                    code, e.name(), e.action(), e.repositoryId(), e.installationId(), hook.url, headers, e.payload(),
                    responseBody);
            byDelivery.put(id, e);
            log.add(d);
        } finally {
            pending.decrementAndGet();
        }
    }

    private static byte[] bytes(Object o) {
        try {
            return GitHubFake.JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hmac(String algorithm, byte[] body, String secret) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    void close() {
        sender.shutdownNow();
        try {
            sender.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
