package dev.orgctl.cli;

import dev.orgctl.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A command option's duration as operators write them ({@code 500ms}, {@code 30s}, {@code 7d},
 * {@code PT2H}, and {@code 0}), so commands get a {@link Duration} instead of parsing a string. A
 * bad value is picocli's usage error naming the option: one line, exit code 2.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        if (value.trim().equals("0")) {
            return Duration.ZERO;
        }
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new TypeConversionException(e.getMessage());
        }
        if (d.isNegative()) {
            throw new TypeConversionException("'" + value + "' is negative; a duration is zero or more");
        }
        return d;
    }
}
