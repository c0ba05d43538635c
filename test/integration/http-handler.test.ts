/**
 * The HTTP handlers invoked as API Gateway invokes them in AWS (payload 2.0 events built here, with the JWT
 * authorizer's claims), against a real DynamoDB Local table: what only the handlers can refuse (an access token
 * that API Gateway's JWT authorizer lets through, a body in another charset) and what every path must answer
 * when something fails unexpectedly. Handler modules read the environment at cold start, so it is set first.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import type { Context } from "aws-lambda";
import { configureHandlersFor, createDomainHarness } from "../support/domain-harness.ts";
import type { HttpEvent, HttpResult, HttpOperation } from "../../functions/platform/http/http-handler.ts";

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

let h: Awaited<ReturnType<typeof createDomainHarness>>;
let listUserTokens: Handler;
let generateUserToken: Handler;
let createServiceUser: Handler;
let verifyToken: Handler;
let httpHandler: <I, C>(operation: HttpOperation<I, C>) => Handler;
let metrics: typeof import("../../functions/platform/metrics.ts").metrics;
let logger: typeof import("../../functions/platform/logger.ts").logger;

const ORG = `org-${randomUUID().slice(0, 8)}`;
const PASSWORD = "correct horse";

beforeAll(async () => {
  h = await createDomainHarness();
  configureHandlersFor(h, { PASSWORD_CHECK: "local" });
  // The local identity provider, as the local server registers it: here a stand-in that knows one password.
  const { registerLocalIdentityProvider } = await import("../../functions/adapters/identity/local-password-check.ts");
  registerLocalIdentityProvider({ verifyPassword: async (_userId, password) => password === PASSWORD });
  listUserTokens = (await import("../../functions/api/list-user-tokens.ts")).handler;
  generateUserToken = (await import("../../functions/api/generate-user-token.ts")).handler;
  createServiceUser = (await import("../../functions/api/create-service-user.ts")).handler;
  verifyToken = (await import("../../functions/api/verify-token.ts")).handler;
  httpHandler = (await import("../../functions/platform/http/http-handler.ts")).httpHandler as never;
  metrics = (await import("../../functions/platform/metrics.ts")).metrics;
  logger = (await import("../../functions/platform/logger.ts")).logger;
  await h.addMember(ORG, "ada", { permissions: ["api-tokens:admin"] });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const context = (): Context => ({ awsRequestId: `lambda-${randomUUID()}`, getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

/** A Cognito ID token's claims as API Gateway's JWT authorizer passes them (strings). */
const idTokenClaims = (sub = "ada") => ({
  sub,
  token_use: "id",
  aud: "client-1",
  iss: "https://cognito-idp.eu-west-1.amazonaws.com/pool",
  email: "ada@example.com",
});
/** A Cognito access token of the same client: no `aud` but `client_id`, which the JWT authorizer also accepts. */
const accessTokenClaims = (sub = "ada") => ({
  sub,
  token_use: "access",
  client_id: "client-1",
  scope: "aws.cognito.signin.user.admin",
  iss: "https://cognito-idp.eu-west-1.amazonaws.com/pool",
  username: sub,
});

function apiEvent(options: {
  method: string;
  path: string;
  routePath?: string;
  pathParameters?: Record<string, string>;
  claims?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}): HttpEvent {
  const routeKey = `${options.method} ${options.routePath ?? options.path}`;
  return {
    version: "2.0",
    routeKey,
    rawPath: options.path,
    rawQueryString: "",
    headers: { host: "api.example.com", ...options.headers },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method: options.method, path: options.path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      requestId: `apigw-${randomUUID()}`,
      routeKey,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  } as HttpEvent;
}

const listEvent = (claims: Record<string, unknown>) =>
  apiEvent({ method: "GET", path: `/v1/orgs/${ORG}/tokens`, routePath: "/v1/orgs/{orgId}/tokens", pathParameters: { orgId: ORG }, claims });

const generateEvent = (options: { body: string | Buffer; contentType?: string }) =>
  apiEvent({
    method: "POST",
    path: `/v1/orgs/${ORG}/tokens`,
    routePath: "/v1/orgs/{orgId}/tokens",
    pathParameters: { orgId: ORG },
    claims: idTokenClaims(),
    ...(options.contentType === undefined ? {} : { headers: { "content-type": options.contentType } }),
    // Bytes go base64-encoded, as API Gateway sends what it does not pass as text.
    ...(typeof options.body === "string" ? { body: options.body } : { body: options.body.toString("base64"), isBase64Encoded: true }),
  });

const createServiceUserEvent = (body: string) =>
  apiEvent({
    method: "POST",
    path: `/v1/orgs/${ORG}/service-users`,
    routePath: "/v1/orgs/{orgId}/service-users",
    pathParameters: { orgId: ORG },
    claims: idTokenClaims(),
    headers: { "content-type": "application/json" },
    body,
  });

const verifyEvent = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  apiEvent({ method: "POST", path: "/v1/verify", headers, body });

/** API.md's error shape, exactly, with the event's request id. */
function expectError(result: HttpResult, event: HttpEvent | undefined, status: number, code: string) {
  expect({ status: result.statusCode, body: result.body }).toMatchObject({ status });
  expect(result.headers?.["content-type"]).toBe("application/json");
  const body = JSON.parse(result.body!);
  expect(body).toEqual({ error: { code, message: expect.any(String), requestId: event?.requestContext.requestId ?? expect.any(String) } });
  return body.error as { code: string; message: string; requestId: string };
}

describe("sessions: only ID tokens (API.md Conventions)", () => {
  test("a Cognito access token, which API Gateway's JWT authorizer lets through, is 401 on member and admin routes", async () => {
    const list = listEvent(accessTokenClaims());
    expectError(await listUserTokens(list, context()), list, 401, "unauthenticated");
    const create = createServiceUserEvent(JSON.stringify({ name: "Nightly ETL", permissions: [] }));
    create.requestContext.authorizer!.jwt!.claims = accessTokenClaims();
    expectError(await createServiceUser(create, context()), create, 401, "unauthenticated");
    // The same person with an ID token is fine.
    const ok = await listUserTokens(listEvent(idTokenClaims()), context());
    expect(ok.statusCode, ok.body).toBe(200);
  });

  test("any token_use other than exactly `id` is refused; a session without the claim (another OIDC issuer) is fine", async () => {
    for (const tokenUse of ["access", "refresh", "ID", "", " id", null, 1]) {
      const event = listEvent({ ...idTokenClaims(), token_use: tokenUse });
      expectError(await listUserTokens(event, context()), event, 401, "unauthenticated");
    }
    const { token_use: _, ...withoutTokenUse } = idTokenClaims();
    expect((await listUserTokens(listEvent(withoutTokenUse), context())).statusCode).toBe(200);
  });

  test("401 comes before the body is read (an access token with a bad body is still 401)", async () => {
    const event = generateEvent({ body: "{not json", contentType: "application/json; charset=latin1" });
    event.requestContext.authorizer!.jwt!.claims = accessTokenClaims();
    expectError(await generateUserToken(event, context()), event, 401, "unauthenticated");
  });
});

describe("bodies are UTF-8", () => {
  const body = (name: string) => JSON.stringify({ name, password: PASSWORD });

  test("a body declared in another charset is 400 naming the charset problem, whatever its bytes", async () => {
    const cases: Array<[string, Buffer]> = [
      ["application/json; charset=latin1", Buffer.from(body("Zoë"), "latin1")],
      ["application/json; charset=ISO-8859-1", Buffer.from(body("Zoe"), "latin1")],
      ["application/json; charset=utf-16", Buffer.from(`\ufeff${body("Zoë")}`, "utf16le")],
      ["application/json; charset=utf-16le", Buffer.from(body("Zoë"), "utf16le")],
      ['application/json;charset="windows-1252"', Buffer.from(body("Zoë"), "latin1")],
      ["application/json; charset=us-ascii", Buffer.from(body("Zoe"))], // ASCII is UTF-8, but declaring it is not
      ["application/json; charset=", Buffer.from(body("Zoe"))],
      ["application/json; charset=utf-8, application/json; charset=latin1", Buffer.from(body("Zoe"))], // a repeated header
      ["application/json; charset=utf-8; charset=latin1", Buffer.from(body("Zoe"))],
    ];
    for (const [contentType, bytes] of cases) {
      const event = generateEvent({ body: bytes, contentType });
      const error = expectError(await generateUserToken(event, context()), event, 400, "invalid_request");
      expect(error.message, contentType).toMatch(/UTF-8.*charset|charset.*UTF-8/);
    }
    // Also when API Gateway passed the body as text.
    const asText = generateEvent({ body: body("Zoe"), contentType: "application/json; charset=latin1" });
    expect(JSON.parse((await generateUserToken(asText, context())).body!).error.message).toMatch(/charset/);
    expect(await h.userTokens.list({ orgId: ORG, userId: "ada" })).toEqual([]);
  });

  test("charset=utf-8 in any case, quoted or not, or no charset at all, is read as before", async () => {
    const made: string[] = [];
    for (const contentType of [
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=UTF-8",
      'Application/JSON;Charset="Utf-8"',
      "application/json ; charset = utf-8",
      "application/json; charset=utf8",
      "application/vnd.api+json; charset=utf-8",
    ]) {
      const name = `Zoë ${made.length}`;
      const result = await generateUserToken(generateEvent({ body: Buffer.from(body(name)), contentType }), context());
      expect(result.statusCode, `${contentType}: ${result.body}`).toBe(201);
      expect(JSON.parse(result.body!).token.name).toBe(name);
      made.push(JSON.parse(result.body!).token.id);
    }
    for (const id of made) await h.revoke({ orgId: ORG, userId: "ada", tokenId: id });
  });

  test("bytes that are not UTF-8 are 400, not names with U+FFFD in them", async () => {
    const cases = [
      Buffer.from(body("Zoë"), "latin1"), // undeclared latin1
      Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(`","password":"${PASSWORD}"}`)]), // an encoded surrogate
      Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from(`","password":"${PASSWORD}"}`)]), // overlong
    ];
    for (const bytes of cases) {
      const event = generateEvent({ body: bytes, contentType: "application/json" });
      const error = expectError(await generateUserToken(event, context()), event, 400, "invalid_request");
      expect(error.message).toMatch(/not valid UTF-8/);
    }
    // A text body holding a lone surrogate itself (a hand-made event) cannot have been UTF-8 either.
    const event = generateEvent({ body: `{"name":"a\ud800","password":"${PASSWORD}"}`, contentType: "application/json" });
    expectError(await generateUserToken(event, context()), event, 400, "invalid_request");
    expect(await h.userTokens.list({ orgId: ORG, userId: "ada" })).toEqual([]);
  });

  test("a lone surrogate escape (\\ud800) anywhere in the JSON is 400: a name, a permission, a verify token, a key", async () => {
    // The JSON texts below hold the escapes themselves (`\ud800` as six characters), as a client would send them.
    const name = createServiceUserEvent('{"name":"ETL \\ud800","permissions":[]}');
    expect(expectError(await createServiceUser(name, context()), name, 400, "invalid_request").message).toMatch(/well-formed Unicode/);
    const permission = createServiceUserEvent('{"name":"ETL","permissions":["reports:read","\\udc00"]}');
    expect(expectError(await createServiceUser(permission, context()), permission, 400, "invalid_request").message).toMatch(
      /lone surrogate/,
    );
    const token = verifyEvent('{"token":"atk_user_\\uDBFF"}');
    expectError(await verifyToken(token, context()), token, 400, "invalid_request");
    const key = verifyEvent('{"token":"x","\\ud800":1}');
    expectError(await verifyToken(key, context()), key, 400, "invalid_request");
    // An escaped surrogate pair is one character and fine; so is an escaped backslash followed by "ud800".
    const pair = createServiceUserEvent('{"name":"ETL \\ud83d\\udcca \\\\ud800","permissions":["\\ud83d\\ude00"]}');
    const created = await createServiceUser(pair, context());
    expect(created.statusCode, created.body).toBe(201);
    expect(JSON.parse(created.body!).serviceUser).toMatchObject({ name: "ETL 📊 \\ud800", permissions: ["😀"] });
  });
});

describe("invalid bodies are described in the words clients have always read", () => {
  test("zod's own checks (a length, a bound) in its English wording, next to this service's own messages", async () => {
    // The functions validate with zod/mini, which loads no locale: without `englishMessage` these would read "Invalid input".
    const password = generateEvent({ body: JSON.stringify({ name: "t", password: "x".repeat(1025) }), contentType: "application/json" });
    expect(expectError(await generateUserToken(password, context()), password, 400, "invalid_request").message).toBe(
      "Invalid request: password: Too big: expected string to have <=1024 characters.",
    );
    const serviceUser = createServiceUserEvent(JSON.stringify({ name: " ", permissions: Array(101).fill("p"), extra: 1 }));
    expect(expectError(await createServiceUser(serviceUser, context()), serviceUser, 400, "invalid_request").message).toBe(
      "Invalid request: name: must be 1–100 characters after trimming; permissions: at most 100 entries; unknown field(s): extra.",
    );
  });
});

describe("unexpected failures: 500 internal_error in API.md's shape, naming the request id, never the cause", () => {
  const CAUSE = "connect ECONNREFUSED 10.0.0.7:8000 table=tokens-prod secret=atk_user_x";

  const expectInternalError = (result: HttpResult, requestId: string) => {
    expect(result.statusCode).toBe(500);
    expect(result.headers?.["content-type"]).toBe("application/json");
    const body = JSON.parse(result.body!);
    expect(body).toEqual({ error: { code: "internal_error", message: expect.any(String), requestId } });
    expect(body.error.message).toContain(requestId);
    expect(result.body).not.toContain("ECONNREFUSED");
    expect(result.body).not.toContain("atk_user_x");
    expect(result.body).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  };

  test("an operation that throws", async () => {
    const failing = httpHandler({
      access: "open",
      run: async () => {
        throw new TypeError(CAUSE);
      },
    });
    const event = verifyEvent("{}");
    expectInternalError(await failing(event, context()), event.requestContext.requestId);
    // A value that is not an Error, and a result that cannot be serialized.
    const odd = httpHandler({
      access: "open",
      run: async () => {
        throw undefined;
      },
    });
    expectInternalError(await odd(event, context()), event.requestContext.requestId);
    const unserializable = httpHandler({ access: "open", run: async () => ({ count: 1n }) });
    expectInternalError(await unserializable(event, context()), event.requestContext.requestId);
  });

  test("a middleware before the error mapper that throws (the header normalizer) still answers with API Gateway's request id", async () => {
    const event = verifyEvent('{"token":"x"}');
    Object.defineProperty(event, "headers", {
      get: () => {
        throw new Error(CAUSE);
      },
      enumerable: true,
      configurable: true,
    });
    expectInternalError(await verifyToken(event, context()), event.requestContext.requestId);
  });

  test("an event that is not an object at all", async () => {
    const ctx = context();
    const route = httpHandler({ access: "open", run: async () => ({}) });
    expectInternalError(await route(null as unknown as HttpEvent, ctx), ctx.awsRequestId);
  });

  test("the error mapper's own logging failing is still a 500 in the error shape, not a Lambda error", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => {
      throw new Error(CAUSE);
    });
    const failing = httpHandler({
      access: "open",
      run: async () => {
        throw new Error(CAUSE);
      },
    });
    const event = verifyEvent("{}");
    expectInternalError(await failing(event, context()), event.requestContext.requestId);
  });

  test("metrics that cannot be published never change the answer (a 201 carries a secret that would be lost)", async () => {
    vi.spyOn(metrics, "publishStoredMetrics").mockImplementation(() => {
      throw new Error(CAUSE);
    });
    const made = await generateUserToken(
      generateEvent({ body: JSON.stringify({ name: "metrics down", password: PASSWORD }), contentType: "application/json" }),
      context(),
    );
    expect(made.statusCode, made.body).toBe(201);
    expect(JSON.parse(made.body!).secret).toMatch(/^atk_user_/);
    const missing = apiEvent({
      method: "DELETE",
      path: `/v1/orgs/${ORG}/tokens/nope`,
      routePath: "/v1/orgs/{orgId}/tokens/{tokenId}",
      pathParameters: { orgId: ORG, tokenId: "nope" },
      claims: idTokenClaims(),
    });
    const revoke = (await import("../../functions/api/revoke-user-token.ts")).handler;
    expectError(await revoke(missing, context()), missing, 404, "not_found");
    await h.revoke({ orgId: ORG, userId: "ada", tokenId: JSON.parse(made.body!).token.id });
  });
});

describe("password re-check in local mode (PASSWORD_CHECK=local)", () => {
  test("asks the identity provider registered in this process; none registered is an outage (500), never a wrong password", async () => {
    const { registerLocalIdentityProvider } = await import("../../functions/adapters/identity/local-password-check.ts");
    const wrong = generateEvent({ body: JSON.stringify({ name: "t", password: "wrong" }), contentType: "application/json" });
    expectError(await generateUserToken(wrong, context()), wrong, 403, "invalid_password");
    const calls: string[] = [];
    registerLocalIdentityProvider({
      verifyPassword: async (userId, password) => {
        calls.push(userId);
        return password === PASSWORD;
      },
    });
    const right = await generateUserToken(
      generateEvent({ body: JSON.stringify({ name: "t", password: PASSWORD }), contentType: "application/json" }),
      context(),
    );
    expect(right.statusCode, right.body).toBe(201);
    expect(calls).toEqual(["ada"]);
    await h.revoke({ orgId: ORG, userId: "ada", tokenId: JSON.parse(right.body!).token.id });
    registerLocalIdentityProvider(undefined);
    try {
      const event = generateEvent({ body: JSON.stringify({ name: "t", password: PASSWORD }), contentType: "application/json" });
      const result = await generateUserToken(event, context());
      expect(result.statusCode).toBe(500);
      // Not counted as a wrong password (the right one above had reset the count).
      expect((await h.store.getPasswordFailures("ada"))?.failedAt ?? []).toEqual([]);
    } finally {
      registerLocalIdentityProvider({ verifyPassword: async (_userId, password) => password === PASSWORD });
    }
  });
});

describe("the factory is built on what it is given (no composition root)", () => {
  const membership = (permissions: string[]) => ({
    orgId: ORG,
    userId: "ada",
    status: "active",
    name: "Ada",
    permissions,
    groups: [],
    sites: [],
  });
  const lookup = (permissions: string[] | undefined) => ({
    getMembership: async (orgId: string, userId: string) =>
      permissions && orgId === ORG && userId === "ada" ? (membership(permissions) as never) : undefined,
  });

  test("an admin route asks the injected lookup, and the domain's admin rule decides 403 or the operation", async () => {
    const route = (permissions: string[] | undefined) =>
      httpHandler({ access: "admin", members: lookup(permissions), run: async ({ membership: m }) => ({ orgId: m.orgId }) });
    const event = () => listEvent(idTokenClaims());
    const ok = await route(["api-tokens:admin"])(event(), context());
    expect({ status: ok.statusCode, body: JSON.parse(ok.body!) }).toEqual({ status: 200, body: { orgId: ORG } });
    const notAdmin = event();
    expect(expectError(await route(["reports:read"])(notAdmin, context()), notAdmin, 403, "forbidden").message).toMatch(/api-tokens:admin/);
    const notMember = event();
    expectError(await route(undefined)(notMember, context()), notMember, 403, "forbidden");
  });

  test("a member route needs no admin permission", async () => {
    const route = httpHandler({ access: "member", members: lookup([]), run: async ({ userId }) => ({ userId }) });
    const ok = await route(listEvent(idTokenClaims()), context());
    expect(JSON.parse(ok.body!)).toEqual({ userId: "ada" });
  });
});

describe("person routes (GET /v1/me): a session, no organization", () => {
  const meEvent = (claims?: Record<string, unknown>, body?: string) =>
    apiEvent({ method: "GET", path: "/v1/me", ...(claims ? { claims } : {}), ...(body === undefined ? {} : { body }) });

  test("the person's id from the session, no membership looked up; no session, an access token or no id claim is 401", async () => {
    let runs = 0;
    const route = httpHandler({
      access: "person",
      run: async ({ userId, membership }) => {
        runs++;
        return { userId, membership: membership ?? null };
      },
    });
    const ok = await route(meEvent(idTokenClaims("someone")), context());
    expect({ status: ok.statusCode, body: JSON.parse(ok.body!) }).toEqual({ status: 200, body: { userId: "someone", membership: null } });
    for (const event of [meEvent(), meEvent(accessTokenClaims()), meEvent({ token_use: "id", aud: "client-1" })]) {
      expectError(await route(event, context()), event, 401, "unauthenticated");
    }
    // API.md's precedence: 401 before the body's 400; a body on a route that takes none is 400.
    const both = meEvent(undefined, "{not json");
    expectError(await route(both, context()), both, 401, "unauthenticated");
    const withBody = meEvent(idTokenClaims(), JSON.stringify({ userId: "other" }));
    expectError(await route(withBody, context()), withBody, 400, "invalid_request");
    expect(runs).toBe(1);
  });

  test("the get-me handler answers the caller's organizations", async () => {
    const getMe = (await import("../../functions/api/get-me.ts")).handler as Handler;
    const result = await getMe(meEvent(idTokenClaims("ada")), context());
    expect(JSON.parse(result.body!)).toEqual({
      user: { id: "ada", name: "Person ada" },
      organizations: [{ orgId: ORG, name: null, ssoEnforced: false, admin: true }],
    });
  });
});
