package dev.orgctl.demo;

import dev.orgctl.controller.PreviewStore;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's preview step: a person proposes a template change on a branch; the controller
 * previews it (git backend: {@link PreviewStore}, what {@code orgctl regen preview BRANCH} prints).
 * A typo fails the preview naming the template's line, the fix shows the organization-wide diff
 * as one group, nothing is written to any repository until the merge rolls it out.
 */
final class PreviewStep {
    static final String BRANCH = "ci-run-name";
    private static final String BROKEN_LINE = "run-name: ci of <%= repo.nmae %>";
    private static final String FIXED_LINE = "run-name: ci of ${{ github.ref_name }}";

    private final Demo demo;
    private final Person person;
    private final PreviewStore previews;

    PreviewStep(Demo demo, Person person, PreviewStore previews) {
        this.demo = demo;
        this.person = person;
        this.previews = previews;
    }

    /** Acts the step out; returns what it proved. */
    String run() {
        Map<String, String> before = demo.heads();
        String broken = person.editOnBranch(demo.gitDir(".github"), BRANCH, Demo.CI_TEMPLATE,
                t -> t.replaceFirst("(?m)^name: ci\\n", "name: ci\n" + BROKEN_LINE + "\n"), "CI: name each run");
        demo.say(person.name() + " pushed " + Demo.shortId(broken) + " to the branch " + BRANCH + " of "
                + demo.org() + "/.github (with a typo)");
        PreviewStore.Report failed = awaitPreview(broken);
        String where = Demo.CI_TEMPLATE + " line 2";
        if (!"failure".equals(failed.conclusion()) || !failed.report().contains(where)) {
            throw new DemoFailure("the preview of a template with a typo did not fail naming " + where + ": "
                    + failed.conclusion() + ", " + failed.summary());
        }
        demo.say("preview: failure, " + line(failed.report(), where).strip().replaceFirst("^- ", ""));
        requireUnchanged(before);

        String fixed = person.editOnBranch(demo.gitDir(".github"), BRANCH, Demo.CI_TEMPLATE,
                t -> t.replace(BROKEN_LINE, FIXED_LINE), "CI: fix the typo");
        demo.say(person.name() + " pushed the fix " + Demo.shortId(fixed) + " to " + BRANCH);
        PreviewStore.Report ok = awaitPreview(fixed);
        int n = demo.repos().size();
        String group = "The same change in " + n + " repositories";
        if (!"success".equals(ok.conclusion()) || !ok.report().contains(group) || !ok.report().contains("+" + FIXED_LINE)) {
            throw new DemoFailure("the preview of the fixed change is not one change in all " + n + " repositories: "
                    + ok.conclusion() + ", " + ok.summary());
        }
        demo.say("preview: success, " + ok.summary());
        demo.say(group.toLowerCase(java.util.Locale.ROOT) + ":");
        diffOfFirstGroup(ok.report()).lines().forEach(l -> demo.say("  " + l));
        requireUnchanged(before);

        String merged = person.merge(demo.gitDir(".github"), BRANCH);
        demo.say(person.name() + " merged " + BRANCH + " (" + Demo.shortId(merged) + ")");
        demo.awaitRollout(merged, before);
        if (!demo.readFile(demo.repos().get(0), Demo.CI).contains(FIXED_LINE)) {
            throw new DemoFailure("the merged change is not in " + demo.repos().get(0) + "'s " + Demo.CI);
        }
        return "a proposed template change was previewed before merge: its typo failed naming " + where
                + ", its fix showed one change for all " + n + " repositories, and nothing was written until the merge";
    }

    private PreviewStore.Report awaitPreview(String head) {
        Optional<PreviewStore.Report>[] seen = new Optional[] {Optional.empty()};
        demo.waitFor("the preview of " + Demo.shortId(head), () -> {
            seen[0] = previews.read(demo.org(), BRANCH).filter(r -> r.head().equals(head));
            return seen[0].isPresent();
        });
        PreviewStore.Report r = seen[0].orElseThrow();
        if ("error".equals(r.conclusion())) {
            throw new DemoFailure("the preview of " + Demo.shortId(head) + " could not be made: " + r.summary());
        }
        return r;
    }

    private void requireUnchanged(Map<String, String> before) {
        if (!demo.heads().equals(before)) {
            throw new DemoFailure("a repository changed while its change was only previewed");
        }
    }

    private static String line(String report, String containing) {
        return report.lines().filter(l -> l.contains(containing)).findFirst().orElse(containing);
    }

    /** The first diff of the report, without its fence. */
    private static String diffOfFirstGroup(String report) {
        int start = report.indexOf("```diff\n");
        if (start < 0) {
            return "";
        }
        int end = report.indexOf("\n```", start + 8);
        return report.substring(start + 8, end < 0 ? report.length() : end);
    }
}
