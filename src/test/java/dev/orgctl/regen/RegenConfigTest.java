package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegenConfigTest {
    static final String FILE = "acme/.github:orgctl.yaml";
    static final String EXAMPLE = String.join("\n",
            "version: 1",
            "mode: direct",
            "defaults:",
            "  drift: repair",
            "variables:",
            "  security_contact: security@acme.example",
            "  ci: { java: 17, node: 20 }",
            "groups:",
            "  java-services:",
            "    select:",
            "      topics: [java]",
            "      names: [\"svc-*\", api]",
            "    variables:",
            "      ci: { java: 21 }",
            "repos:",
            "  api:",
            "    variables:",
            "      owners: \"@acme/api-team\"",
            "    mode: pull-request",
            "sets:",
            "  ci:",
            "    targets:",
            "      visibility: [public, private]",
            "      exclude: [\"sandbox-*\"]",
            "    files:",
            "      .github/workflows/release.yml: { drift: report }",
            "      \".github/workflows/*.yml\": overwrite",
            "      README.md: managed-block",
            "  java:",
            "    targets:",
            "      groups: [java-services]",
            "    policy: create-only",
            "    header: false",
            "  everything:",
            "");

    static RepositoryInfo repo(String name, List<String> topics, Visibility v) {
        return new RepositoryInfo(new RepoRef("acme", name), "main", topics, v, false, Optional.empty());
    }

    @Test
    void parsesTheDocumentedExample() {
        RegenConfig c = RegenConfig.parse(FILE, EXAMPLE);
        RepositoryInfo api = repo("api", List.of("java"), Visibility.PRIVATE);
        RepositoryInfo svc = repo("svc-billing", List.of("go"), Visibility.PUBLIC);
        RepositoryInfo sandbox = repo("sandbox-1", List.of("java"), Visibility.PUBLIC);
        RepositoryInfo internal = repo("svc-internal", List.of("java"), Visibility.INTERNAL);

        assertThat(c.groupsOf(api)).containsExactly("java-services");
        assertThat(c.groupsOf(svc)).isEmpty(); // names match but not the topic: criteria are ANDed
        assertThat(c.targets("ci", api)).isTrue();
        assertThat(c.targets("ci", sandbox)).isFalse();
        assertThat(c.targets("ci", internal)).isFalse();
        assertThat(c.targets("java", api)).isTrue();
        assertThat(c.targets("java", svc)).isFalse();
        assertThat(c.targets("everything", sandbox)).isTrue();
        assertThat(c.targets("undeclared", sandbox)).isTrue();

        assertThat(c.modeFor(api)).isEqualTo(CommitMode.PULL_REQUEST);
        assertThat(c.modeFor(svc)).isEqualTo(CommitMode.DIRECT);

        Map<String, Object> vars = c.variablesFor("ci", api);
        assertThat(vars).containsEntry("security_contact", "security@acme.example")
                .containsEntry("owners", "@acme/api-team");
        assertThat(vars.get("ci")).isEqualTo(Map.of("java", 21L, "node", 20L)); // group wins, maps merge
        assertThat(c.variablesFor("ci", svc).get("ci")).isEqualTo(Map.of("java", 17L, "node", 20L));

        assertThat(c.fileSettings("ci", ".github/workflows/release.yml"))
                .isEqualTo(new RegenConfig.FileSettings(Policy.OVERWRITE, DriftPolicy.REPORT, true));
        assertThat(c.fileSettings("ci", ".github/workflows/build.yml"))
                .isEqualTo(new RegenConfig.FileSettings(Policy.OVERWRITE, DriftPolicy.REPAIR, true));
        assertThat(c.fileSettings("ci", "README.md").policy()).isEqualTo(Policy.MANAGED_BLOCK);
        assertThat(c.fileSettings("java", "pom.xml"))
                .isEqualTo(new RegenConfig.FileSettings(Policy.CREATE_ONLY, DriftPolicy.REPAIR, false));
    }

    @Test
    void theDefaultsApplyEverySetToEveryRepository() {
        RegenConfig c = RegenConfig.defaults();
        assertThat(c.fromFile()).isFalse();
        assertThat(c.targets("any", repo("x", List.of(), Visibility.INTERNAL))).isTrue();
        assertThat(c.fileSettings("any", "a.yml"))
                .isEqualTo(new RegenConfig.FileSettings(Policy.OVERWRITE, DriftPolicy.REPAIR, true));
        // A file with nothing but its version is the defaults too (an empty file is an error: see below).
        assertThat(RegenConfig.parse(FILE, "version: 1\n").fromFile()).isTrue();
        assertThat(RegenConfig.parse(FILE, "# only a version\nversion: 1\n").declaredSets()).isEmpty();
    }

    @Test
    void errorsNameTheFileTheLineAndTheKey() {
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    targets:\n      topic: [java]\n"))
                .isInstanceOf(TemplateException.class)
                .hasMessage(FILE + " line 4: sets.ci.targets: unknown key 'topic' (expected all, names, topics, "
                        + "visibility, groups, exclude)");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    files:\n      a.yml:\n        policy: clobber\n"))
                .hasMessage(FILE + " line 5: sets.ci.files.a.yml.policy: unknown policy 'clobber': expected overwrite, "
                        + "create-only or managed-block");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "mode: sometimes\n"))
                .hasMessageContaining("line 1: mode: unknown mode 'sometimes'");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    targets:\n      groups: [nope]\n"))
                .hasMessageContaining("line 4: sets.ci.targets.groups: unknown group 'nope'");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci: [a, b]\n"))
                .hasMessageContaining("line 2: sets.ci: expected a map");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "variables:\n  a: 1\nsets:\n  ci:\n    targets: {visibility: secret}\n"))
                .hasMessageContaining("line 5: sets.ci.targets.visibility: unknown visibility 'secret'");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "version: 2\n")).hasMessageContaining("line 1: version");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "colour: blue\n"))
                .hasMessageContaining("line 1: unknown key 'colour'");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    header: maybe\n"))
                .hasMessageContaining("line 3: sets.ci.header: expected true or false");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "groups:\n  g:\n    variables: {}\n"))
                .hasMessageContaining("line 3: groups.g: a group needs 'select'");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    targets: [a\n  other: x\n"))
                .isInstanceOf(TemplateException.class)
                .hasMessageStartingWith(FILE + " line ")
                .hasMessageContaining("not valid YAML")
                .satisfies(e -> assertThat(((TemplateException) e).line()).isPresent());
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "a: 1\na: 2\n")).hasMessageContaining("line 2")
                .hasMessageContaining("'a' appears twice");
    }

    @Test
    void yamlSyntaxErrorsGiveTheParsersProblemAtItsLine() {
        // A tab used for indentation is on line 3 (the parser's location said line 2).
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n\ttargets: all\n"))
                .hasMessage(FILE + " line 3: not valid YAML: found character 'tab' that cannot start any token. "
                        + "(Do not use tab for indentation) (column 1), while scanning for the next token");
        // The problem, not only the construct the parser was reading ("while parsing a flow sequence").
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    targets: [a\n  other: x\n"))
                .hasMessage(FILE + " line 4: not valid YAML: expected ',' or ']', but got : (column 8), while "
                        + "parsing a flow sequence that starts on line 3");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "mode: 'direct\nheader: true\n"))
                .hasMessageContaining("found unexpected end of stream").hasMessageNotContaining("\n");
    }

    @Test
    void anEmptyOrgctlYamlIsAnErrorNotTheDefaults() {
        for (String empty : new String[] {"", "\n\n", "# nothing yet\n", "---\n"}) {
            assertThatThrownBy(() -> RegenConfig.parse(FILE, empty)).as("'%s'", empty)
                    .isInstanceOf(TemplateException.class)
                    .hasMessage(FILE + ": the file is empty (or only comments): write its settings, or delete it "
                            + "for the defaults (every set to every repository)");
        }
    }

    @Test
    void aSingleValueWhereAListIsExpectedIsAOneItemListForEveryKey() {
        RegenConfig c = RegenConfig.parse(FILE, "groups:\n  g:\n    select: {topics: java}\n"
                + "sets:\n  ci:\n    targets:\n      names: \"svc-*\"\n      topics: java\n"
                + "      visibility: public\n      groups: g\n      exclude: svc-legacy\n");
        Selector t = c.set("ci").targets();
        assertThat(t.names()).extracting(Glob::pattern).containsExactly("svc-*");
        assertThat(t.topics()).containsExactly("java");
        assertThat(t.visibility()).containsExactly(Visibility.PUBLIC);
        assertThat(t.groups()).containsExactly("g");
        assertThat(t.exclude()).extracting(Glob::pattern).containsExactly("svc-legacy");
        assertThat(c.groups().get("g").select().topics()).containsExactly("java");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    targets:\n      names: {a: 1}\n"))
                .hasMessageContaining("line 4: sets.ci.targets.names: expected a text value or a list of them");
        assertThatThrownBy(() -> RegenConfig.parse(FILE, "sets:\n  ci:\n    targets:\n      names:\n"))
                .hasMessageContaining("sets.ci.targets.names: expected a text value or a list of them");
    }

    @Test
    void globs() {
        assertThat(Glob.of("svc-*").matches("svc-a")).isTrue();
        assertThat(Glob.of("svc-*").matches("svc-a/b")).isFalse();
        assertThat(Glob.of("**/*.yml").matches("a/b/c.yml")).isTrue();
        assertThat(Glob.of("**/*.yml").matches("c.yml")).isTrue();
        assertThat(Glob.of("a?c").matches("abc")).isTrue();
        assertThat(Glob.of("a.c").matches("abc")).isFalse();
        assertThat(Glob.of(".github").matches(".github")).isTrue();
    }
}
