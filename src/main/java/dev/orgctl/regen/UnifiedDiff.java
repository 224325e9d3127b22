package dev.orgctl.regen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;

/** Unified diffs of file contents (JGit's histogram diff), as {@code git diff} prints them. */
public final class UnifiedDiff {
    private UnifiedDiff() {
    }

    /** The diff from {@code before} to {@code after} (null: the file does not exist), with 3 lines of context. */
    public static String of(String path, byte[] before, byte[] after) {
        byte[] a = before == null ? new byte[0] : before;
        byte[] b = after == null ? new byte[0] : after;
        StringBuilder sb = new StringBuilder();
        sb.append("--- ").append(before == null ? "/dev/null" : "a/" + path).append('\n');
        sb.append("+++ ").append(after == null ? "/dev/null" : "b/" + path).append('\n');
        if (RawText.isBinary(a) || RawText.isBinary(b)) {
            sb.append("Binary files differ\n");
            return sb.toString();
        }
        RawText ra = new RawText(a);
        RawText rb = new RawText(b);
        EditList edits = DiffAlgorithm.getAlgorithm(DiffAlgorithm.SupportedAlgorithm.HISTOGRAM)
                .diff(RawTextComparator.DEFAULT, ra, rb);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DiffFormatter df = new DiffFormatter(out)) {
            df.setContext(3);
            df.format(edits, ra, rb);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        sb.append(out.toString(StandardCharsets.UTF_8));
        return sb.toString();
    }
}
