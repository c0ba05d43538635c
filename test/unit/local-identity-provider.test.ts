import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { decodeProtectedHeader } from "jose";
import { afterAll, describe, expect, test } from "vitest";
import { IdentityProviderError, LocalIdentityProvider, type LocalIdentityProviderOptions } from "../../local/identity-provider.ts";

const ISSUER = "http://127.0.0.1:3000/local/idp";
const AUDIENCE = "api-token-service-local";
const START = new Date("2026-01-01T00:00:00Z");
const PASSWORD = "Sekrit-Passw0rd-7f3a";

class FakeClock {
  #ms: number;
  constructor(start = START) {
    this.#ms = start.getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(seconds: number): void {
    this.#ms += seconds * 1000;
  }
}

function openProvider(options: Partial<LocalIdentityProviderOptions> = {}) {
  const clock = new FakeClock();
  const provider = LocalIdentityProvider.open({ issuer: ISSUER, audience: AUDIENCE, clock, ...options });
  return provider.then((idp) => ({ idp, clock }));
}

/** Awaits a rejection and returns it as an IdentityProviderError (fails the test otherwise). */
async function rejection(promise: Promise<unknown>): Promise<IdentityProviderError> {
  const error = await promise.then(
    () => expect.fail("expected a rejection"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(IdentityProviderError);
  return error as IdentityProviderError;
}

/** Everything a log line or error report could show about an error. */
function everythingShownAbout(error: unknown): string {
  return [String(error), (error as Error).stack ?? "", inspect(error, { depth: 5 }), JSON.stringify(error)].join("\n");
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "local-idp-test-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("LocalIdentityProvider", () => {
  test("createUser, login and verifySession round-trip a user's identity through an ES256 id token", async () => {
    const { idp } = await openProvider();

    const created = await idp.createUser({ userId: "user-1", email: "Alice@Example.com", password: PASSWORD });
    expect(created).toEqual({ userId: "user-1", email: "alice@example.com" });

    const { idToken } = await idp.login({ email: "ALICE@example.COM", password: PASSWORD });
    const header = decodeProtectedHeader(idToken);
    expect(header.alg).toBe("ES256");
    expect(header.kid).toBe(idp.jwks().keys[0]?.kid);

    const claims = await idp.verifySession(idToken);
    const iat = START.getTime() / 1000;
    expect(claims).toMatchObject({
      sub: "user-1",
      email: "alice@example.com",
      token_use: "id",
      iss: ISSUER,
      aud: AUDIENCE,
      iat,
      exp: iat + 3600,
    });
  });

  test("a wrong password and an unknown email both fail with the same invalid_credentials error", async () => {
    const { idp } = await openProvider();
    await idp.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });

    const wrongPassword = await rejection(idp.login({ email: "alice@example.com", password: `${PASSWORD}x` }));
    const unknownEmail = await rejection(idp.login({ email: "bob@example.com", password: PASSWORD }));

    expect(wrongPassword.code).toBe("invalid_credentials");
    expect(unknownEmail.code).toBe("invalid_credentials");
    expect(wrongPassword.message).toBe(unknownEmail.message);
  });

  test("a second user with the same userId or the same email (any case) is refused with user_exists", async () => {
    const { idp } = await openProvider();
    await idp.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });

    const sameId = await rejection(idp.createUser({ userId: "user-1", email: "other@example.com", password: "p" }));
    const sameEmail = await rejection(idp.createUser({ userId: "user-2", email: "ALICE@example.com", password: "p" }));
    expect(sameId.code).toBe("user_exists");
    expect(sameEmail.code).toBe("user_exists");

    // The refused users were not stored.
    expect(await idp.verifyPassword("user-2", "p")).toBe(false);
    await expect(idp.login({ email: "other@example.com", password: "p" })).rejects.toMatchObject({
      code: "invalid_credentials",
    });
  });

  test("concurrent createUser calls for the same userId let exactly one win", async () => {
    const { idp } = await openProvider();
    const results = await Promise.allSettled([
      idp.createUser({ userId: "racer", email: "a@example.com", password: PASSWORD }),
      idp.createUser({ userId: "racer", email: "b@example.com", password: PASSWORD }),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const [refused] = results.filter((result) => result.status === "rejected");
    expect(refused?.reason).toMatchObject({ code: "user_exists" });
  });

  describe("strict input validation", () => {
    const valid = { userId: "user-1", email: "alice@example.com", password: PASSWORD };
    const createCases: Array<[name: string, input: unknown, field: string]> = [
      ["an unknown field", { ...valid, role: "admin" }, "role"],
      ["a password of the wrong type", { ...valid, password: 123456789 }, "password"],
      ["a userId of the wrong type", { ...valid, userId: 42 }, "userId"],
      ["a missing password", { userId: valid.userId, email: valid.email }, "password"],
      ["a missing email", { userId: valid.userId, password: PASSWORD }, "email"],
      ["a userId that breaks the pattern", { ...valid, userId: "a/b" }, "userId"],
      ["a userId that is only a dot", { ...valid, userId: "." }, "userId"],
      ["a userId longer than 128 characters", { ...valid, userId: "u".repeat(129) }, "userId"],
      ["an email without @", { ...valid, email: "alice.example.com" }, "email"],
      ["an email with two @", { ...valid, email: "a@b@example.com" }, "email"],
      ["an email over 254 characters", { ...valid, email: `${"a".repeat(250)}@example.com` }, "email"],
      ["an empty password", { ...valid, password: "" }, "password"],
      ["a password over 256 characters", { ...valid, password: PASSWORD.repeat(13) }, "password"],
    ];

    test.each(createCases)("createUser rejects %s with invalid_request naming the field", async (_name, input, field) => {
      const { idp } = await openProvider();
      const error = await rejection(idp.createUser(input));
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain(field);
    });

    test.each([null, "a string", ["user-1", "alice@example.com", PASSWORD], 7])(
      "createUser rejects the non-object input %j with invalid_request",
      async (input) => {
        const { idp } = await openProvider();
        expect((await rejection(idp.createUser(input))).code).toBe("invalid_request");
      },
    );

    test.each([
      ["an unknown field", { email: "alice@example.com", password: PASSWORD, userId: "user-1" }, "userId"],
      ["a password of the wrong type", { email: "alice@example.com", password: 123456789 }, "password"],
      ["a missing password", { email: "alice@example.com" }, "password"],
    ])("login rejects %s with invalid_request naming the field", async (_name, input, field) => {
      const { idp } = await openProvider();
      await idp.createUser(valid);
      const error = await rejection(idp.login(input));
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain(field);
    });

    test("no validation or credential error shows the password anywhere", async () => {
      const { idp } = await openProvider();
      await idp.createUser(valid);
      const failures = [
        ...createCases.map(([, input]) => idp.createUser(input)),
        idp.createUser({ ...valid, userId: "user-2", email: "not-an-email", extra: 1 }),
        idp.createUser({ ...valid, userId: "user-1", email: "other@example.com" }),
        idp.login({ email: "alice@example.com", password: `${PASSWORD}-wrong` }),
        idp.login({ email: "alice@example.com", password: PASSWORD, remember: true }),
        idp.login({ email: 1, password: PASSWORD }),
      ];
      const errors = await Promise.all(failures.map((failure) => rejection(failure)));
      expect(errors).toHaveLength(failures.length);
      for (const error of errors) {
        const shown = everythingShownAbout(error);
        expect(shown).not.toContain(PASSWORD);
        expect(shown).not.toContain("123456789");
      }
    });
  });

  test("verifyPassword is true only for the right password of an existing user", async () => {
    const { idp } = await openProvider();
    await idp.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });

    expect(await idp.verifyPassword("user-1", PASSWORD)).toBe(true);
    expect(await idp.verifyPassword("user-1", `${PASSWORD} `)).toBe(false);
    expect(await idp.verifyPassword("user-1", "")).toBe(false);
    expect(await idp.verifyPassword("nobody", PASSWORD)).toBe(false);
  });

  test("a session expires after sessionTtlSeconds, and one issued under the moved clock is valid", async () => {
    const { idp, clock } = await openProvider({ sessionTtlSeconds: 60 });
    await idp.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });
    const { idToken: early } = await idp.login({ email: "alice@example.com", password: PASSWORD });

    clock.advance(59);
    await expect(idp.verifySession(early)).resolves.toMatchObject({ sub: "user-1" });

    clock.advance(2);
    const expired = await rejection(idp.verifySession(early));
    expect(expired.code).toBe("invalid_credentials");

    const { idToken: late } = await idp.login({ email: "alice@example.com", password: PASSWORD });
    const claims = await idp.verifySession(late);
    expect(claims.iat).toBe(clock.now().getTime() / 1000);
    expect(claims.exp).toBe(clock.now().getTime() / 1000 + 60);
  });

  test("a token signed by another provider instance is rejected", async () => {
    const { idp } = await openProvider();
    const { idp: other } = await openProvider();
    await other.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });
    const { idToken } = await other.login({ email: "alice@example.com", password: PASSWORD });

    await expect(other.verifySession(idToken)).resolves.toMatchObject({ sub: "user-1" });
    expect((await rejection(idp.verifySession(idToken))).code).toBe("invalid_credentials");
  });

  test.each(["", "not-a-jwt", "a.b.c"])("verifySession rejects the malformed token %j", async (token) => {
    const { idp } = await openProvider();
    expect((await rejection(idp.verifySession(token))).code).toBe("invalid_credentials");
  });

  test("jwks() publishes only the public key, marked for ES256 signatures", async () => {
    const { idp } = await openProvider();
    const { keys } = idp.jwks();
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).not.toHaveProperty("d");
    expect(Object.keys(key ?? {}).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(key?.kid).toEqual(expect.any(String));
  });

  describe("stateFile", () => {
    test("reopening from the same file keeps users and the signing key, so earlier tokens still verify", async () => {
      const stateFile = join(await tempDir(), "nested", "dir", "idp-state.json");
      const { idp: first, clock } = await openProvider({ stateFile });
      await first.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });
      const { idToken } = await first.login({ email: "alice@example.com", password: PASSWORD });

      const second = await LocalIdentityProvider.open({ issuer: ISSUER, audience: AUDIENCE, clock, stateFile });
      expect(second.jwks()).toEqual(first.jwks());
      await expect(second.verifySession(idToken)).resolves.toMatchObject({ sub: "user-1" });
      expect(await second.verifyPassword("user-1", PASSWORD)).toBe(true);
      await expect(second.login({ email: "alice@example.com", password: PASSWORD })).resolves.toHaveProperty("idToken");
      const duplicate = await rejection(second.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD }));
      expect(duplicate.code).toBe("user_exists");
    });

    test("the file is private (0o600), holds no plaintext password, and no temp files are left behind", async () => {
      const dir = await tempDir();
      const stateFile = join(dir, "idp-state.json");
      const { idp } = await openProvider({ stateFile });
      await idp.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });
      await idp.createUser({ userId: "user-2", email: "bob@example.com", password: PASSWORD });

      expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
      expect(await readFile(stateFile, "utf8")).not.toContain(PASSWORD);
      expect(await readdir(dir)).toEqual(["idp-state.json"]);
    });

    test("the signing key is saved at once, before any user exists", async () => {
      const stateFile = join(await tempDir(), "idp-state.json");
      const { idp: first } = await openProvider({ stateFile });
      const { idp: second } = await openProvider({ stateFile });
      expect(second.jwks()).toEqual(first.jwks());
    });

    test("providers sharing a key but configured for another audience reject each other's tokens", async () => {
      const stateFile = join(await tempDir(), "idp-state.json");
      const { idp } = await openProvider({ stateFile });
      await idp.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });
      const { idToken } = await idp.login({ email: "alice@example.com", password: PASSWORD });

      const { idp: otherAudience } = await openProvider({ stateFile, audience: "some-other-client" });
      expect((await rejection(otherAudience.verifySession(idToken))).code).toBe("invalid_credentials");
    });

    test("a hand-edited state file is checked against its schema and refused naming what is wrong", async () => {
      const stateFile = join(await tempDir(), "idp-state.json");
      const { idp } = await openProvider({ stateFile });
      await idp.createUser({ userId: "user-1", email: "alice@example.com", password: PASSWORD });
      const good = JSON.parse(await readFile(stateFile, "utf8")) as { users: Array<Record<string, unknown>>; signingKey: object };
      const user = good.users[0]!;
      const cases: Array<[unknown, string]> = [
        [{ ...good, version: 2 }, "unsupported version"],
        [{ ...good, users: [{ ...user, email: "Alice@example.com" }] }, "users[0]: bad email"],
        [{ ...good, users: [user, { ...user, userId: "a/b" }] }, "users[1]: bad userId"],
        [{ ...good, users: [{ ...user, password: { ...(user.password as object), N: 1 << 20 } }] }, "users[0]: bad password hash"],
        [{ ...good, users: [user, user] }, "duplicate userId or email"],
        [{ ...good, signingKey: { ...good.signingKey, kty: "RSA" } }, "signingKey is not a usable private EC P-256 JWK"],
      ];
      for (const [content, problem] of cases) {
        await writeFile(stateFile, JSON.stringify(content));
        await expect(LocalIdentityProvider.open({ issuer: ISSUER, audience: AUDIENCE, clock: new FakeClock(), stateFile })).rejects.toThrow(
          problem,
        );
      }
    });

    test("a corrupt state file fails open() without quoting the private key", async () => {
      const stateFile = join(await tempDir(), "idp-state.json");
      await openProvider({ stateFile });
      const text = await readFile(stateFile, "utf8");
      const privateD = (JSON.parse(text) as { signingKey: { d: string } }).signingKey.d;

      // Truncated JSON (JSON.parse quotes input in its messages) and a private key that does not match x/y.
      for (const corrupt of [text.slice(0, text.indexOf(privateD) + 10), text.replace(privateD, privateD.slice(0, 20))]) {
        await writeFile(stateFile, corrupt);
        const error = await LocalIdentityProvider.open({
          issuer: ISSUER,
          audience: AUDIENCE,
          clock: new FakeClock(),
          stateFile,
        }).then(
          () => expect.fail("expected open() to fail"),
          (reason: unknown) => reason,
        );
        expect((error as Error).message).toMatch(/state file .* is (not valid JSON|invalid)/);
        expect(everythingShownAbout(error)).not.toContain(privateD.slice(0, 10));
      }
    });
  });
});
