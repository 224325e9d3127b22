package dev.orgctl.testing.github;

import java.util.Map;
import java.util.Set;

/**
 * Who is calling: a personal token's user, an App installation, or the App itself (JWT). Its own
 * file because every surface of the fake (REST, GraphQL, webhooks, checks) decides by it, while
 * only {@link FakeAuth} makes one.
 */
record Principal(Kind kind, String login, long userId, String account, Set<String> scopes,
                 Map<String, String> permissions, long installationId, long appId) {
    enum Kind { USER, INSTALLATION, APP }

    String name() {
        return kind == Kind.USER ? Character.toUpperCase(login.charAt(0)) + login.substring(1) : login;
    }

    String email() {
        return kind == Kind.USER ? login + "@example.com" : userId + "+" + login + "@users.noreply.github.com";
    }
}
