package dev.orgctl.regen;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.PullRequestOptions;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;

/**
 * The branch, title, body and commit message of a repository's proposal, from its
 * {@code pull_request} settings ({@link PullRequestConfig}) or orgctl's defaults.
 *
 * <p>Title, body and message templates see the file templates' values plus {@code files} (each
 * changed file's {@code path}, {@code action}, {@code note}, {@code set}), {@code sets},
 * {@code summary} and {@code templates.rev} / {@code templates.short_rev}. The branch sees only the
 * file templates' values: a branch name that changed with every revision would open a new pull
 * request at every template push and leave the old ones behind. Whatever the message template
 * says, the subject carries {@code [skip-regen]} and the trailers end the message: they are how
 * orgctl knows its own commits.
 */
public final class ProposalTexts {
    private final TemplateSnapshot templates;
    private final String defaultBranch;

    /** @param defaultBranch the branch when {@code orgctl.yaml} names none ({@code orgctl/regenerate}) */
    public ProposalTexts(TemplateSnapshot templates, String defaultBranch) {
        this.templates = templates;
        this.defaultBranch = defaultBranch;
    }

    /**
     * What {@code regen plan} says of a pull-request-mode repository with changes: where the proposal
     * goes and what its pull request would carry; whether the repository allows auto-merge is known
     * only when applying (a read the plan does not spend).
     */
    public String planLine(RepositoryInfo repo) {
        PullRequestOptions o = templates.config().pullRequestFor(repo).options();
        StringBuilder sb = new StringBuilder("proposal on ").append(branch(repo));
        if (!o.labels().isEmpty()) {
            sb.append("; labels ").append(String.join(", ", o.labels()));
        }
        List<String> reviewers = new ArrayList<>(o.reviewers());
        o.teamReviewers().forEach(t -> reviewers.add(repo.org() + "/" + t));
        if (!reviewers.isEmpty()) {
            sb.append("; reviewers ").append(String.join(", ", reviewers));
        }
        if (!o.assignees().isEmpty()) {
            sb.append("; assignees ").append(String.join(", ", o.assignees()));
        }
        if (o.draft()) {
            sb.append("; draft");
        }
        o.autoMerge().ifPresent(m -> sb.append("; auto-merge (").append(m.name().toLowerCase(Locale.ROOT))
                .append(") if ").append(repo.fullName()).append(" allows it"));
        return sb.toString();
    }

    /** The repository's proposal branch. */
    String branch(RepositoryInfo repo) {
        PullRequestConfig pr = templates.config().pullRequestFor(repo);
        if (pr.branch().isEmpty()) {
            return defaultBranch;
        }
        ConfigTemplate t = pr.branch().get();
        String b = t.render(base(repo)).strip();
        if (b.isEmpty() || !Repository.isValidRefName(Constants.R_HEADS + b)) {
            throw new TemplateException(t.file(), t.line(), t.key() + ": '" + b + "' is not a valid branch name");
        }
        if (b.equals(repo.defaultBranch())) {
            throw new TemplateException(t.file(), t.line(), t.key() + ": '" + b + "' is the default branch of "
                    + repo.fullName() + "; the proposal needs a branch of its own");
        }
        return b;
    }

    /** The proposal for a plan with changes. */
    ProposalRequest request(RepoPlan plan, RunContext ctx, CommitIdentity identity) {
        RepositoryInfo repo = plan.repo();
        PullRequestConfig pr = templates.config().pullRequestFor(repo);
        Map<String, Object> values = values(plan);
        String message = pr.message().isEmpty() ? Provenance.commitMessage(plan, ctx)
                : Provenance.commitMessage(oneText(pr.message().get(), values, true), plan, ctx);
        String title = pr.title().isEmpty() ? message.split("\n", 2)[0] : oneText(pr.title().get(), values, false);
        String body = pr.body().isEmpty() ? defaultBody(plan) : pr.body().get().render(values);
        return new ProposalRequest(plan.branch(), plan.baseCommit().orElseThrow(), branch(repo), title, body, message,
                plan.changes(), identity, pr.options());
    }

    private static String oneText(ConfigTemplate t, Map<String, Object> values, boolean multiline) {
        String s = t.render(values).strip();
        if (s.isEmpty()) {
            throw new TemplateException(t.file(), t.line(), t.key() + ": renders to nothing");
        }
        return multiline ? s : s.replaceAll("\\s*\\R\\s*", " ");
    }

    private Map<String, Object> base(RepositoryInfo repo) {
        return TemplateValues.of(repo, templates.templatesRepo().fullName(), templates.config().variablesFor(repo));
    }

    private Map<String, Object> values(RepoPlan plan) {
        Map<String, Object> v = base(plan.repo());
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("repo", plan.templatesRepo());
        t.put("rev", plan.templateRev());
        t.put("short_rev", Headers.shortRev(plan.templateRev()));
        v.put("templates", t);
        List<Object> files = new ArrayList<>();
        for (FilePlan f : plan.allFiles()) {
            if (f.action().changes()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("path", f.path());
                m.put("action", f.action().label());
                m.put("note", f.note());
                m.put("set", f.set());
                files.add(m);
            }
        }
        v.put("files", files);
        v.put("sets", List.copyOf(templates.setsFor(plan.repo())));
        v.put("summary", plan.summary());
        return v;
    }

    /** Today's body: where the files come from, what changes and why. */
    static String defaultBody(RepoPlan plan) {
        StringBuilder sb = new StringBuilder();
        sb.append("orgctl regenerated the files it manages from ").append(plan.templatesRepo()).append('@')
                .append(Headers.shortRev(plan.templateRev())).append(".\n\n");
        for (FilePlan f : plan.allFiles()) {
            if (f.action().changes() || f.action() == FileAction.DRIFT_REPORTED || f.action() == FileAction.REFUSED) {
                sb.append("- ").append(f.action().label()).append(" `").append(f.path()).append('`');
                if (!f.note().isEmpty()) {
                    sb.append(" (").append(f.note()).append(')');
                }
                sb.append('\n');
            }
        }
        sb.append("\nThis pull request is kept up to date by orgctl; merge it to apply the changes.\n");
        return sb.toString();
    }
}
