package dev.orgctl.testing.github;

import java.util.Locale;

/** Someone who pushes to the fake: a GitHub login with a git identity. */
public record Person(String login, String name, String email) {
    public static Person of(String login) {
        return new Person(login, login.substring(0, 1).toUpperCase(Locale.ROOT) + login.substring(1), login + "@example.com");
    }
}
