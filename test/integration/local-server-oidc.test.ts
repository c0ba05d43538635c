/**
 * The local identity provider's OpenID Connect endpoints (authorization code + PKCE), driven by a real OIDC client
 * library (oauth4webapi) as the web page drives them: discovery, the sign-in page, the form post, the token
 * request; the ID token verified against the JWKS and accepted as a session by the local server. Then the
 * adversarial cases: PKCE, replay, expiry, redirect URIs, state, escaping, wrong passwords.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import getPort from "get-port";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalIdentityProvider } from "../../local/identity-provider.ts";
import type { RunningLocalServer } from "../../local/server.ts";
import { createTestTable } from "../support/table.ts";
import { configureHandlersFor, TEST_CURSOR_KEY } from "../support/domain-harness.ts";

const AUDIENCE = "api-token-service-local";
const PASSWORD = `pw-${randomUUID()}`;

let server: RunningLocalServer;
let base: string;
let issuer: string;
let redirectUri: string;
let as: oauth.AuthorizationServer;
let testClock: { advance(seconds: number): Date; setOffsetSeconds(seconds: number): void };
const client: oauth.Client = { client_id: AUDIENCE };
const insecure = { [oauth.allowInsecureRequests]: true } as const;

beforeAll(async () => {
  const table = await createTestTable("local-oidc");
  table.documentClient.destroy();
  // As the local server's main sets them (local/main.ts), on this file's own tables.
  configureHandlersFor(table, { CLOCK: "test", PASSWORD_CHECK: "local", CURSOR_KEY: TEST_CURSOR_KEY });
  const clocks = await import("../../functions/adapters/clock/clocks.ts");
  testClock = clocks.testClock;
  const { startLocalServer } = await import("../../local/server.ts");
  // A free port first, so the issuer (which names the port) is known before the server starts.
  const port = await getPort();
  base = `http://127.0.0.1:${port}`;
  issuer = `${base}/local/idp`;
  redirectUri = `${base}/auth/callback`;
  const identityProvider = await LocalIdentityProvider.open({ issuer, audience: AUDIENCE, clock: clocks.testClock });
  server = await startLocalServer({
    host: "127.0.0.1",
    port,
    repositoryRoot: resolve(import.meta.dirname, "../.."),
    identityProvider,
    clock: clocks.testClock,
    log: () => undefined,
  });
  as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), insecure));
});

afterAll(async () => {
  await server?.close();
});

async function newUser() {
  const userId = `user-${randomUUID().slice(0, 8)}`;
  const email = `${userId}@example.com`;
  const created = await fetch(`${base}/local/idp/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId, email, password: PASSWORD }),
  });
  expect(created.status).toBe(201);
  return { userId, email };
}

/** What the page does before sending the person to sign in. */
async function authorizationRequest(overrides: Record<string, string | null> = {}) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  const params: Record<string, string | null> = {
    response_type: "code",
    client_id: AUDIENCE,
    redirect_uri: redirectUri,
    scope: "openid email",
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    ...overrides,
  };
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  return { url, codeVerifier, state, nonce };
}

const unescapeHtml = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The hidden fields of the sign-in form, as a browser would submit them. */
function hiddenFields(html: string): Array<[string, string]> {
  return [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [unescapeHtml(m[1]!), unescapeHtml(m[2]!)]);
}

/** Opens the sign-in page, fills it in and submits it; returns the response to the form post (not followed). */
async function submitSignIn(url: URL, email: string, password: string) {
  const page = await fetch(url, { redirect: "manual" });
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams([...hiddenFields(html), ["email", email], ["password", password]]);
  return fetch(new URL("/local/idp/authorize", base), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
}

async function signedInCallback(email: string, overrides: Record<string, string | null> = {}) {
  const request = await authorizationRequest(overrides);
  const posted = await submitSignIn(request.url, email, PASSWORD);
  expect(posted.status).toBe(303);
  const callback = new URL(posted.headers.get("location")!);
  return { ...request, callback };
}

function tokenRequest(fields: Record<string, string>) {
  return fetch(as.token_endpoint!, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
}

describe("the authorization code flow with PKCE, as the page runs it", () => {
  test("discovery describes the flow", async () => {
    const document = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    expect(document).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      end_session_endpoint: `${issuer}/logout`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["ES256"],
      scopes_supported: ["openid", "profile", "email"],
      token_endpoint_auth_methods_supported: ["none"],
      subject_types_supported: ["public"],
    });
  });

  test("sign in, redeem the code, verify the ID token against the JWKS, call a session route with it", async () => {
    const { userId, email } = await newUser();
    const { callback, codeVerifier, state, nonce } = await signedInCallback(email);
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get("state")).toBe(state);

    const params = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, codeVerifier, insecure);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.expires_in).toBe(3600);
    const idToken = tokens.id_token!;

    const { payload, protectedHeader } = await jwtVerify(idToken, createRemoteJWKSet(new URL(as.jwks_uri!)), {
      issuer,
      audience: AUDIENCE,
      algorithms: ["ES256"],
    });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload).toMatchObject({ sub: userId, email, token_use: "id", nonce });
    // Exactly what login issues, plus the nonce.
    const login = await fetch(`${base}/local/idp/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const loginClaims = decodeJwt(((await login.json()) as { idToken: string }).idToken);
    expect(Object.keys(payload).sort()).toEqual([...Object.keys(loginClaims), "nonce"].sort());

    const me = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${idToken}` } });
    expect(me.status, await me.clone().text()).toBe(200);
    // The access token is no session (token_use "access"), as with Cognito.
    const withAccessToken = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(withAccessToken.status).toBe(401);
  });

  test("the sign-in page: labelled fields, English and German, strict CSP, no script", async () => {
    const { url } = await authorizationRequest();
    const english = await fetch(url, { headers: { "accept-language": "en-GB,de;q=0.5" } });
    const csp = english.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("script-src");
    expect(english.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await english.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<label for="email">Email</label>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain('<button type="submit">Sign in</button>');

    const german = await (await fetch(url, { headers: { "accept-language": "de-DE,en;q=0.5" } })).text();
    expect(german).toContain('<html lang="de">');
    expect(german).toContain('<label for="email">E-Mail</label>');
    expect(german).toContain('<label for="password">Passwort</label>');
    expect(german).toContain('<button type="submit">Anmelden</button>');
    url.searchParams.set("ui_locales", "de");
    expect(await (await fetch(url)).text()).toContain('<html lang="de">');
  });

  test("discovery and the token endpoint allow CORS for the allowed redirect URIs' origins only", async () => {
    const discovery = `${issuer}/.well-known/openid-configuration`;
    const own = await fetch(discovery, { headers: { origin: base } });
    expect(own.headers.get("access-control-allow-origin")).toBe(base);
    const other = await fetch(discovery, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const token = await fetch(as.token_endpoint!, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
      body: "grant_type=authorization_code",
    });
    expect(token.headers.get("access-control-allow-origin")).toBe(base);
  });

  test("end session redirects only to an allowed URI, else shows a signed-out page", async () => {
    const target = new URL(`${issuer}/logout`);
    target.searchParams.set("client_id", AUDIENCE);
    target.searchParams.set("post_logout_redirect_uri", `${base}/`);
    const redirected = await fetch(target, { redirect: "manual" });
    expect(redirected.status).toBe(303);
    expect(redirected.headers.get("location")).toBe(`${base}/`);

    const plain = await fetch(`${issuer}/logout`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).toContain("Signed out");

    target.searchParams.set("post_logout_redirect_uri", "https://evil.example/");
    const refused = await fetch(target, { redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("location")).toBeNull();
  });
});

describe("adversarial", () => {
  test("a code is usable once: the replay fails with invalid_grant", async () => {
    const { email } = await newUser();
    const { callback, codeVerifier } = await signedInCallback(email);
    const fields = {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: redirectUri,
      client_id: AUDIENCE,
      code_verifier: codeVerifier,
    };
    expect((await tokenRequest(fields)).status).toBe(200);
    const replay = await tokenRequest(fields);
    expect(replay.status).toBe(400);
    expect(replay.headers.get("cache-control")).toBe("no-store");
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });

  test("a wrong or missing code_verifier fails, and uses the code up", async () => {
    const { email } = await newUser();
    const { callback, codeVerifier } = await signedInCallback(email);
    const fields = {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: redirectUri,
      client_id: AUDIENCE,
    };
    const missing = await tokenRequest(fields);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
    const wrong = await tokenRequest({ ...fields, code_verifier: oauth.generateRandomCodeVerifier() });
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const right = await tokenRequest({ ...fields, code_verifier: codeVerifier });
    expect(await right.json()).toMatchObject({ error: "invalid_grant" });
  });

  test("a mismatched redirect_uri or client at the token endpoint fails", async () => {
    const { email } = await newUser();
    const { callback, codeVerifier } = await signedInCallback(email);
    const fields = {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: `${base}/`,
      client_id: AUDIENCE,
      code_verifier: codeVerifier,
    };
    expect(await (await tokenRequest(fields)).json()).toMatchObject({ error: "invalid_grant" });
    const other = await tokenRequest({ ...fields, client_id: "someone-else" });
    expect(other.status).toBe(401);
    expect(await other.json()).toMatchObject({ error: "invalid_client" });
    const implicit = await tokenRequest({ ...fields, grant_type: "password" });
    expect(await implicit.json()).toMatchObject({ error: "unsupported_grant_type" });
  });

  test("PKCE is mandatory and S256 only: errors go back to the (allowed) redirect_uri with the state", async () => {
    for (const [overrides, error] of [
      [{ code_challenge: null, code_challenge_method: null }, "invalid_request"],
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge_method: null }, "invalid_request"],
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ scope: "email" }, "invalid_scope"],
    ] as const) {
      const { url, state } = await authorizationRequest(overrides);
      const response = await fetch(url, { redirect: "manual" });
      expect(response.status, JSON.stringify(overrides)).toBe(303);
      const location = new URL(response.headers.get("location")!);
      expect(location.origin + location.pathname).toBe(redirectUri);
      expect(location.searchParams.get("error")).toBe(error);
      expect(location.searchParams.get("error_description")).toBeTruthy();
      expect(location.searchParams.get("state")).toBe(state);
      expect(location.searchParams.get("code")).toBeNull();
    }
  });

  test("a plain code_challenge posted with the form is refused too (no code)", async () => {
    const { email } = await newUser();
    const { url } = await authorizationRequest();
    const page = await (await fetch(url)).text();
    const form = new URLSearchParams([
      ...hiddenFields(page).filter(([name]) => name !== "code_challenge_method"),
      ["code_challenge_method", "plain"],
      ["email", email],
      ["password", PASSWORD],
    ]);
    const posted = await fetch(new URL("/local/idp/authorize", base), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
      redirect: "manual",
    });
    const location = new URL(posted.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("code")).toBeNull();
  });

  test("a redirect_uri not allowed (or a wrong client) is shown as a page, never redirected", async () => {
    const cases: Array<Record<string, string | null>> = [
      { redirect_uri: "https://evil.example/auth/callback" },
      { redirect_uri: `${base}/auth/callback/` },
      { redirect_uri: `${base}/auth/callback?x=1` },
      { redirect_uri: null },
      { client_id: "someone-else" },
      { client_id: null, code_challenge_method: "plain" },
    ];
    for (const overrides of cases) {
      const { url } = await authorizationRequest(overrides);
      const response = await fetch(url, { redirect: "manual" });
      expect(response.status, JSON.stringify(overrides)).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await response.text();
      expect(html).not.toContain("evil.example");
    }
  });

  test("hostile parameters are HTML-escaped on the page", async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
    const { url } = await authorizationRequest({ state: hostile, nonce: hostile });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&#34;&#62;&#60;script&#62;");
    expect(hiddenFields(html)).toContainEqual(["state", hostile]);

    const { email } = await newUser();
    const { url: again } = await authorizationRequest({ state: hostile });
    const wrongEmail = `${hostile}@example.com`;
    const posted = await submitSignIn(again, wrongEmail, "wrong");
    const page = await posted.text();
    expect(posted.status).toBe(401);
    expect(page).not.toContain("<script");
    expect(page).toContain(`value="${wrongEmail.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}"`);
    expect(email).toBeTruthy();
  });

  test("a form post from another site (login CSRF) is refused; one from the sign-in page's origin is not", async () => {
    const { email } = await newUser();
    const { url } = await authorizationRequest();
    const fields = new URLSearchParams([...hiddenFields(await (await fetch(url)).text()), ["email", email], ["password", PASSWORD]]);
    const post = (origin: string) =>
      fetch(new URL("/local/idp/authorize", base), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin },
        body: fields,
        redirect: "manual",
      });
    const forged = await post("https://evil.example");
    expect(forged.status).toBe(403);
    expect(forged.headers.get("location")).toBeNull();
    const genuine = await post(base);
    expect(genuine.status).toBe(303);
    expect(new URL(genuine.headers.get("location")!).searchParams.get("code")).toBeTruthy();
  });

  test("a parameter given twice is refused: a page for client_id/redirect_uri, an error redirect for the rest", async () => {
    const { url } = await authorizationRequest();
    const twiceRedirect = new URL(url);
    twiceRedirect.searchParams.append("redirect_uri", "https://evil.example/");
    const page = await fetch(twiceRedirect, { redirect: "manual" });
    expect(page.status).toBe(400);
    expect(page.headers.get("location")).toBeNull();
    const twiceChallenge = new URL(url);
    twiceChallenge.searchParams.append("code_challenge_method", "plain");
    const redirected = await fetch(twiceChallenge, { redirect: "manual" });
    expect(redirected.status).toBe(303);
    expect(new URL(redirected.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
  });

  test("the sign-in form and the token endpoint take only form-encoded bodies", async () => {
    const signIn = await fetch(new URL("/local/idp/authorize", base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      redirect: "manual",
    });
    expect(signIn.status).toBe(400);
    expect(signIn.headers.get("location")).toBeNull();
    const token = await fetch(as.token_endpoint!, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: "invalid_request" });
  });

  test("the state is echoed unchanged, even with characters that need encoding", async () => {
    const { email } = await newUser();
    const state = "a b&c=d/é?#";
    const { callback } = await signedInCallback(email, { state });
    expect(callback.searchParams.get("state")).toBe(state);
  });

  test("a wrong password and an unknown email get the same 401 page (no enumeration), and no code", async () => {
    const { email } = await newUser();
    const pages: string[] = [];
    for (const [who, password] of [
      [email, "not-the-password"],
      ["nobody-here@example.com", "not-the-password"],
    ] as const) {
      const { url } = await authorizationRequest({ state: "fixed-state", nonce: "fixed-nonce", code_challenge: "A".repeat(43) });
      const posted = await submitSignIn(url, who, password);
      expect(posted.status).toBe(401);
      expect(posted.headers.get("location")).toBeNull();
      const html = await posted.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain("Incorrect email or password.");
      pages.push(html.replace(/value="[^"]*@example\.com"/, 'value="EMAIL"'));
    }
    expect(pages[0]).toBe(pages[1]);
  });

  test("a code expires after 60 s of the IdP's (test) clock", async () => {
    const { email } = await newUser();
    const { callback, codeVerifier } = await signedInCallback(email);
    try {
      testClock.advance(61);
      const expired = await tokenRequest({
        grant_type: "authorization_code",
        code: callback.searchParams.get("code")!,
        redirect_uri: redirectUri,
        client_id: AUDIENCE,
        code_verifier: codeVerifier,
      });
      expect(expired.status).toBe(400);
      const body = (await expired.json()) as { error: string; error_description: string };
      expect(body).toMatchObject({ error: "invalid_grant" });
      expect(body.error_description).toContain("expired");
    } finally {
      testClock.setOffsetSeconds(0);
    }
  });
});
