package dev.orgctl.testing.github;

/** Someone who pushes to the fake: a GitHub login with a git identity. */
public record Person(String login, String name, String email) {
    public static Person of(String login) {
        return new Person(login, login.substring(0, 1).toUpperCase() + login.substring(1), login + "@example.com");
    }
}
