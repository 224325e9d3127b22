package dev.orgctl.hosts.github;

import dev.orgctl.hosts.RepoRef;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Request paths and GraphQL variables for a repository: names encoded, as GitHub expects them. */
final class GitHubPaths {
    private GitHubPaths() {
    }

    static Map<String, Object> vars(RepoRef repo) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("owner", repo.org());
        vars.put("name", repo.name());
        return vars;
    }

    static String repoPath(RepoRef repo) {
        return "/repos/" + seg(repo.org()) + "/" + seg(repo.name());
    }

    static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A branch name in a path: each segment encoded, the slashes kept. */
    static String branchPath(String branch) {
        StringBuilder sb = new StringBuilder();
        for (String part : branch.split("/")) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(seg(part));
        }
        return sb.toString();
    }
}
