package dev.orgctl.regen;

/** A file's own line ending: that of its first line (CRLF or LF; LF for a file without one). */
final class LineEndings {
    static final String LF = "\n";
    static final String CRLF = "\r\n";

    private LineEndings() {
    }

    static String of(String text) {
        int nl = text.indexOf('\n');
        return nl > 0 && text.charAt(nl - 1) == '\r' ? CRLF : LF;
    }

    /** {@code text} with every line ending (LF or CRLF) made {@code nl}. */
    static String convert(String text, String nl) {
        String lf = text.replace(CRLF, LF);
        return nl.equals(LF) ? lf : lf.replace(LF, nl);
    }
}
