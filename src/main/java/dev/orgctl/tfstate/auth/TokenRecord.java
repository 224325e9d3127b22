package dev.orgctl.tfstate.auth;

import java.time.Instant;
import java.util.List;

/**
 * An orgctl token as {@code token list} shows it: no secret, not even its hash.
 *
 * @param name      unique; part of the token, so a presented token names its own record
 * @param states    patterns ({@link Glob}) of the state names it may use
 * @param write     whether it may also write, lock and unlock them, or only read
 * @param created   when it was created
 * @param createdBy who created it ({@code user@host} of the command)
 */
public record TokenRecord(String name, List<String> states, boolean write, Instant created, String createdBy) {
    public TokenRecord {
        states = List.copyOf(states);
    }

    public boolean allows(String state, Access wanted) {
        return (write ? Access.WRITE : Access.READ).covers(wanted)
                && states.stream().anyMatch(p -> Glob.of(p).matches(state));
    }
}
