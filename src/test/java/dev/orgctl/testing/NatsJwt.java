package dev.orgctl.testing;

import io.nats.client.NKey;
import io.nats.client.support.JwtUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * An operator, an account with JetStream and a user, signed by hand the way nsc would, so tests can
 * run a nats-server in operator mode and connect with a Synadia-style creds file.
 */
public record NatsJwt(String serverConfig, Path credsFile) {

    public static NatsJwt create(Path dir) throws Exception {
        SecureRandom random = new SecureRandom();
        NKey operator = NKey.createOperator(random);
        NKey account = NKey.createAccount(random);
        NKey system = NKey.createAccount(random);
        NKey user = NKey.createUser(random);
        String op = new String(operator.getPublicKey());
        String acc = new String(account.getPublicKey());
        String sys = new String(system.getPublicKey());
        long now = JwtUtils.currentTimeSeconds();
        String operatorJwt = JwtUtils.issueJWT(operator, op, "test-operator", null, now, op,
                () -> "{\"type\":\"operator\",\"version\":2,\"system_account\":\"" + sys + "\"}");
        String limits = "\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,\"exports\":-1,"
                + "\"wildcards\":true,\"conn\":-1,\"leaf\":-1,\"mem_storage\":-1,\"disk_storage\":-1,"
                + "\"streams\":-1,\"consumer\":-1}";
        String accountJwt = JwtUtils.issueJWT(operator, acc, "orgctl", null, now, op,
                () -> "{\"type\":\"account\",\"version\":2," + limits + "}");
        String systemJwt = JwtUtils.issueJWT(operator, sys, "SYS", null, now, op,
                () -> "{\"type\":\"account\",\"version\":2,\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,"
                        + "\"imports\":-1,\"exports\":-1,\"wildcards\":true,\"conn\":-1,\"leaf\":-1}}");
        String userJwt = JwtUtils.issueUserJWT(account, acc, new String(user.getPublicKey()));
        Path creds = dir.resolve("user.creds");
        Files.writeString(creds, "-----BEGIN NATS USER JWT-----\n" + userJwt + "\n------END NATS USER JWT------\n\n"
                + "************************* IMPORTANT *************************\n"
                + "NKEY Seed printed below can be used to sign and prove identity.\n\n"
                + "-----BEGIN USER NKEY SEED-----\n" + new String(user.getSeed()) + "\n------END USER NKEY SEED------\n");
        String config = "operator: \"" + operatorJwt + "\"\n"
                + "system_account: \"" + sys + "\"\n"
                + "resolver: MEMORY\n"
                + "resolver_preload: {\n  " + acc + ": \"" + accountJwt + "\"\n  " + sys + ": \"" + systemJwt + "\"\n}\n";
        return new NatsJwt(config, creds);
    }
}
