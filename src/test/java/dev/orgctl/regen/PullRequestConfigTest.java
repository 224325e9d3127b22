package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.hosts.PullRequestOptions;
import dev.orgctl.hosts.PullRequestOptions.MergeMethod;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PullRequestConfigTest {
    static final String FILE = RegenConfigTest.FILE;
    static final RepositoryInfo API = RegenConfigTest.repo("api", List.of(), Visibility.PRIVATE);
    static final RepositoryInfo WEB = RegenConfigTest.repo("web", List.of(), Visibility.PRIVATE);

    static final String YAML = String.join("\n",
            "mode: pull-request",
            "pull_request:",
            "  branch: \"orgctl/<%= repo.name %>\"",
            "  title: \"chore: regenerate from <%= templates.short_rev %>\"",
            "  labels: [orgctl, chore]",
            "  reviewers: octocat",
            "  team_reviewers: [platform]",
            "  draft: true",
            "  auto_merge: squash",
            "repos:",
            "  api:",
            "    pull_request:",
            "      labels: [api]",
            "      draft: false",
            "      auto_merge: false",
            "");

    @Test
    void withoutABlockEveryRepositoryKeepsTodaysPullRequest() {
        RegenConfig c = RegenConfig.parse(FILE, "mode: pull-request\n");
        assertThat(c.pullRequestFor(API)).isEqualTo(PullRequestConfig.EMPTY);
        assertThat(c.pullRequestFor(API).options()).isEqualTo(PullRequestOptions.NONE);
        assertThat(RegenConfig.defaults().pullRequestFor(API).options().any()).isFalse();
    }

    @Test
    void theOrganizationsBlockAppliesAndARepositoryOverridesKeyByKey() {
        RegenConfig c = RegenConfig.parse(FILE, YAML);

        PullRequestOptions web = c.pullRequestFor(WEB).options();
        assertThat(web.labels()).containsExactly("orgctl", "chore");
        assertThat(web.reviewers()).containsExactly("octocat");
        assertThat(web.teamReviewers()).containsExactly("platform");
        assertThat(web.assignees()).isEmpty();
        assertThat(web.draft()).isTrue();
        assertThat(web.autoMerge()).contains(MergeMethod.SQUASH);

        PullRequestConfig api = c.pullRequestFor(API);
        assertThat(api.options().labels()).containsExactly("api"); // a list replaces, it does not merge
        assertThat(api.options().reviewers()).containsExactly("octocat");
        assertThat(api.options().draft()).isFalse();
        assertThat(api.options().autoMerge()).isEmpty(); // auto_merge: false switches the org's off
        assertThat(api.branch().orElseThrow().render(Map.of("repo", Map.of("name", "api")))).isEqualTo("orgctl/api");
        assertThat(api.title().orElseThrow().line()).isEqualTo(4);
    }

    @Test
    void autoMergeTakesTrueOrAMergeMethod() {
        assertThat(RegenConfig.parse(FILE, "pull_request:\n  auto_merge: true\n").pullRequestFor(WEB).options()
                .autoMerge()).contains(MergeMethod.MERGE);
        assertThat(RegenConfig.parse(FILE, "pull_request:\n  auto_merge: rebase\n").pullRequestFor(WEB).options()
                .autoMerge()).contains(MergeMethod.REBASE);
        assertThat(RegenConfig.parse(FILE, "pull_request: {}\n").pullRequestFor(WEB).autoMerge())
                .isEqualTo(Optional.empty());
    }

    @Test
    void errorsNameTheFileTheLineAndTheKey() {
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "pull_request:\n  lables: [x]\n"))
                .hasMessage(FILE + " line 2: pull_request: unknown key 'lables' (expected branch, title, body, "
                        + "message, labels, reviewers, team_reviewers, assignees, draft, auto_merge)");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "repos:\n  api:\n    pull_request:\n      auto_merge: yes-please\n"))
                .hasMessage(FILE + " line 4: repos.api.pull_request.auto_merge: unknown merge method 'yes-please' "
                        + "(expected merge, squash or rebase)");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "pull_request:\n  draft: sometimes\n"))
                .hasMessage(FILE + " line 2: pull_request.draft: expected true or false");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "pull_request:\n  reviewers: [\"octo cat\"]\n"))
                .hasMessage(FILE + " line 2: pull_request.reviewers: 'octo cat' is not a GitHub login");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "pull_request:\n  title: \"\"\n"))
                .hasMessage(FILE + " line 2: pull_request.title: must not be empty (leave the key out for orgctl's "
                        + "default)");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "\npull_request:\n  title: \"<% if %>\"\n"))
                .hasMessageStartingWith(FILE + " line 3: pull_request.title: ").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "pull_request: [a]\n"))
                .hasMessageStartingWith(FILE + " line 1: pull_request: expected a map");
    }

    @Test
    void anUnknownVariableIsAnErrorOfTheKeyWhenRendered() {
        PullRequestConfig c = RegenConfig.parse(FILE, "pull_request:\n  labels: x\n  body: \"<%= nope %>\"\n")
                .pullRequestFor(WEB);
        assertThatThrownBy(() -> c.body().orElseThrow().render(Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessageStartingWith(FILE + " line 3: pull_request.body: ").hasMessageContaining("nope");
    }

    @Test
    void theFingerprintChangesWithWhatIsSentAfterOpeningNotWithDraft() {
        PullRequestOptions a = RegenConfig.parse(FILE, YAML).pullRequestFor(WEB).options();
        PullRequestOptions b = new PullRequestOptions(a.labels(), a.reviewers(), a.teamReviewers(), a.assignees(),
                false, a.autoMerge());
        PullRequestOptions c = new PullRequestOptions(List.of("orgctl"), a.reviewers(), a.teamReviewers(),
                a.assignees(), a.draft(), a.autoMerge());
        assertThat(b.fingerprint()).isEqualTo(a.fingerprint());
        assertThat(c.fingerprint()).isNotEqualTo(a.fingerprint());
        PullRequestOptions d = new PullRequestOptions(a.labels(), a.reviewers(), a.teamReviewers(), a.assignees(),
                a.draft(), Optional.of(MergeMethod.MERGE));
        assertThat(d.fingerprint()).isNotEqualTo(a.fingerprint());
    }
}
