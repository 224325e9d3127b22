package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SampleTemplatesTest {
    static TemplateSnapshot compile() {
        Map<String, RepoFile> files = new HashMap<>();
        SampleTemplates.files().forEach((p, c) -> files.put(p, RepoFile.of(c)));
        return TemplateSnapshot.compile(new RepoRef("acme", ".github"), "0123456789abcdef", files);
    }

    static Map<String, RenderedFile> render(TemplateSnapshot t, RepositoryInfo repo) {
        Map<String, RenderedFile> out = new HashMap<>();
        t.render(repo).forEach(f -> out.put(f.path(), f));
        return out;
    }

    @Test
    void theSampleTemplatesRenderForEveryKindOfRepository() {
        TemplateSnapshot t = compile();
        RepositoryInfo java = new RepositoryInfo(new RepoRef("acme", "api"), "trunk", List.of("java"),
                Visibility.PRIVATE, false, Optional.of("Java"));
        RepositoryInfo plain = new RepositoryInfo(new RepoRef("acme", "web"), "main", List.of(), Visibility.PUBLIC,
                false, Optional.empty());

        Map<String, RenderedFile> j = render(t, java);
        Map<String, RenderedFile> p = render(t, plain);

        assertThat(j.keySet()).containsExactlyInAnyOrder(".github/workflows/ci.yml", ".github/CODEOWNERS",
                ".github/dependabot.yml", ".github/pull_request_template.md", "README.md", "LICENSE");
        String ci = j.get(".github/workflows/ci.yml").text();
        assertThat(ci).contains("runs-on: ${{ matrix.os }}", "${{ secrets.GITHUB_TOKEN }}",
                "if: ${{ github.event_name == 'push' || !github.event.pull_request.draft }}", "branches: [trunk]",
                "java-version: 21", "REPO: acme/api").doesNotContain("<%", "make test", "\n\n");
        assertThat(p.get(".github/workflows/ci.yml").text()).contains("make test").doesNotContain("setup-java");
        assertThat(j.get(".github/dependabot.yml").text()).contains("package-ecosystem: maven");
        assertThat(p.get(".github/dependabot.yml").text()).doesNotContain("maven");
        assertThat(j.get("README.md").settings().policy()).isEqualTo(Policy.MANAGED_BLOCK);
        assertThat(j.get("README.md").text()).contains("api is maintained by @acme/platform. Topics: java.");
        assertThat(p.get("README.md").text()).contains("Topics: none.");
        assertThat(j.get("LICENSE").settings().policy()).isEqualTo(Policy.CREATE_ONLY);
        assertThat(j.get(".github/pull_request_template.md").text()).contains("`${{ github.head_ref }}`");
    }
}
