package dev.orgctl.regen;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A realistic templates repository (what docs/templates.md walks through): a CI workflow full of
 * GitHub Actions expressions, CODEOWNERS, dependabot.yml, a pull-request template, a managed
 * block in the README and a create-only licence. Used by {@code orgctl bench regen}, and
 * available to the demo and to tests.
 */
public final class SampleTemplates {
    private SampleTemplates() {
    }

    public static final String ORGCTL_YAML = String.join("\n",
            "# Which repositories get which files. Reference: docs/templates.md",
            "version: 1",
            "mode: direct",
            "variables:",
            "  owners: \"@acme/platform\"",
            "  java_version: 21",
            "groups:",
            "  java:",
            "    select: { topics: [java] }",
            "    variables: { build: maven }",
            "sets:",
            "  github:",
            "    files:",
            "      README.md: managed-block",
            "      LICENSE: create-only",
            "",
            "");

    public static final String CI_WORKFLOW = String.join("\n",
            "name: ci",
            "on:",
            "  push:",
            "    branches: [<%= repo.default_branch %>]",
            "  pull_request:",
            "jobs:",
            "  build:",
            "    runs-on: ${{ matrix.os }}",
            "    strategy:",
            "      matrix:",
            "        os: [ubuntu-latest]",
            "    if: ${{ github.event_name == 'push' || !github.event.pull_request.draft }}",
            "    steps:",
            "      - uses: actions/checkout@v4",
            "<% if vars.build | default(\"make\") == \"maven\" %>",
            "      - uses: actions/setup-java@v4",
            "        with:",
            "          distribution: temurin",
            "          java-version: <%= vars.java_version %>",
            "          cache: maven",
            "      - run: mvn -B verify",
            "<% else %>",
            "      - run: make test",
            "<% end %>",
            "        env:",
            "          TOKEN: ${{ secrets.GITHUB_TOKEN }}",
            "          REPO: <%= repo.full_name %>",
            "");

    public static final String CODEOWNERS = "* <%= vars.owners %>\n.github/ <%= vars.owners %>\n";

    public static final String DEPENDABOT = String.join("\n",
            "version: 2",
            "updates:",
            "  - package-ecosystem: github-actions",
            "    directory: /",
            "    schedule: { interval: weekly }",
            "<% if vars.build | default(\"make\") == \"maven\" %>",
            "  - package-ecosystem: maven",
            "    directory: /",
            "    schedule: { interval: weekly }",
            "<% end %>",
            "");

    public static final String PR_TEMPLATE = String.join("\n",
            "## What and why",
            "",
            "## How it was tested",
            "",
            "- [ ] CI is green on `${{ github.head_ref }}`-style branches too",
            "",
            "Reviewers: <%= vars.owners %>",
            "");

    public static final String README_BLOCK = String.join("\n",
            "## Maintainers",
            "",
            "<%= repo.name %> is maintained by <%= vars.owners %>. Topics: <%= repo.topics | join(\", \") "
                    + "| default(\"none\") %>.",
            "");

    public static final String LICENSE = "Copyright (c) <%= org %>\n\nAll rights reserved unless stated otherwise.\n";

    /** The templates repository's files: {@code orgctl.yaml} and {@code templates/github/...}. */
    public static Map<String, String> files() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(RegenConfig.FILE, ORGCTL_YAML);
        f.put("templates/github/.github/workflows/ci.yml", CI_WORKFLOW);
        f.put("templates/github/.github/CODEOWNERS", CODEOWNERS);
        f.put("templates/github/.github/dependabot.yml", DEPENDABOT);
        f.put("templates/github/.github/pull_request_template.md", PR_TEMPLATE);
        f.put("templates/github/README.md", README_BLOCK);
        f.put("templates/github/LICENSE", LICENSE);
        return f;
    }
}
