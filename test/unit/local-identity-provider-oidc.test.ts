import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import { describe, expect, test } from "vitest";
import { AuthorizationCodeError, IdentityProviderError, LocalIdentityProvider } from "../../local/identity-provider.ts";
import { discoveryDocument, escapeHtml } from "../../local/oidc.ts";

const ISSUER = "http://127.0.0.1:3000/local/idp";
const AUDIENCE = "api-token-service-local";
const PASSWORD = "Sekrit-Passw0rd-7f3a";
const VERIFIER = "v".repeat(43);
const CHALLENGE = createHash("sha256").update(VERIFIER).digest("base64url");
const REDIRECT = "http://127.0.0.1:3000/auth/callback";

class FakeClock {
  #ms = new Date("2026-01-01T00:00:00Z").getTime();
  now(): Date {
    return new Date(this.#ms);
  }
  advance(seconds: number): void {
    this.#ms += seconds * 1000;
  }
}

async function setUp() {
  const clock = new FakeClock();
  const idp = await LocalIdentityProvider.open({ issuer: ISSUER, audience: AUDIENCE, clock });
  await idp.createUser({ userId: "ada", email: "ada@example.com", password: PASSWORD });
  const code = (overrides: { nonce?: string; password?: string; email?: string } = {}) =>
    idp.createAuthorizationCode({
      email: overrides.email ?? "Ada@Example.com",
      password: overrides.password ?? PASSWORD,
      clientId: AUDIENCE,
      redirectUri: REDIRECT,
      codeChallenge: CHALLENGE,
      scope: "openid email",
      ...(overrides.nonce === undefined ? {} : { nonce: overrides.nonce }),
    });
  const redeem = (value: string, overrides: Partial<{ clientId: string; redirectUri: string; codeVerifier: string }> = {}) =>
    idp.redeemAuthorizationCode({ code: value, clientId: AUDIENCE, redirectUri: REDIRECT, codeVerifier: VERIFIER, ...overrides });
  return { idp, clock, code, redeem };
}

async function grantError(promise: Promise<unknown>): Promise<AuthorizationCodeError> {
  const error = await promise.then(
    () => expect.fail("expected a rejection"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AuthorizationCodeError);
  expect((error as AuthorizationCodeError).code).toBe("invalid_grant");
  return error as AuthorizationCodeError;
}

describe("authorization codes", () => {
  test("a code redeems once for the ID token login issues, plus the nonce; the access token is no session", async () => {
    const { idp, code, redeem } = await setUp();
    const value = await code({ nonce: "n-123" });
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const tokens = await redeem(value);
    expect(tokens.expiresIn).toBe(3600);
    const claims = decodeJwt(tokens.idToken);
    const { idToken: loginToken } = await idp.login({ email: "ada@example.com", password: PASSWORD });
    expect(claims).toEqual({ ...decodeJwt(loginToken), nonce: "n-123" });
    await expect(idp.verifySession(tokens.idToken)).resolves.toMatchObject({ sub: "ada", nonce: "n-123" });
    await expect(idp.verifySession(tokens.accessToken)).rejects.toBeInstanceOf(IdentityProviderError);
    await grantError(redeem(value));
  });

  test("no nonce asked, no nonce claim", async () => {
    const { code, redeem } = await setUp();
    expect(decodeJwt((await redeem(await code())).idToken)).not.toHaveProperty("nonce");
  });

  test("valid for 60 s of the provider's clock, not a second longer", async () => {
    const { clock, code, redeem } = await setUp();
    const early = await code();
    clock.advance(59);
    await expect(redeem(early)).resolves.toHaveProperty("idToken");
    const late = await code();
    clock.advance(60);
    expect((await grantError(redeem(late))).message).toContain("expired");
  });

  test("bound to the client, the redirect URI and the PKCE challenge; a failed attempt uses the code up", async () => {
    const { code, redeem } = await setUp();
    for (const overrides of [{ clientId: "other" }, { redirectUri: `${REDIRECT}/` }, { codeVerifier: "w".repeat(43) }]) {
      const value = await code();
      await grantError(redeem(value, overrides));
      await grantError(redeem(value));
    }
    await grantError(redeem("no-such-code"));
  });

  test("wrong password and unknown email fail alike", async () => {
    const { code } = await setUp();
    const wrong = await code({ password: "nope" }).catch((error: unknown) => error);
    const unknown = await code({ email: "nobody@example.com" }).catch((error: unknown) => error);
    for (const error of [wrong, unknown]) {
      expect(error).toBeInstanceOf(IdentityProviderError);
      expect((error as IdentityProviderError).code).toBe("invalid_credentials");
    }
    expect((wrong as Error).message).toBe((unknown as Error).message);
  });
});

test("discovery names the endpoints under the issuer", () => {
  const document = discoveryDocument(ISSUER);
  expect(document.issuer).toBe(ISSUER);
  expect(document.token_endpoint).toBe(`${ISSUER}/token`);
  expect(document.code_challenge_methods_supported).toEqual(["S256"]);
});

test("escapeHtml leaves no markup", () => {
  expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe("&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;");
});
