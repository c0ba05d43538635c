/**
 * The verify function invoked directly (`lambda:InvokeFunction` with `{ "token", "orgId"? }`, no API Gateway):
 * the verification result object itself, the same answers as `POST /v1/verify`, and a clear error object for
 * an event of the wrong shape or a failure, never a crash. And the hot path is quiet: a successful
 * verification writes no log line at INFO, only its metrics (one EMF line, no warnings).
 */
import type { Context } from "aws-lambda";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { StoreUnavailable } from "../../functions/domain/errors.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";
import { configureHandlersFor, createDomainHarness } from "../support/domain-harness.ts";

type VerifyModule = typeof import("../../functions/api/verify-token.ts");
let h: Awaited<ReturnType<typeof createDomainHarness>>;
let verify: VerifyModule;
const context = (id = "direct-1") => ({ awsRequestId: id, getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

beforeAll(async () => {
  h = await createDomainHarness();
  // INFO and metrics on, as deployed: the log tests below read what the function writes.
  configureHandlersFor(h, { LOG_LEVEL: "INFO", METRICS_DISABLED: "false" });
  verify = await import("../../functions/api/verify-token.ts");
});

/** What the function writes to stdout (its logs and EMF metrics are lines there), kept out of the test output. */
let written: string[] = [];
beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

/** The lines written while `run` runs. */
async function linesWritten<T>(run: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  written = [];
  const result = await run();
  const lines = written
    .join("")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { result, lines };
}

const httpEvent = (body: unknown, requestId = "http-1") =>
  ({
    version: "2.0",
    routeKey: "POST /v1/verify",
    rawPath: "/v1/verify",
    rawQueryString: "",
    headers: { "content-type": "application/json" },
    requestContext: { requestId, http: { method: "POST", path: "/v1/verify", sourceIp: "127.0.0.1" }, routeKey: "POST /v1/verify" },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  }) as never;

describe("direct invocation answers as the route does", () => {
  test("a valid user token: the result object itself, equal to the route's body", async () => {
    const m = await h.addMember("org-direct", "dana", { name: "Dana", permissions: ["reports:read"], groups: ["g"], sites: ["s"] });
    const { secret, token } = await h.userTokens.generate({ ...m, name: "bi tool" });
    const direct = await verify.handler({ token: secret, orgId: "org-direct" }, context());
    expect(direct).toEqual({
      valid: true,
      orgId: "org-direct",
      tokenId: token.id,
      kind: "user",
      principal: { type: "user", id: "dana", name: "Dana" },
      permissions: ["reports:read"],
      groups: ["g"],
      sites: ["s"],
      canLogin: true,
    });
    const overHttp = await verify.handler(httpEvent({ token: secret, orgId: "org-direct" }), context());
    expect(overHttp.statusCode).toBe(200);
    expect(JSON.parse(overHttp.body as string)).toEqual(direct);
    // Without orgId too.
    expect(await verify.handler({ token: secret }, context())).toEqual(direct);
  });

  test("refusals carry the same reasons: malformed, not_found, wrong_org, revoked", async () => {
    const m = await h.addMember("org-direct-2", "erin");
    const { secret, token } = await h.userTokens.generate({ ...m, name: "ci" });
    expect(await verify.handler({ token: "nope" }, context())).toEqual({ valid: false, reason: "malformed" });
    expect(await verify.handler({ token: `${secret.slice(0, -2)}zz` }, context())).toMatchObject({ valid: false });
    expect(await verify.handler({ token: secret, orgId: "another-org" }, context())).toEqual({ valid: false, reason: "wrong_org" });
    await h.revoke({ ...m, tokenId: token.id });
    expect(await verify.handler({ token: secret }, context())).toEqual({ valid: false, reason: "revoked" });
  });

  test.each([
    ["null", null],
    ["a string", "atk_user_x"],
    ["a number", 42],
    ["an array", [{ token: "x" }]],
  ])("an event that is not an object (%s) gets invalid_request, not a crash", async (_, event) => {
    const answer = await verify.handler(event as never, context("bad-shape"));
    expect(answer).toEqual({ error: { code: "invalid_request", message: expect.stringContaining('"token"'), requestId: "bad-shape" } });
  });

  test("a missing or non-string token, a non-string orgId, an unknown field: invalid_request naming the field, the token never echoed", async () => {
    expect(await verify.handler({} as never, context())).toMatchObject({
      error: { code: "invalid_request", message: expect.stringContaining("token: expected string") },
    });
    expect(await verify.handler({ token: 7 } as never, context())).toMatchObject({ error: { code: "invalid_request" } });
    expect(await verify.handler({ token: "x", orgId: 1 } as never, context())).toMatchObject({
      error: { code: "invalid_request", message: expect.stringContaining("orgId: expected string") },
    });
    const secretish = "atk_user_leaked_value";
    const answer = await verify.handler({ token: secretish, password: "hunter2" } as never, context());
    expect(answer).toMatchObject({ error: { code: "invalid_request", message: expect.stringContaining("unknown field(s): password") } });
    expect(JSON.stringify(answer)).not.toContain("hunter2");
    expect(JSON.stringify(answer)).not.toContain(secretish);
  });

  test("a store failure is `unavailable` (retry), an unexpected one `internal_error`, never the cause", async () => {
    const failingWith = (error: Error) =>
      verify.verifyHandler(
        new TokenVerifier({
          store: { ...h.store, getToken: async () => Promise.reject(error) } as never,
          clock: h.clock,
        }),
      );
    const m = await h.addMember("org-direct-3", "finn");
    const { secret } = await h.userTokens.generate({ ...m, name: "x" });
    const { result: unavailable } = await linesWritten(() =>
      failingWith(new StoreUnavailable("DynamoDB said ECONNRESET"))({ token: secret }, context("down")),
    );
    expect(unavailable).toEqual({ error: { code: "unavailable", message: expect.any(String), requestId: "down" } });
    const { result: broken, lines } = await linesWritten(() =>
      failingWith(new TypeError("secret internals"))({ token: secret }, context("boom")),
    );
    expect(broken).toEqual({ error: { code: "internal_error", message: expect.stringContaining("boom"), requestId: "boom" } });
    expect(JSON.stringify(broken)).not.toContain("secret internals");
    // Logged by name for the operator, without the event (the token).
    expect(lines.find((line) => line.level === "ERROR")).toMatchObject({ errorName: "TypeError", requestId: "boom" });
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

describe("the hot path is quiet", () => {
  test("a successful verification, over HTTP or invoked directly, writes no log line, only its metrics", async () => {
    const m = await h.addMember("org-quiet", "gus");
    const { secret } = await h.userTokens.generate({ ...m, name: "hot" });
    await verify.handler({ token: secret }, context()); // first use: recorded once
    for (const invoke of [
      () => verify.handler({ token: secret }, context()),
      () => verify.handler(httpEvent({ token: secret }), context()),
    ] as (() => Promise<unknown>)[]) {
      const { lines } = await linesWritten(invoke);
      const logs = lines.filter((line) => !("_aws" in line));
      expect(logs).toEqual([]);
      const emf = lines.filter((line) => "_aws" in line);
      expect(emf).toHaveLength(1);
      expect(emf[0]).toMatchObject({ service: "api-token-service", TokensVerified: 1, VerifyLatency: expect.any(Number) });
    }
  });

  test("a refused verification logs its reason at INFO, never the token", async () => {
    const token = "atk_user_0123456789abcdefghijklmnopqrstuv";
    const { lines } = await linesWritten(() => verify.handler({ token }, context("refused")));
    const logs = lines.filter((line) => !("_aws" in line));
    expect(logs).toEqual([
      expect.objectContaining({ level: "INFO", message: "token refused", reason: expect.any(String), requestId: "refused" }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(lines.find((line) => "_aws" in line)).toMatchObject({ VerificationsRefused: 1 });
  });

  test("a request that records no metric writes no metrics line and no warning", async () => {
    const { lines } = await linesWritten(() => verify.handler(httpEvent({ token: 1 }), context()));
    expect(lines.filter((line) => "_aws" in line)).toEqual([]);
    expect(lines.filter((line) => line.level === "WARN")).toEqual([]);
    // The 400 itself is logged at INFO (failures still log).
    expect(lines).toEqual([expect.objectContaining({ level: "INFO", message: "request", statusCode: 400, errorCode: "invalid_request" })]);
  });
});
