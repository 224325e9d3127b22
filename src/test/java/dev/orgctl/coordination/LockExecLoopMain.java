package dev.orgctl.coordination;

import dev.orgctl.cli.Main;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs {@code orgctl lock exec} several times in its own JVM: {@code times label ARGS...} where ARGS
 * are orgctl's arguments; every {@code %LABEL%} in them is replaced by {@code label-<n>}. Exits with
 * the first non-zero exit code, else 0.
 */
public final class LockExecLoopMain {
    public static void main(String[] args) {
        int times = Integer.parseInt(args[0]);
        String label = args[1];
        List<String> rest = Arrays.asList(args).subList(2, args.length);
        int result = 0;
        for (int i = 0; i < times; i++) {
            List<String> a = new ArrayList<>();
            for (String s : rest) {
                a.add(s.replace("%LABEL%", label + "-" + i));
            }
            int code = Main.run(a.toArray(new String[0]));
            System.out.println("EXIT " + code);
            System.out.flush();
            if (code != 0 && result == 0) {
                result = code;
            }
        }
        System.exit(result);
    }
}
