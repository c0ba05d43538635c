/**
 * The functions that are not routes, invoked as AWS invokes them: the operator's console function and the
 * token authorizer other APIs attach. Their modules read the environment at cold start, so it is set first.
 */
import { beforeAll, describe, expect, test } from "vitest";
import type { APIGatewayRequestAuthorizerEventV2, Context } from "aws-lambda";
import { eventOf } from "../../functions/operations/redrive-dead-letters.ts";
import { configureHandlersFor, createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
let revokeUserTokens: (event: unknown, context: Context) => Promise<any>;
let authorizer: (event: APIGatewayRequestAuthorizerEventV2, context: Context) => Promise<any>;
const context = { awsRequestId: "test", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const authorize = (event: APIGatewayRequestAuthorizerEventV2) => authorizer(event, context);

beforeAll(async () => {
  h = await createDomainHarness();
  configureHandlersFor(h, { LOG_LEVEL: "WARN" });
  revokeUserTokens = (await import("../../functions/operations/revoke-user-tokens.ts")).handler as never;
  authorizer = (await import("../../functions/authorizers/token-authorizer.ts")).handler as never;
});

describe("the operator's revoke-all function", () => {
  test("dry run by default; then revokes every active user token of the person there, recorded as System with the operator", async () => {
    const m = await h.addMember("org-ops", "vic");
    const elsewhere = await h.addMember("org-ops-2", "vic");
    const tokens = [await h.userTokens.generate({ ...m, name: "a" }), await h.userTokens.generate({ ...m, name: "b" })];
    const other = await h.userTokens.generate({ ...elsewhere, name: "c" });
    const input = { orgId: "org-ops", userId: "vic", operator: "jane@ops", reason: "laptop stolen" };

    const dry = await revokeUserTokens(input, context);
    expect(dry).toEqual({ ok: true, dryRun: true, revoked: expect.arrayContaining(tokens.map((t) => t.token.id)) });
    expect(await h.verifier.verify({ token: tokens[0]!.secret })).toMatchObject({ valid: true });

    const done = await revokeUserTokens({ ...input, dryRun: false }, context);
    expect(done.revoked.sort()).toEqual(tokens.map((t) => t.token.id).sort());
    for (const t of tokens) expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: other.secret })).toMatchObject({ valid: true });
    // The person is still a member and can make new tokens.
    expect((await h.store.getMembership("org-ops", "vic"))!.status).toBe("active");
    const records = (await h.store.listActivity("org-ops", 50, undefined)).items.filter((r) => r.action === "token.revoked");
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r.actor).toEqual({ type: "system", id: "system", name: "System" });
      expect(r.detail).toMatchObject({ reason: "operator", operator: "jane@ops", note: "laptop stolen" });
    }
    // Safe to run again: nothing more to revoke, nothing recorded twice.
    expect(await revokeUserTokens({ ...input, dryRun: false }, context)).toEqual({ ok: true, dryRun: false, revoked: [] });
    expect((await h.store.listActivity("org-ops", 50, undefined)).items.filter((r) => r.action === "token.revoked")).toHaveLength(2);
  });

  test("a wrong input is answered with what is wrong and an example, and changes nothing", async () => {
    const answer = await revokeUserTokens({ orgId: "org-ops", userId: "bad#id", operator: "", reason: "x", extra: 1 }, context);
    expect(answer.ok).toBe(false);
    expect(answer.error).toBe(
      "Invalid request: userId: must be 1–128 letters, digits or . _ : @ | - (not . or .. alone); " +
        "operator: Too small: expected string to have >=1 characters; unknown field(s): extra.",
    );
    expect(answer.example).toMatchObject({ dryRun: true });
    const tooLong = await revokeUserTokens(
      { orgId: "org-ops", userId: "vic", operator: " jane ", reason: "x".repeat(501), dryRun: "yes" },
      context,
    );
    expect(tooLong).toMatchObject({
      ok: false,
      error: "Invalid request: reason: Too big: expected string to have <=500 characters; dryRun: expected boolean.",
    });
  });
});

describe("the token authorizer for other APIs", () => {
  const request = (authorization?: string) =>
    ({
      version: "2.0",
      type: "REQUEST",
      routeArn: "arn:aws:execute-api:eu-west-1:123456789012:api/$default/GET/reports",
      identitySource: authorization ? [authorization] : [],
      headers: authorization ? { authorization } : {},
    }) as unknown as APIGatewayRequestAuthorizerEventV2;

  test("passes the principal, permissions, groups and sites of a valid token as context", async () => {
    const m = await h.addMember("org-authz", "wes", { name: "Wes", permissions: ["reports:read"], groups: ["g"], sites: ["s"] });
    const { token, secret } = await h.userTokens.generate({ ...m, name: "t" });
    const answer = await authorize(request(`Bearer ${secret}`));
    expect(answer).toEqual({
      isAuthorized: true,
      context: {
        orgId: "org-authz",
        tokenId: token.id,
        kind: "user",
        principalType: "user",
        principalId: "wes",
        principalName: "Wes",
        permissions: '["reports:read"]',
        groups: '["g"]',
        sites: '["s"]',
        canLogin: true,
      },
    });
  });

  test("reads the token from the identity source when the header map lacks it", async () => {
    const m = await h.addMember("org-authz", "yan");
    const { secret } = await h.userTokens.generate({ ...m, name: "t" });
    const answer = await authorize({ ...request(`Bearer ${secret}`), headers: {} });
    expect(answer).toMatchObject({ isAuthorized: true, context: { principalId: "yan" } });
  });

  test("refuses missing, malformed, unknown and revoked tokens, and never echoes them", async () => {
    const m = await h.addMember("org-authz", "xia");
    const { token, secret } = await h.userTokens.generate({ ...m, name: "t" });
    await h.revoke({ ...m, tokenId: token.id });
    for (const header of [undefined, "Bearer", "Basic abc", `Bearer ${secret.slice(0, -1)}x`, `Bearer ${secret}`]) {
      const answer = await authorize(request(header));
      expect(answer).toEqual({ isAuthorized: false, context: {} });
    }
  });
});

describe("the operator's redrive function", () => {
  test("a wrong input is answered with what is wrong and the handlers it knows (none here), before any queue is read", async () => {
    const redrive = (await import("../../functions/operations/redrive-dead-letters.ts")).handler as (
      event: unknown,
      context: Context,
    ) => Promise<any>;
    const answer = await redrive({ handler: "on-user-removed", extra: true }, context);
    expect(answer).toEqual({
      ok: false,
      error: 'Invalid request: handler: Invalid input: expected "none"; unknown field(s): extra.',
      handlers: [],
    });
    const wrong = async (maxMessages: unknown) => (await redrive({ handler: "none", maxMessages }, context)).error;
    expect(await wrong(0)).toBe("Invalid request: maxMessages: Too small: expected number to be >=1.");
    expect(await wrong(2.5)).toBe("Invalid request: maxMessages: expected int.");
    expect(await wrong(101)).toBe("Invalid request: maxMessages: Too big: expected number to be <=100.");
  });
});

describe("dead-letter messages", () => {
  const event = {
    version: "0",
    id: "e1",
    "detail-type": "User Deactivated",
    source: "platform.users",
    detail: { orgId: "o", userId: "u" },
  };
  test("yield the original event, from EventBridge's DLQ (the event itself) or Lambda's on-failure record", () => {
    expect(eventOf(JSON.stringify(event))).toEqual(event);
    expect(eventOf(JSON.stringify({ version: "1.0", requestContext: { condition: "RetriesExhausted" }, requestPayload: event }))).toEqual(
      event,
    );
  });
  test("anything else is left alone", () => {
    expect(eventOf("not json")).toBeUndefined();
    expect(eventOf(JSON.stringify({ hello: "world" }))).toBeUndefined();
  });
});
