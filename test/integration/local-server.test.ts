/**
 * The local server (`local/server.ts`) started in this process, so a test can reach what a client cannot:
 * the identity provider's signing key (to mint a Cognito-style access token), and failures injected into its
 * clock and identity provider (to see every path answer API.md's 500, and the server stay up).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalIdentityProvider } from "../../local/identity-provider.ts";
import type { RunningLocalServer } from "../../local/server.ts";
import { ApiClient, type ApiResponse } from "../support/api-client.ts";
import { createTestTable } from "../support/table.ts";
import { configureHandlersFor, TEST_CURSOR_KEY } from "../support/domain-harness.ts";

const ISSUER = "http://127.0.0.1/local/idp";
const AUDIENCE = "api-token-service-local";
const CAUSE = "EACCES: permission denied, open '/srv/secret-path/identity-provider.json'";

/** What the next request should find broken. */
const broken = { clock: false, idp: undefined as undefined | "error" | "undefined" };

let server: RunningLocalServer;
let api: ApiClient;
let stateDir: string;
let stateFile: string;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const table = await createTestTable("local-server");
  table.documentClient.destroy();
  // As the local server's main sets them (local/main.ts), on this file's own tables.
  configureHandlersFor(table, { CLOCK: "test", PASSWORD_CHECK: "local", CURSOR_KEY: TEST_CURSOR_KEY });
  const { testClock } = await import("../../functions/adapters/clock/clocks.ts");
  const { startLocalServer } = await import("../../local/server.ts");
  stateDir = await mkdtemp(join(tmpdir(), "local-server-test-"));
  stateFile = join(stateDir, "identity-provider.json");
  const idp = await LocalIdentityProvider.open({ issuer: ISSUER, audience: AUDIENCE, clock: testClock, stateFile });
  // The real provider, except where a test breaks it.
  const identityProvider = new Proxy(idp, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (broken.idp === "error" && (property === "login" || property === "jwks")) throw new Error(CAUSE);
        if (broken.idp === "undefined" && (property === "login" || property === "jwks")) throw undefined;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const clock = {
    now: () => {
      if (broken.clock) throw new Error(CAUSE);
      return testClock.now();
    },
    advance: (seconds: number) => testClock.advance(seconds),
  };
  server = await startLocalServer({
    host: "127.0.0.1",
    port: 0,
    repositoryRoot: resolve(import.meta.dirname, "../.."),
    identityProvider,
    clock,
    log: (entry) => void logs.push(entry),
  });
  api = new ApiClient(server.url);
});

afterAll(async () => {
  api?.events.destroy();
  await server?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function member(options: { permissions?: string[] } = {}) {
  const orgId = `org-${randomUUID().slice(0, 8)}`;
  const userId = `user-${randomUUID().slice(0, 8)}`;
  const password = `pw-${randomUUID()}`;
  await api.upsertMember({ orgId, userId, name: "Ada", permissions: options.permissions ?? [] });
  const session = await api.signUp(userId, password);
  return { orgId, userId, password, session };
}

function expectError(response: ApiResponse, status: number, code: string) {
  expect({ status: response.status, code: response.body?.error?.code }, response.text).toEqual({ status, code });
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

function expectInternalError(response: ApiResponse) {
  expectError(response, 500, "internal_error");
  expect(response.body.error.message).toContain(response.body.error.requestId);
  expect(response.text).not.toContain("EACCES");
  expect(response.text).not.toContain("secret-path");
  expect(response.text).not.toMatch(/at .*\.ts:\d+/);
}

/** A request with a raw request line, which fetch would not send. */
function rawRequest(requestLine: string): Promise<string> {
  return new Promise((done, fail) => {
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.end(`${requestLine}\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
    });
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString()));
    socket.on("end", () => done(text));
    socket.on("error", fail);
  });
}

describe("the password re-check is no open oracle", () => {
  test("POST /local/idp/verify-password answers nothing about passwords: 404, even for the right one", async () => {
    const person = await member();
    for (const password of [person.password, "wrong"]) {
      const response = await api.request("POST", "/local/idp/verify-password", { body: { userId: person.userId, password } });
      expectError(response, 404, "not_found");
      expect(response.text).not.toContain('valid":');
    }
  });

  test("generate still checks the password, in-process, and through the service's lock", async () => {
    const person = await member();
    const generate = (password: string) =>
      api.request("POST", `/v1/orgs/${person.orgId}/tokens`, { bearer: person.session, body: { name: "t", password } });
    expect((await generate(person.password)).status).toBe(201);
    for (let i = 0; i < 5; i++) expectError(await generate("wrong"), 403, "invalid_password");
    expectError(await generate(person.password), 429, "too_many_attempts");
  });
});

describe("sessions: only ID tokens", () => {
  test("an access token signed with the identity provider's own key is 401; an ID token with the same claims is not", async () => {
    const person = await member();
    const { signingKey } = JSON.parse(await readFile(stateFile, "utf8")) as { signingKey: Record<string, string> };
    const key = await importJWK(signingKey, "ES256");
    const kid = (await api.request<{ keys: Array<{ kid: string }> }>("GET", "/local/idp/.well-known/jwks.json")).body.keys[0]!.kid;
    const now = Math.floor(Date.now() / 1000);
    const mint = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
        .setSubject(person.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key);
    const list = (session: string) => api.request("GET", `/v1/orgs/${person.orgId}/tokens`, { bearer: session });
    expect((await list(await mint({ token_use: "id" }))).status).toBe(200);
    expectError(
      await list(await mint({ token_use: "access", client_id: AUDIENCE, scope: "aws.cognito.signin.user.admin" })),
      401,
      "unauthenticated",
    );
  });
});

describe("unexpected failures answer 500 internal_error in API.md's shape, and the server stays up", () => {
  test("in the server's own code on an API route, the PutEvents endpoint and the test clock", async () => {
    broken.clock = true;
    try {
      expectInternalError(await api.request("POST", "/v1/verify", { body: { token: "atk_user_x" } }));
      expectInternalError(await api.request("GET", "/local/clock"));
      const put = await api.request("POST", "/local/eventbridge/", {
        headers: { "x-amz-target": "AWSEvents.PutEvents", "content-type": "application/x-amz-json-1.1" },
        rawBody: JSON.stringify({ Entries: [{ Source: "platform.users", DetailType: "User Upserted", Detail: "{}" }] }),
      });
      expectInternalError(put);
    } finally {
      broken.clock = false;
    }
    expect((await api.request("GET", "/local/clock")).status).toBe(200);
  });

  test("in the identity provider's endpoints, also when what is thrown is not an Error", async () => {
    const person = await member();
    for (const failure of ["error", "undefined"] as const) {
      broken.idp = failure;
      try {
        expectInternalError(
          await api.request("POST", "/local/idp/login", { body: { email: `${person.userId}@example.com`, password: person.password } }),
        );
        expectInternalError(await api.request("GET", "/local/idp/.well-known/jwks.json"));
      } finally {
        broken.idp = undefined;
      }
    }
    expect((await api.request("GET", "/local/idp/.well-known/jwks.json")).status).toBe(200);
    // The log has what went wrong, with the request id the client was given.
    expect(logs.some((entry) => entry.level === "error" && entry.errorMessage === CAUSE && typeof entry.requestId === "string")).toBe(true);
  });

  test("bad input to the local endpoints is 400, not 500: a JSON null, array or string for the clock, bad bytes, a lone surrogate", async () => {
    for (const rawBody of ["null", "[]", '"x"', "7"]) {
      expectError(
        await api.request("POST", "/local/clock", { rawBody, headers: { "content-type": "application/json" } }),
        400,
        "invalid_request",
      );
    }
    const latin1 = Buffer.from(JSON.stringify({ userId: "zoe", email: "zoë@example.com", password: "pässword" }), "latin1");
    expectError(
      await api.request("POST", "/local/idp/users", { rawBody: latin1, headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
    const surrogate = '{"userId":"zoe","email":"zoe@example.com","password":"\\ud800"}';
    expectError(
      await api.request("POST", "/local/idp/users", { rawBody: surrogate, headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
  });

  test("routing: a request target that is no URL at all is an unknown route (404), not a failure", async () => {
    const reply = await rawRequest("GET //[ HTTP/1.1");
    expect(reply).toMatch(/^HTTP\/1\.1 404 /);
    expect(reply).toContain('"code":"not_found"');
  });

  test("API routes get bytes that are not UTF-8 as bytes (base64), and refuse them", async () => {
    const person = await member();
    const body = Buffer.from(JSON.stringify({ name: "Zoë", password: person.password }), "latin1");
    const response = await api.request("POST", `/v1/orgs/${person.orgId}/tokens`, {
      bearer: person.session,
      rawBody: body,
      headers: { "content-type": "application/json" },
    });
    expectError(response, 400, "invalid_request");
    expect(response.body.error.message).toMatch(/UTF-8/);
  });
});
