package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Checks API of the fake: check runs created, updated and listed as GitHub's REST reference
 * describes them ({@code POST /repos/{o}/{r}/check-runs}, {@code PATCH .../check-runs/{id}},
 * {@code GET .../check-runs/{id}}, {@code .../check-runs/{id}/annotations},
 * {@code GET .../commits/{ref}/check-runs}), and refused where GitHub refuses: only a GitHub App
 * installation with {@code checks: write} may write (a personal access token gets 403), a
 * {@code head_sha} that is no commit of the repository, a {@code summary} or {@code text} over
 * 65535 characters, more than 50 annotations in one request, an annotation without its required
 * fields or over its size caps, a completed status without a conclusion: 422.
 */
public final class FakeChecks {
    static final int MAX_MARKDOWN = 65_535;
    static final int MAX_ANNOTATIONS_PER_REQUEST = 50;
    static final int MAX_ANNOTATION_MESSAGE = 64 * 1024;
    static final int MAX_ANNOTATION_TITLE = 255;
    private static final Set<String> STATUSES = Set.of("queued", "in_progress", "completed");
    private static final Set<String> CONCLUSIONS = Set.of("action_required", "cancelled", "failure", "neutral",
            "success", "skipped", "timed_out");

    /** A check run as the fake keeps it; tests read it through {@link #runs(FakeRepo)}. */
    public static final class Run {
        final long id;
        final FakeRepo repo;
        final long appId;
        final String headSha;
        volatile String name;
        volatile String status;
        volatile String conclusion;
        volatile String externalId;
        volatile String title;
        volatile String summary;
        volatile String text;
        final Instant startedAt;
        volatile Instant completedAt;
        final List<Map<String, Object>> annotations = new CopyOnWriteArrayList<>();
        /** Every status the run passed through, in order: to see that a run was never left in progress. */
        final List<String> statusHistory = new CopyOnWriteArrayList<>();

        Run(long id, FakeRepo repo, long appId, String headSha, Instant now) {
            this.id = id;
            this.repo = repo;
            this.appId = appId;
            this.headSha = headSha;
            this.startedAt = now;
        }

        public long id() {
            return id;
        }

        public String name() {
            return name;
        }

        public String headSha() {
            return headSha;
        }

        public String status() {
            return status;
        }

        public Optional<String> conclusion() {
            return Optional.ofNullable(conclusion);
        }

        public Optional<String> title() {
            return Optional.ofNullable(title);
        }

        public Optional<String> summary() {
            return Optional.ofNullable(summary);
        }

        public Optional<String> text() {
            return Optional.ofNullable(text);
        }

        public List<Map<String, Object>> annotations() {
            return List.copyOf(annotations);
        }

        public List<String> statusHistory() {
            return List.copyOf(statusHistory);
        }
    }

    private final GitHubFake f;
    private final Map<Long, Run> runs = new ConcurrentHashMap<>();

    FakeChecks(GitHubFake fake) {
        this.f = fake;
    }

    void register() {
        f.http.route("POST", "/repos/{owner}/{repo}/check-runs", this::create);
        f.http.route("PATCH", "/repos/{owner}/{repo}/check-runs/{id}", this::update);
        f.http.route("GET", "/repos/{owner}/{repo}/check-runs/{id}", c -> Reply.json(200, json(run(c, "read"))));
        f.http.route("GET", "/repos/{owner}/{repo}/check-runs/{id}/annotations", c -> Reply.json(200,
                run(c, "read").annotations()));
        f.http.route("GET", "/repos/{owner}/{repo}/commits/{ref+}/check-runs", this::list);
    }

    /** The runs of a repository, oldest first. */
    public List<Run> runs(FakeRepo repo) {
        return runs.values().stream().filter(r -> r.repo == repo).sorted(Comparator.comparingLong(Run::id)).toList();
    }

    // ---------------------------------------------------------------- endpoints

    private Reply create(Call c) {
        FakeRepo repo = c.requireRepo();
        requireApp(c, "write");
        JsonNode b = c.json();
        String name = b.path("name").asText("");
        String headSha = b.path("head_sha").asText("");
        if (name.isEmpty() || headSha.isEmpty()) {
            throw HttpError.validation("CheckRun", "missing_field", name.isEmpty() ? "name" : "head_sha");
        }
        if (!headSha.matches("[0-9a-f]{40}") || !repo.git.exists(headSha, org.eclipse.jgit.lib.Constants.OBJ_COMMIT)) {
            throw new HttpError(422, "No commit found for SHA: " + headSha);
        }
        validate(b, true);
        Run run = new Run(f.ids.incrementAndGet(), repo, c.principal.appId(), headSha, f.clock.instant());
        run.name = name;
        run.status = "queued";
        apply(run, b);
        runs.put(run.id, run);
        return Reply.json(201, json(run));
    }

    private Reply update(Call c) {
        Run run = run(c, "write");
        if (run.appId != c.principal.appId()) {
            throw new HttpError(403, "Invalid app_id `" + c.principal.appId() + "` - check run can only be modified by "
                    + "the GitHub App that created it.");
        }
        JsonNode b = c.json();
        validate(b, false);
        apply(run, b);
        return Reply.json(200, json(run));
    }

    private Reply list(Call c) {
        FakeRepo repo = c.requireRepo();
        requireApp(c, "read");
        String ref = c.param("ref");
        Optional<String> sha = ref.matches("[0-9a-f]{40}") ? Optional.of(ref) : repo.head(ref);
        String name = c.query.get("check_name");
        String status = c.query.get("status");
        boolean latest = !"all".equals(c.query.getOrDefault("filter", "latest"));
        List<Run> matching = new ArrayList<>();
        for (Run r : runs(repo)) {
            if (sha.isPresent() && r.headSha.equals(sha.get()) && (name == null || name.equals(r.name))
                    && (status == null || status.equals(r.status))) {
                matching.add(r);
            }
        }
        matching.sort(Comparator.comparingLong(Run::id).reversed());
        if (latest) {
            // "latest returns the most recent check runs": one per name and app.
            Map<String, Run> newest = new LinkedHashMap<>();
            matching.forEach(r -> newest.putIfAbsent(r.name + "\u0000" + r.appId, r));
            matching = new ArrayList<>(newest.values());
        }
        int perPage = Math.max(1, Math.min(100, Integer.parseInt(c.query.getOrDefault("per_page", "30"))));
        List<Object> page = new ArrayList<>();
        matching.stream().limit(perPage).forEach(r -> page.add(json(r)));
        return Reply.json(200, Map.of("total_count", matching.size(), "check_runs", page));
    }

    // ---------------------------------------------------------------- rules

    private void requireApp(Call c, String level) {
        if (c.principal.kind() == Principal.Kind.USER) {
            // GitHub: only GitHub Apps may write check runs; a personal token is refused outright.
            if (level.equals("write")) {
                throw new HttpError(403, "You must authenticate via a GitHub App.");
            }
            c.require(List.of("repo", "public_repo"), "checks", level);
            return;
        }
        c.require(List.of(), "checks", level);
    }

    private Run run(Call c, String level) {
        FakeRepo repo = c.requireRepo();
        requireApp(c, level);
        long id;
        try {
            id = Long.parseLong(c.param("id"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound();
        }
        Run run = runs.get(id);
        if (run == null || run.repo != repo) {
            throw HttpError.notFound();
        }
        return run;
    }

    private static void validate(JsonNode b, boolean create) {
        String status = b.path("status").asText("");
        if (!status.isEmpty() && !STATUSES.contains(status)) {
            throw HttpError.validation("CheckRun", "invalid", "status");
        }
        String conclusion = b.path("conclusion").asText("");
        if (!conclusion.isEmpty() && !CONCLUSIONS.contains(conclusion)) {
            throw HttpError.validation("CheckRun", "invalid", "conclusion");
        }
        if ((status.equals("completed") || b.has("completed_at")) && conclusion.isEmpty()) {
            throw HttpError.validation("CheckRun", "missing_field", "conclusion is required when status is completed");
        }
        JsonNode output = b.path("output");
        if (output.isMissingNode() || output.isNull()) {
            return;
        }
        // Create requires title and summary; update documents title as **Required** too.
        if (!output.path("title").isTextual() || (create && !output.path("summary").isTextual())) {
            throw HttpError.validation("CheckRun", "missing_field", output.path("title").isTextual() ? "summary" : "title");
        }
        for (String field : List.of("summary", "text")) {
            if (output.path(field).isTextual() && length(output.path(field).asText()) > MAX_MARKDOWN) {
                throw new HttpError(422, "Invalid request.\n\nOnly " + MAX_MARKDOWN + " characters are allowed; "
                        + length(output.path(field).asText()) + " were supplied.", List.of(Map.of("resource", "CheckRun",
                        "field", "output." + field, "code", "too_long")), Map.of());
            }
        }
        JsonNode annotations = output.path("annotations");
        if (annotations.size() > MAX_ANNOTATIONS_PER_REQUEST) {
            throw new HttpError(422, "Invalid request.\n\nFor 'properties/annotations', " + annotations.size()
                    + " items were supplied, but at most " + MAX_ANNOTATIONS_PER_REQUEST + " are allowed.",
                    List.of(Map.of("resource", "CheckRun", "field", "output.annotations", "code", "too_long")),
                    Map.of());
        }
        for (JsonNode a : annotations) {
            for (String required : List.of("path", "start_line", "end_line", "annotation_level", "message")) {
                if (a.path(required).isMissingNode() || a.path(required).isNull()) {
                    throw HttpError.validation("CheckRun", "missing_field", "annotation " + required);
                }
            }
            if (!Set.of("notice", "warning", "failure").contains(a.path("annotation_level").asText())) {
                throw HttpError.validation("CheckRun", "invalid", "annotation_level");
            }
            if (a.path("start_line").asInt(0) < 1 || a.path("end_line").asInt(0) < a.path("start_line").asInt(0)) {
                throw HttpError.validation("CheckRun", "invalid", "annotation lines");
            }
            if (a.path("message").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ANNOTATION_MESSAGE
                    || a.path("title").asText("").length() > MAX_ANNOTATION_TITLE) {
                throw HttpError.validation("CheckRun", "too_long", "annotation message or title");
            }
        }
    }

    /** GitHub's character count: code points. */
    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    private void apply(Run run, JsonNode b) {
        if (b.path("name").isTextual()) {
            run.name = b.path("name").asText();
        }
        if (b.path("external_id").isTextual()) {
            run.externalId = b.path("external_id").asText();
        }
        String conclusion = b.path("conclusion").asText("");
        String status = b.path("status").asText("");
        if (!conclusion.isEmpty()) {
            // "Providing conclusion will automatically set the status parameter to completed."
            run.conclusion = conclusion;
            status = "completed";
        }
        if (!status.isEmpty() && !status.equals(run.status)) {
            run.status = status;
            run.statusHistory.add(status);
            if (status.equals("completed")) {
                run.completedAt = f.clock.instant();
            }
        }
        JsonNode output = b.path("output");
        if (output.isObject()) {
            run.title = output.path("title").asText(run.title);
            if (output.path("summary").isTextual()) {
                run.summary = output.path("summary").asText();
            }
            if (output.path("text").isTextual()) {
                run.text = output.path("text").asText();
            }
            // "Each time you update the check run, annotations are appended."
            for (JsonNode a : output.path("annotations")) {
                run.annotations.add(GitHubFake.JSON.convertValue(a, GitHubFake.JSON.getTypeFactory()
                        .constructMapType(LinkedHashMap.class, String.class, Object.class)));
            }
        }
    }

    private Map<String, Object> app(Run r) {
        return appJson(f, r.appId, r.repo.org, r.startedAt);
    }

    /** An App as GitHub shows it in check runs and suites (the {@code integration} object's required fields). */
    static Map<String, Object> appJson(GitHubFake f, long appId, FakeOrg org, Instant at) {
        FakeAuth.App app = f.auth.apps.get(appId);
        String slug = app == null ? "app-" + appId : app.slug();
        return appJson(f, appId, slug, slug, FakeRestJson.org(f, org), at);
    }

    /** An App by its slug, name and owner: one the fake did not register (GitHub Actions). */
    static Map<String, Object> appJson(GitHubFake f, long appId, String slug, String name, Map<String, Object> owner,
                                       Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", appId);
        m.put("slug", slug);
        m.put("node_id", "A_" + appId);
        m.put("owner", owner);
        m.put("name", name);
        m.put("description", null);
        m.put("external_url", f.url() + "/apps/" + slug);
        m.put("html_url", f.url() + "/apps/" + slug);
        m.put("created_at", FakeRestJson.seconds(at));
        m.put("updated_at", FakeRestJson.seconds(at));
        m.put("permissions", Map.of("checks", "write"));
        m.put("events", List.of());
        return m;
    }

    private Map<String, Object> json(Run r) {
        String base = f.url() + "/repos/" + r.repo.fullName();
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("title", r.title);
        output.put("summary", r.summary);
        output.put("text", r.text);
        output.put("annotations_count", r.annotations.size());
        output.put("annotations_url", base + "/check-runs/" + r.id + "/annotations");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id);
        m.put("node_id", "CR_" + r.id);
        m.put("head_sha", r.headSha);
        m.put("name", r.name);
        m.put("external_id", r.externalId);
        m.put("url", base + "/check-runs/" + r.id);
        m.put("html_url", f.url() + "/" + r.repo.fullName() + "/runs/" + r.id);
        m.put("details_url", null);
        m.put("status", r.status);
        m.put("conclusion", r.conclusion);
        m.put("started_at", r.startedAt.toString());
        m.put("completed_at", r.completedAt == null ? null : r.completedAt.toString());
        m.put("output", output);
        m.put("check_suite", Map.of("id", r.id + 1_000_000L));
        m.put("app", app(r));
        m.put("pull_requests", List.of());
        return m;
    }
}
