package dev.orgctl.regen;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code repos.<name>} entries that name no repository of the organization. Such an entry is most
 * likely a typo ({@code repos.apii} for {@code api}), and the repository it was meant for would
 * silently get the defaults: direct commits instead of its {@code mode: pull-request}, the
 * global owners instead of its own. So a repository with no entry of its own that has a
 * lookalike entry naming no repository is not regenerated until the entry is fixed; every other
 * repository is, and the run reports the entry.
 */
public final class ConfigTypos {
    private ConfigTypos() {
    }

    /**
     * The error that stops {@code repo} (empty when it may be regenerated). Asks the host about
     * lookalike names only, which most repositories have none of.
     */
    public static List<TemplateError> blocking(RepositoryHost host, TemplateSnapshot templates, RepositoryInfo repo) {
        RegenConfig config = templates.config();
        List<TemplateError> out = new ArrayList<>();
        if (config.repos().containsKey(repo.name())) {
            return out;
        }
        for (RegenConfig.RepoConfig rc : config.lookalikes(repo.name())) {
            if (!exists(host, new RepoRef(repo.ref().org(), rc.name()))) {
                out.add(error(templates, rc, repo.ref().org(), "did you mean " + repo.name() + "? " + repo.name()
                        + " is not regenerated until orgctl.yaml names it exactly"));
            }
        }
        return out;
    }

    private static boolean exists(RepositoryHost host, RepoRef ref) {
        try {
            return host.repository(ref).isPresent();
        } catch (IllegalArgumentException e) {
            return false; // not even a legal repository name
        }
    }

    /** Every {@code repos.<name>} entry that names none of {@code orgRepos} (for a whole-org run). */
    public static List<TemplateError> unknown(TemplateSnapshot templates, Collection<RepositoryInfo> orgRepos) {
        Set<String> names = new TreeSet<>();
        orgRepos.forEach(r -> names.add(r.name()));
        List<TemplateError> out = new ArrayList<>();
        String org = templates.templatesRepo().org();
        for (RegenConfig.RepoConfig rc : templates.config().repos().values()) {
            if (!names.contains(rc.name())) {
                String hint = RepoNames.closest(rc.name(), names).map(n -> "did you mean " + n + "?")
                        .orElse("its settings apply to no repository");
                out.add(error(templates, rc, org, hint));
            }
        }
        return out;
    }

    private static TemplateError error(TemplateSnapshot templates, RegenConfig.RepoConfig rc, String org,
                                       String hint) {
        return new TemplateError("", templates.templatesRepo().fullName() + ":" + RegenConfig.FILE, rc.line(),
                "repos." + rc.name() + " names no repository of " + org + "; " + hint);
    }
}
