package dev.orgctl.controller;

import dev.orgctl.controller.Classification.Drift;
import dev.orgctl.controller.Classification.Irrelevant;
import dev.orgctl.controller.Classification.NewRepository;
import dev.orgctl.controller.Classification.OwnCommit;
import dev.orgctl.controller.Classification.TemplateChange;
import dev.orgctl.controller.Classification.TemplatePreview;
import dev.orgctl.controller.GitHubEvent.Commit;
import dev.orgctl.controller.GitHubEvent.Push;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what a delivery means: template change, drift, new repository, orgctl's own commit, a CI
 * result, or irrelevant. Pure: what it needs to know about orgctl's own commits and owned files comes in
 * through {@link Knowledge}, so the rules are testable without NATS or git.
 */
public final class EventClassifier {
    private static final Set<String> PREVIEW_ACTIONS = Set.of("opened", "synchronize", "reopened");
    private static final Set<String> NEW_REPO_ACTIONS = Set.of("created", "transferred", "unarchived", "publicized",
            "privatized");

    /** What the classifier asks of the rest of the system. */
    public interface Knowledge {
        /** The templates repository's name in this org (default {@code .github}). */
        String templatesRepo(String org);

        /** True when orgctl created this commit (recorded when it was made; trailers are a fallback). */
        boolean isOwnCommit(String org, String repo, Commit commit);

        /** The paths orgctl owns in this repository at this commit (its ownership manifest there); empty when unknown. */
        Set<String> ownedPaths(String org, String repo, String commit);
    }

    private final Knowledge knowledge;

    public EventClassifier(Knowledge knowledge) {
        this.knowledge = knowledge;
    }

    public Classification classify(GitHubEvent e) {
        if (e.org().isEmpty()) {
            return new Irrelevant("no organization in the delivery");
        }
        String org = e.org().get();
        if (e.ci().isPresent() && e.repo().isPresent()) {
            return new Classification.CiReport(org, e.repo().get(), e.ci().get(), e.runEnd());
        }
        if ("repository".equals(e.event())) {
            if (e.repo().isPresent() && e.action().map(NEW_REPO_ACTIONS::contains).orElse(false)) {
                return new NewRepository(org, e.repo().get());
            }
            return new Irrelevant("repository " + e.action().orElse("event") + " needs nothing");
        }
        if ("pull_request".equals(e.event()) || "check_suite".equals(e.event())) {
            return preview(org, e);
        }
        if (!"push".equals(e.event()) || e.push().isEmpty() || e.repo().isEmpty()) {
            return new Irrelevant(e.event() + " events need nothing");
        }
        String repo = e.repo().get();
        Push push = e.push().get();
        String branch = e.defaultBranch().orElse("main");
        if (!push.ref().equals("refs/heads/" + branch)) {
            if (repo.equals(knowledge.templatesRepo(org)) && push.ref().startsWith("refs/heads/")) {
                return new TemplatePreview(org, push.ref().substring("refs/heads/".length()), push.after(),
                        push.deleted());
            }
            return new Irrelevant("push to " + push.ref() + ", not the default branch " + branch);
        }
        if (push.deleted()) {
            return new Irrelevant("branch deleted");
        }
        List<Commit> foreign = push.commits().stream().filter(c -> !knowledge.isOwnCommit(org, repo, c)).toList();
        boolean truncated = push.commits().size() >= GitHubEvent.MAX_LISTED_COMMITS;
        if (!push.commits().isEmpty() && foreign.isEmpty()) {
            return new OwnCommit(org, repo, push.commits().stream().map(Commit::id).toList());
        }
        Set<String> paths = Push.touchedPaths(foreign);
        if (repo.equals(knowledge.templatesRepo(org))) {
            Set<String> templatePaths = paths.stream().filter(EventClassifier::isTemplatePath)
                    .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
            if (!templatePaths.isEmpty() || truncated || push.commits().isEmpty() && push.created()) {
                Optional<String> previous = push.before().isEmpty() || push.before().matches("0+") ? Optional.empty()
                        : Optional.of(push.before());
                return new TemplateChange(org, push.after(), previous, templatePaths);
            }
            return new Irrelevant("templates repository push touched no template");
        }
        // What orgctl owned before the push: a push that deletes the manifest itself is still drift.
        String ownershipAt = push.before().isEmpty() || push.before().matches("0+") ? push.after() : push.before();
        Set<String> ownedNow = paths.isEmpty() ? Set.of() : knowledge.ownedPaths(org, repo, ownershipAt);
        Set<String> owned = paths.stream().filter(ownedNow::contains)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        Optional<String> afterOwn = ownParent(org, repo, push);
        if (!owned.isEmpty() || truncated) {
            return new Drift(org, repo, owned, push.after(), afterOwn);
        }
        return new Irrelevant("push touched no file orgctl owns");
    }

    /**
     * A pull request to the templates repository: opened, synchronize, reopened, or a check suite
     * rerequested. Only pull requests from a branch of the templates repository itself: a fork's
     * head is someone else's code, and a preview reads every repository of the org with orgctl's
     * credentials, so a fork's pull request is never rendered.
     */
    private Classification preview(String org, GitHubEvent e) {
        String action = e.action().orElse("");
        boolean wanted = "pull_request".equals(e.event()) ? PREVIEW_ACTIONS.contains(action) : "rerequested".equals(action);
        if (!wanted) {
            return new Irrelevant(e.event() + " " + action + " needs nothing");
        }
        if (e.repo().isEmpty() || !e.repo().get().equals(knowledge.templatesRepo(org))) {
            return new Irrelevant(e.event() + " outside the templates repository");
        }
        Optional<GitHubEvent.PullHead> pull = e.pulls().stream()
                .filter(p -> p.sameRepository() && p.headSha().matches("[0-9a-f]{40}") && !p.baseRef().isEmpty())
                .findFirst();
        if (pull.isEmpty()) {
            return new Irrelevant(e.event() + " " + action + " names no pull request from a branch of the templates "
                    + "repository (pull requests from forks are not previewed)");
        }
        GitHubEvent.PullHead p = pull.get();
        return new Classification.Preview(org, p.number(), p.headSha(), p.baseRef(),
                p.before().filter(b -> !b.matches("0+")), "check_suite".equals(e.event()));
    }

    /** The push's base, when orgctl made it: a reaction to orgctl's own commit. */
    private Optional<String> ownParent(String org, String repo, Push push) {
        Commit base = new Commit(push.before(), "", List.of(), List.of(), List.of());
        return knowledge.isOwnCommit(org, repo, base) ? Optional.of(push.before()) : Optional.empty();
    }

    public static boolean isTemplatePath(String path) {
        return path.startsWith("templates/") || path.equals("orgctl.yaml") || path.equals("orgctl.yml");
    }
}
