package dev.orgctl.cli;

/** "1 repository", "2 repositories": counts in output read as English. */
final class Plural {
    private Plural() {
    }

    static String of(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
