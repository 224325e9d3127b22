package dev.orgctl.hosts;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Author and committer of orgctl's commits; default {@code orgctl <orgctl@localhost>}. */
public record CommitIdentity(String name, String email) {
    public static final CommitIdentity ORGCTL = new CommitIdentity("orgctl", "orgctl@localhost");
    private static final Pattern FORM = Pattern.compile("^\\s*([^<>]+?)\\s*<([^<>\\s]+)>\\s*$");

    public CommitIdentity {
        if (name == null || name.isBlank() || email == null || email.isBlank()) {
            throw new IllegalArgumentException("commit identity needs a name and an e-mail");
        }
    }

    /** Parses {@code Name <email>}. */
    public static CommitIdentity parse(String s) {
        Matcher m = FORM.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a 'Name <email>' identity: " + s);
        }
        return new CommitIdentity(m.group(1), m.group(2));
    }

    @Override
    public String toString() {
        return name + " <" + email + ">";
    }
}
