/**
 * API.md Conventions: "The person's id is the JWT's `sub` claim, or the claim the deployment names instead (for
 * example `custom:platform_user_id`) ... a session without that claim is 401." The deployment names it with
 * `SESSION_USER_ID_CLAIM` (the CDK context `userIdClaim`). Handlers read it when they are built (cold start),
 * so each case stubs the environment and then imports the handler modules afresh, as a new Lambda would.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import type { Context } from "aws-lambda";
import { AdminInitiateAuthCommand, CognitoIdentityProviderClient, NotAuthorizedException } from "@aws-sdk/client-cognito-identity-provider";
import { TEST_CURSOR_KEY, configureHandlersFor, createDomainHarness } from "../support/domain-harness.ts";
import type { HttpEvent, HttpResult } from "../../functions/platform/http/http-handler.ts";

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

let h: Awaited<ReturnType<typeof createDomainHarness>>;
const ORG = `org-${randomUUID().slice(0, 8)}`;
/** The platform's id of the person, which the platform's user events use. */
const PLATFORM_ID = "plat-ada";
/** What Cognito generated for the same person: it is no platform id. */
const COGNITO_SUB = "7f3c2a9e-0d4b-4c55-9a1e-3b2f6c8d9e10";
const CLAIM = "custom:platform_user_id";

beforeAll(async () => {
  h = await createDomainHarness();
  configureHandlersFor(h, { CURSOR_KEY: TEST_CURSOR_KEY });
  await h.addMember(ORG, PLATFORM_ID, { permissions: ["api-tokens:admin"] });
  // A member whose platform id happens to equal another person's Cognito sub, to show `sub` is not read.
  await h.addMember(ORG, COGNITO_SUB);
  await h.userTokens.generate({ orgId: ORG, userId: PLATFORM_ID, password: `pw-${PLATFORM_ID}`, name: "Ada's export" });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});
afterAll(() => vi.unstubAllEnvs());

/** The handler modules as a Lambda with this environment would load them. */
async function handlers(env: Record<string, string | undefined>) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return {
    listUserTokens: (await import("../../functions/api/list-user-tokens.ts")).handler as Handler,
    listServiceUsers: (await import("../../functions/api/list-service-users.ts")).handler as Handler,
  };
}

const context = (): Context => ({ awsRequestId: `lambda-${randomUUID()}`, getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

/** A Cognito ID token's claims as API Gateway's JWT authorizer passes them. */
const idTokenClaims = (extra: Record<string, unknown> = {}) => ({
  sub: COGNITO_SUB,
  token_use: "id",
  aud: "client-1",
  iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool",
  "cognito:username": "ada@example.com",
  email: "ada@example.com",
  ...extra,
});

function sessionEvent(method: string, route: string, claims: Record<string, unknown>, body?: unknown): HttpEvent {
  const path = route.replace("{orgId}", ORG);
  const routeKey = `${method} ${route}`;
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: "",
    headers: { host: "api.example.com", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    pathParameters: { orgId: ORG },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      requestId: `apigw-${randomUUID()}`,
      routeKey,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      authorizer: { jwt: { claims, scopes: null } },
    },
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}
const listEvent = (claims: Record<string, unknown>) => sessionEvent("GET", "/v1/orgs/{orgId}/tokens", claims);
const generateEvent = (claims: Record<string, unknown>, body: { name: string; password?: string }) =>
  sessionEvent("POST", "/v1/orgs/{orgId}/tokens", claims, body);
const listServiceUsersEvent = (claims: Record<string, unknown>) => sessionEvent("GET", "/v1/orgs/{orgId}/service-users", claims);

function expectError(result: HttpResult, status: number, code: string) {
  expect(result.statusCode, result.body).toBe(status);
  const { error } = JSON.parse(result.body!) as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  return error;
}

describe(`SESSION_USER_ID_CLAIM=${CLAIM} (the built-in Cognito pool)`, () => {
  test("the person is the value of that claim; `sub` is ignored", async () => {
    const { listUserTokens, listServiceUsers } = await handlers({ SESSION_USER_ID_CLAIM: CLAIM });
    const mine = await listUserTokens(listEvent(idTokenClaims({ [CLAIM]: PLATFORM_ID })), context());
    expect(mine.statusCode, mine.body).toBe(200);
    expect(JSON.parse(mine.body!).tokens).toEqual([expect.objectContaining({ name: "Ada's export", ownerId: PLATFORM_ID })]);
    // The admin route finds Ada's membership (with api-tokens:admin) by the claim too.
    expect((await listServiceUsers(listServiceUsersEvent(idTokenClaims({ [CLAIM]: PLATFORM_ID })), context())).statusCode).toBe(200);

    // The `sub` names a member here, yet the claim names nobody in this organization: forbidden, not that member.
    expectError(await listUserTokens(listEvent(idTokenClaims({ [CLAIM]: "plat-nobody" })), context()), 403, "forbidden");
  });

  test("401 when the claim is missing, even though `sub` is there (and names a member)", async () => {
    const { listUserTokens, listServiceUsers } = await handlers({ SESSION_USER_ID_CLAIM: CLAIM });
    const error = expectError(await listUserTokens(listEvent(idTokenClaims()), context()), 401, "unauthenticated");
    expect(error.message).toContain(`\`${CLAIM}\``);
    expectError(await listServiceUsers(listServiceUsersEvent(idTokenClaims()), context()), 401, "unauthenticated");
  });

  test("401 when the claim is empty or not a string", async () => {
    const { listUserTokens } = await handlers({ SESSION_USER_ID_CLAIM: CLAIM });
    for (const value of ["", null, 42, [PLATFORM_ID], { id: PLATFORM_ID }, true]) {
      const result = await listUserTokens(listEvent(idTokenClaims({ [CLAIM]: value })), context());
      expect(expectError(result, 401, "unauthenticated").message, JSON.stringify(value)).toContain(CLAIM);
    }
  });

  test("an access token is still refused as such (it carries no custom attributes either)", async () => {
    const { listUserTokens } = await handlers({ SESSION_USER_ID_CLAIM: CLAIM });
    const result = await listUserTokens(listEvent(idTokenClaims({ token_use: "access", [CLAIM]: PLATFORM_ID })), context());
    expect(expectError(result, 401, "unauthenticated").message).toMatch(/ID token/);
  });
});

describe("by default the person is `sub` (an external issuer, or the local identity provider)", () => {
  test.each([
    ["unset", undefined],
    ["empty", ""],
    ["sub", "sub"],
  ])("SESSION_USER_ID_CLAIM %s", async (_, value) => {
    const { listUserTokens } = await handlers({ SESSION_USER_ID_CLAIM: value });
    const ok = await listUserTokens(listEvent({ sub: PLATFORM_ID, token_use: "id", [CLAIM]: "plat-nobody" }), context());
    expect(ok.statusCode, ok.body).toBe(200);
    const owners = new Set(JSON.parse(ok.body!).tokens.map((t: { ownerId: string }) => t.ownerId));
    expect(owners).toEqual(new Set([PLATFORM_ID]));
    const { sub: _sub, ...withoutSub } = idTokenClaims();
    expect(expectError(await listUserTokens(listEvent(withoutSub), context()), 401, "unauthenticated").message).toContain("`sub`");
  });
});

describe("a bad SESSION_USER_ID_CLAIM fails the function loudly at cold start", () => {
  test.each([" sub", "custom:platform user id", "token_use", "aud", "ünïcode", "x".repeat(257)])("%j", async (value) => {
    await expect(handlers({ SESSION_USER_ID_CLAIM: value })).rejects.toThrow(/Invalid session configuration.*SESSION_USER_ID_CLAIM/);
  });

  test("verify, which takes no session, does not read it", async () => {
    vi.stubEnv("SESSION_USER_ID_CLAIM", "not a claim");
    vi.resetModules();
    await expect(import("../../functions/api/verify-token.ts")).resolves.toBeDefined();
  });
});

describe("the Cognito password re-check (PASSWORD_CHECK=cognito) checks the pool user the session names", () => {
  /** Cognito cannot run here: the client's `send` answers as the pool would, and records what it was asked. */
  function fakePool(password: string) {
    const sent: unknown[] = [];
    vi.spyOn(CognitoIdentityProviderClient.prototype, "send").mockImplementation((async (command: unknown) => {
      sent.push(command);
      if (!(command instanceof AdminInitiateAuthCommand)) throw new Error(`unexpected ${(command as object).constructor.name}`);
      if (command.input.AuthParameters?.PASSWORD !== password) {
        throw new NotAuthorizedException({ message: "Incorrect username or password.", $metadata: {} });
      }
      return { AuthenticationResult: {} };
    }) as never);
    return sent;
  }
  const cognitoEnv = {
    SESSION_USER_ID_CLAIM: CLAIM,
    PASSWORD_CHECK: "cognito",
    COGNITO_USER_POOL_ID: "eu-west-1_pool",
    COGNITO_CLIENT_ID: "client-1",
    AWS_REGION: "eu-west-1",
  };
  const generateHandler = async () => {
    await handlers(cognitoEnv);
    return (await import("../../functions/api/generate-user-token.ts")).handler as Handler;
  };

  test("AdminInitiateAuth as the session's cognito:username; the token is the platform id's", async () => {
    const sent = fakePool("correct horse");
    const generate = await generateHandler();
    const made = await generate(
      generateEvent(idTokenClaims({ [CLAIM]: PLATFORM_ID }), { name: "via Cognito", password: "correct horse" }),
      context(),
    );
    expect(made.statusCode, made.body).toBe(201);
    expect(JSON.parse(made.body!).token.ownerId).toBe(PLATFORM_ID);
    expect(sent).toHaveLength(1); // no ListUsers
    expect((sent[0] as AdminInitiateAuthCommand).input).toEqual({
      UserPoolId: "eu-west-1_pool",
      ClientId: "client-1",
      AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: "ada@example.com", PASSWORD: "correct horse" },
    });
    await h.revoke({ orgId: ORG, userId: PLATFORM_ID, tokenId: JSON.parse(made.body!).token.id });

    const wrong = await generate(generateEvent(idTokenClaims({ [CLAIM]: PLATFORM_ID }), { name: "x", password: "wrong" }), context());
    expectError(wrong, 403, "invalid_password");
    // A right password resets the count again, for the next tests.
    expect(
      (await generate(generateEvent(idTokenClaims({ [CLAIM]: PLATFORM_ID }), { name: "t", password: "correct horse" }), context()))
        .statusCode,
    ).toBe(201);
  });

  test("a session without cognito:username is 401, Cognito is not asked, and it counts toward no lock", async () => {
    const sent = fakePool("correct horse");
    const generate = await generateHandler();
    const { "cognito:username": _, ...claims } = idTokenClaims({ [CLAIM]: PLATFORM_ID });
    for (let i = 0; i < 6; i++) {
      const result = await generate(generateEvent(claims, { name: "x", password: "correct horse" }), context());
      expect(expectError(result, 401, "unauthenticated").message).toContain("cognito:username");
    }
    expect(sent).toEqual([]);
    expect((await h.store.getPasswordFailures(PLATFORM_ID))?.failedAt ?? []).toEqual([]);
  });
});
