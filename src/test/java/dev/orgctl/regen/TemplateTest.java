package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TemplateTest {
    static final RepositoryInfo API = new RepositoryInfo(new RepoRef("acme", "api"), "main",
            List.of("java", "service"), Visibility.PRIVATE, false, Optional.of("Java"));

    static Map<String, Object> values(Map<String, Object> vars) {
        return TemplateValues.of(API, "acme/.github", vars);
    }

    static String render(String template) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("team", "@acme/api");
        vars.put("oses", List.of("ubuntu-latest", "macos-latest"));
        vars.put("java", Map.of("version", 21L));
        vars.put("empty", "");
        return Template.parse("templates/ci/t.yml", template).render(values(vars));
    }

    @Test
    void insertsBuiltInsAndValues() {
        assertThat(render("<%= org %>/<%= repo.name %> <%= repo.full_name %> <%= repo.default_branch %> "
                + "<%= repo.visibility %> <%= repo.language %> <%= templates.repo %> <%= vars.team %> "
                + "<%= vars.java.version %>"))
                .isEqualTo("acme/api acme/api main private Java acme/.github @acme/api 21");
        assertThat(render("[<%=repo.name%>]")).isEqualTo("[api]");
    }

    /** GitHub Actions expressions are not orgctl syntax: they pass through byte for byte. */
    @Test
    void githubActionsExpressionsPassThroughUntouched() {
        String workflow = String.join("\n",
                "# CI for <%= repo.name %>",
                "name: ci",
                "on: [push, pull_request]",
                "jobs:",
                "  build:",
                "    if: ${{ github.event_name == 'push' || github.event.pull_request.head.repo.fork == false }}",
                "    runs-on: ${{ matrix.os }}",
                "    strategy:",
                "      matrix:",
                "        os: [<%= vars.oses | join(\", \") %>]",
                "    steps:",
                "      - uses: actions/checkout@v4",
                "      - run: echo \"${{ secrets.X }}\" ${{secrets.TOKEN}} ${{ env.HOME }} ${HOME} $HOME",
                "      - run: echo '{{ .Version }}' '{% raw %}' '{{' '}}' '%>' '<' '%'",
                "        env:",
                "          KEY: ${{ hashFiles('**/pom.xml') }}-${{ runner.os }}",
                "");
        String expected = workflow.replace("<%= repo.name %>", "api")
                .replace("<%= vars.oses | join(\", \") %>", "ubuntu-latest, macos-latest");
        assertThat(render(workflow)).isEqualTo(expected);
        assertThat(render("${{ github.event_name }}")).isEqualTo("${{ github.event_name }}");
        assertThat(render("${{ secrets.X }}")).isEqualTo("${{ secrets.X }}");
        assertThat(render("${{ matrix.os }}")).isEqualTo("${{ matrix.os }}");
        assertThat(render("${{ <%= repo.name %> }}")).isEqualTo("${{ api }}");
    }

    @Test
    void unknownVariablesNameTheTemplateFileAndLine() {
        assertThatThrownBy(() -> render("line one\nline two\n  name: <%= repo.nam %>\n"))
                .isInstanceOf(TemplateException.class)
                .hasMessageStartingWith("templates/ci/t.yml line 3: unknown variable 'repo.nam'")
                .satisfies(e -> assertThat(((TemplateException) e).line()).contains(3));
        assertThatThrownBy(() -> render("\n<% if vars.missing %>x<% end %>"))
                .hasMessageContaining("line 2: unknown variable 'vars.missing'");
        assertThatThrownBy(() -> render("<% for x in nothing %><% end %>"))
                .hasMessageContaining("line 1: unknown variable 'nothing'");
        assertThatThrownBy(() -> render("<%= vars.missing | upper %>"))
                .hasMessageContaining("unknown variable 'vars.missing'");
        assertThat(render("<%= vars.missing | default(\"none\") %>|<%= vars.empty | default('x') %>"))
                .isEqualTo("none|x");
    }

    @Test
    void conditionalsComparisonsAndMembership() {
        String t = "<% if \"java\" in repo.topics and repo.visibility == \"private\" %>A<% elif repo.language == "
                + "'Go' %>B<% else %>C<% end %>";
        assertThat(render(t)).isEqualTo("A");
        assertThat(render("<% if 'go' in repo.topics %>A<% elif not (repo.language != 'Java') %>B<% end %>"))
                .isEqualTo("B");
        assertThat(render("<% if 'rust' not in repo.topics or false %>yes<% else %>no<% end %>")).isEqualTo("yes");
        assertThat(render("<% if vars.java.version == 21 %>21<% end %><% if vars.empty %>E<% end %>"))
                .isEqualTo("21");
        assertThat(render("<% if 'ser' in 'service' %>sub<% end %>")).isEqualTo("sub");
    }

    @Test
    void loopsWithLoopVariables() {
        assertThat(render("<% for os in vars.oses %><%= loop.index %>:<%= os %><% if not loop.last %>,<% end %>"
                + "<% end %>")).isEqualTo("1:ubuntu-latest,2:macos-latest");
        assertThat(render("<% for e in vars.java %><%= e.key %>=<%= e.value %><% end %>")).isEqualTo("version=21");
    }

    @Test
    void aLineHoldingOnlyAStatementDisappears() {
        String t = String.join("\n",
                "updates:",
                "  <% for os in vars.oses %>",
                "  - os: <%= os %>",
                "  <% end %>",
                "<%# a comment for template authors %>",
                "  <% if repo.language == 'Java' %>",
                "  - maven: true",
                "  <% end %>",
                "done", "");
        assertThat(render(t)).isEqualTo("updates:\n  - os: ubuntu-latest\n  - os: macos-latest\n  - maven: true\ndone\n");
        assertThat(render("a <% if true %>b<% end %> c\n")).isEqualTo("a b c\n");
    }

    @Test
    void filtersAndLiterals() {
        assertThat(render("<%= repo.name | upper %> <%= 'ABC' | lower %> <%= '  x ' | trim %>|")).isEqualTo("API abc x|");
        assertThat(render("<%= repo.topics | join %>;<%= repo.topics | join(' ') %>")).isEqualTo("java, service;java service");
        assertThat(render("<%= repo.topics | json %> <%= vars.team | json %>")).isEqualTo("[\"java\",\"service\"] \"@acme/api\"");
        assertThat(render("<%= repo.name | replace('a', 'A') %>")).isEqualTo("Api");
        assertThat(render("<%% literal <%# gone %>%>")).isEqualTo("<% literal %>");
        assertThat(render("<%= \"a \\\"quoted\\\" %> value\" %>")).isEqualTo("a \"quoted\" %> value");
    }

    @Test
    void syntaxErrorsAreClear() {
        assertThatThrownBy(() -> render("x\n<% if true %>\nno end")).hasMessageContaining("line 2: 'if' is never closed");
        assertThatThrownBy(() -> render("<% end %>")).hasMessageContaining("'end' without an open 'if' or 'for'");
        assertThatThrownBy(() -> render("<% else %>")).hasMessageContaining("'else' without an open 'if'");
        assertThatThrownBy(() -> render("<% while x %>")).hasMessageContaining("unknown statement 'while'");
        assertThatThrownBy(() -> render("<%= repo.name | shout %>")).hasMessageContaining("unknown filter 'shout'");
        assertThatThrownBy(() -> render("a\n<%= repo.name\n%>")).hasMessageContaining("line 2: '<%' is not closed");
        assertThatThrownBy(() -> render("<%= repo.topics %>")).hasMessageContaining("is a list");
        assertThatThrownBy(() -> render("<%= %>")).hasMessageContaining("empty <%= %>");
        assertThatThrownBy(() -> render("<% for x in repo.topics %><% endif %>"))
                .hasMessageContaining("'endif' closes the 'for'");
        assertThatThrownBy(() -> render("<%= repo.name == %>")).hasMessageContaining("expected a value");
    }

    @Test
    void aTemplateWithoutOrgctlSyntaxIsPlain() {
        assertThat(Template.parse("t", "${{ x }} {{ y }}").isPlain()).isTrue();
        assertThat(Template.parse("t", "<%= repo.name %>").isPlain()).isFalse();
    }
}
