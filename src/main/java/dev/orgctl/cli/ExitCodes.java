package dev.orgctl.cli;

import dev.orgctl.config.ConfigException;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.ParameterException;

/**
 * The one mapping from how a command ended to orgctl's exit code. Commands that have more to say
 * (plan found changes, a command run under a lock failed) throw a {@link CommandFailure} with their
 * own code; everything else is decided here.
 *
 * <table>
 * <caption>exit codes</caption>
 * <tr><td>0</td><td>done</td></tr>
 * <tr><td>1</td><td>failed: NATS or a host unavailable, a template error, a bootstrap stage, anything unexpected</td></tr>
 * <tr><td>2</td><td>bad usage or configuration: an unknown flag, a bad value in a flag, the environment or orgctl.yaml</td></tr>
 * <tr><td>other</td><td>a {@link CommandFailure}'s own code (documented by its command)</td></tr>
 * </table>
 */
public final class ExitCodes implements IExitCodeExceptionMapper {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @Override
    public int getExitCode(Throwable failure) {
        if (failure instanceof CommandFailure f) {
            return f.exitCode();
        }
        if (failure instanceof ConfigException || failure instanceof ParameterException) {
            return USAGE;
        }
        return FAILED;
    }
}
