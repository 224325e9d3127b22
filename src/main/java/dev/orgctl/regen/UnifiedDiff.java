package dev.orgctl.regen;

import dev.orgctl.hosts.RepoFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;

/**
 * Unified diffs of file contents (JGit's histogram diff), as {@code git diff} prints them, with
 * what a terminal would hide made visible: bytes that are not UTF-8 are printed as {@code \xE9}
 * (decoding them would print U+FFFD on both sides of a change), control and format characters
 * (a BOM) as {@code <U+FEFF>}, a change of the file mode as {@code old mode} / {@code new mode}
 * lines, and lines that differ only in their line endings or in bytes that look alike get a
 * {@code \ } note saying so.
 */
public final class UnifiedDiff {
    private UnifiedDiff() {
    }

    /** The diff from {@code before} to {@code after} (null: the file does not exist), with 3 lines of context. */
    public static String of(String path, byte[] before, byte[] after) {
        return of(path, before, null, after, null);
    }

    /** Same, with the file modes (null: unknown or no file); a mode change is shown. */
    public static String of(String path, byte[] before, RepoFile.Mode beforeMode, byte[] after,
                            RepoFile.Mode afterMode) {
        byte[] a = before == null ? new byte[0] : before;
        byte[] b = after == null ? new byte[0] : after;
        StringBuilder sb = new StringBuilder();
        sb.append("--- ").append(before == null ? "/dev/null" : "a/" + path).append('\n');
        sb.append("+++ ").append(after == null ? "/dev/null" : "b/" + path).append('\n');
        boolean modeChanged = beforeMode != null && afterMode != null && beforeMode != afterMode;
        if (modeChanged) {
            sb.append("old mode ").append(beforeMode.git()).append('\n');
            sb.append("new mode ").append(afterMode.git()).append('\n');
        }
        if (RawText.isBinary(a) || RawText.isBinary(b)) {
            if (!java.util.Arrays.equals(a, b)) {
                sb.append("Binary files differ\n");
            }
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
        sb.append(visible(out.toByteArray()));
        for (String note : notes(edits, ra, rb)) {
            sb.append("\\ ").append(note).append('\n');
        }
        if (modeChanged && edits.isEmpty()) {
            sb.append("\\ only the mode differs; the content is the same\n");
        }
        return sb.toString();
    }

    /** Notes for replaced lines that would look the same: only line endings, or only look-alike bytes. */
    private static List<String> notes(EditList edits, RawText a, RawText b) {
        List<String> notes = new ArrayList<>();
        for (Edit e : edits) {
            if (e.getType() != Edit.Type.REPLACE || e.getLengthA() != e.getLengthB()) {
                continue;
            }
            boolean endingsOnly = true;
            boolean lookAlike = true;
            for (int i = 0; i < e.getLengthA(); i++) {
                byte[] la = line(a, e.getBeginA() + i);
                byte[] lb = line(b, e.getBeginB() + i);
                endingsOnly &= java.util.Arrays.equals(stripCr(la), stripCr(lb));
                lookAlike &= looks(la).equals(looks(lb));
            }
            String lines = e.getLengthA() == 1 ? "line " + (e.getBeginA() + 1)
                    : "lines " + (e.getBeginA() + 1) + "-" + e.getEndA();
            if (endingsOnly) {
                notes.add(lines + ": only the line endings differ (" + ending(a, e.getBeginA()) + " before, "
                        + ending(b, e.getBeginB()) + " after)");
            } else if (lookAlike) {
                notes.add(lines + ": only bytes differ that print alike (encoding or Unicode normalization; "
                        + "bytes that are not UTF-8 are shown as \\xNN)");
            }
        }
        return notes;
    }

    /** A line's raw bytes, without its LF (a CR before it stays). */
    private static byte[] line(RawText t, int i) {
        ByteBuffer bb = t.getRawString(i);
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        return out;
    }

    private static byte[] stripCr(byte[] line) {
        int n = line.length;
        return n > 0 && line[n - 1] == '\r' ? java.util.Arrays.copyOf(line, n - 1) : line;
    }

    private static String ending(RawText t, int i) {
        byte[] l = line(t, i);
        if (i == t.size() - 1 && t.isMissingNewlineAtEnd()) {
            return "no line ending";
        }
        return l.length > 0 && l[l.length - 1] == '\r' ? "CRLF" : "LF";
    }

    /** How a line prints: lenient UTF-8, NFC, without its line ending. */
    private static String looks(byte[] line) {
        String s = new String(stripCr(line), StandardCharsets.UTF_8);
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    /** The bytes as text, with what would not print (or would print as U+FFFD) escaped. */
    static String visible(byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 16);
        StringBuilder sb = new StringBuilder(bytes.length + 16);
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            out.flip();
            appendEscaped(sb, out);
            out.clear();
            if (r.isUnderflow()) {
                break;
            }
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    sb.append(String.format("\\x%02X", in.get() & 0xff));
                }
            }
        }
        return sb.toString();
    }

    private static void appendEscaped(StringBuilder sb, CharSequence cs) {
        for (int i = 0; i < cs.length(); i++) {
            char c = cs.charAt(i);
            int type = Character.getType(c);
            boolean lineEnd = c == '\n' || (c == '\r' && i + 1 < cs.length() && cs.charAt(i + 1) == '\n');
            if (c != '\t' && !lineEnd && (type == Character.CONTROL || type == Character.FORMAT)) {
                sb.append(String.format("<U+%04X>", (int) c));
            } else {
                sb.append(c);
            }
        }
    }
}
