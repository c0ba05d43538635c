/**
 * Body parsing without I/O, through the verify function's public entry point (the `handler` that infra/routes.ts
 * names), invoked with API Gateway payload-2.0 events as in AWS. Every request here is answered before any
 * store read: 413 over 16 KiB (counted in bytes, also for base64-encoded bodies), 400 for what is not
 * `{ token: string, orgId?: string }` or not UTF-8 JSON, and `malformed` for a token of the wrong shape. The
 * store points at a closed port, so a read would fail the test. (The same through HTTP:
 * test/e2e/verify-and-login.error.test.ts; the handler factory's other paths: test/integration/http-handler.test.ts.)
 */
import type { Context } from "aws-lambda";
import { beforeAll, describe, expect, test } from "vitest";

type Result = { statusCode?: number; body?: string; headers?: Record<string, unknown> };
let handler: (event: unknown, context: Context) => Promise<Result>;

beforeAll(async () => {
  Object.assign(process.env, {
    TABLE_NAME: "unit-no-table",
    ACTIVITY_TABLE_NAME: "unit-no-table-activity",
    DYNAMODB_ENDPOINT: "http://127.0.0.1:9",
    AWS_REGION: "local",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    METRICS_DISABLED: "true",
    LOG_LEVEL: "SILENT",
  });
  handler = (await import("../../functions/api/verify-token.ts")).handler as never;
});

const KiB = 1024;
let n = 0;
function invoke(body: string | Buffer | undefined, headers: Record<string, string> = { "content-type": "application/json" }) {
  const requestId = `unit-${++n}`;
  const encoded = Buffer.isBuffer(body);
  return handler(
    {
      version: "2.0",
      routeKey: "POST /v1/verify",
      rawPath: "/v1/verify",
      rawQueryString: "",
      headers,
      requestContext: { requestId, http: { method: "POST", path: "/v1/verify", sourceIp: "127.0.0.1" }, routeKey: "POST /v1/verify" },
      ...(body === undefined ? {} : { body: encoded ? body.toString("base64") : body }),
      isBase64Encoded: encoded,
    },
    { awsRequestId: `lambda-${requestId}`, getRemainingTimeInMillis: () => 10_000 } as unknown as Context,
  );
}
const answer = async (result: Promise<Result>) => {
  const { statusCode, body } = await result;
  const parsed = body ? JSON.parse(body) : undefined;
  return { status: statusCode, code: parsed?.error?.code, body: parsed };
};

describe("413 payload_too_large: over 16 KiB, counted in bytes", () => {
  test("one byte over is refused; exactly 16 KiB is read", async () => {
    const token = "x".repeat(16 * KiB - JSON.stringify({ token: "" }).length);
    const exactly = JSON.stringify({ token });
    expect(Buffer.byteLength(exactly)).toBe(16 * KiB);
    expect(await answer(invoke(exactly))).toMatchObject({ status: 200, body: { valid: false, reason: "malformed" } });
    expect(await answer(invoke(`${exactly} `))).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  test("multi-byte characters count as their bytes, and a base64-encoded body by its decoded size", async () => {
    expect(await answer(invoke(JSON.stringify({ token: "📊".repeat(4200) })))).toMatchObject({ status: 413 });
    expect(await answer(invoke(Buffer.from(JSON.stringify({ token: "t".repeat(17 * KiB) }))))).toMatchObject({ status: 413 });
    expect(await answer(invoke(Buffer.from(JSON.stringify({ token: "t".repeat(10 * KiB) }))))).toMatchObject({ status: 200 });
  });
});

describe("400 invalid_request: not `{ token: string, orgId?: string }` in UTF-8 JSON", () => {
  test.each([
    ["no body", undefined],
    ["an empty body", ""],
    ["malformed JSON", '{"token": "x"'],
    ["a JSON array", "[]"],
    ["a JSON string", '"atk_user_x"'],
    ["JSON null", "null"],
    ["no token", "{}"],
    ["a number as token", '{"token": 5}'],
    ["null as token", '{"token": null}'],
    ["a number as orgId", '{"token": "x", "orgId": 5}'],
    ["an unknown field", '{"token": "x", "kind": "user"}'],
    ["a lone surrogate escape", '{"token": "x\\ud800"}'],
  ])("%s", async (_, body) => {
    expect(await answer(invoke(body))).toMatchObject({ status: 400, code: "invalid_request" });
  });

  test("a body declared in another charset, or bytes that are not UTF-8", async () => {
    const latin1 = Buffer.from(JSON.stringify({ token: "Zoë" }), "latin1");
    const refused = await answer(invoke(JSON.stringify({ token: "x" }), { "content-type": "application/json; charset=latin1" }));
    expect(refused).toMatchObject({ status: 400, code: "invalid_request" });
    expect(refused.body.error.message).toMatch(/charset/);
    expect(await answer(invoke(latin1))).toMatchObject({ status: 400, code: "invalid_request" });
    for (const contentType of ["application/json; charset=utf-8", 'application/json; charset="UTF-8"', "application/json"]) {
      expect(await answer(invoke(JSON.stringify({ token: "x" }), { "content-type": contentType })), contentType).toMatchObject({
        status: 200,
        body: { valid: false, reason: "malformed" },
      });
    }
  });

  test("every error has API.md's shape: code, message and the request id, nothing else", async () => {
    const { body } = await answer(invoke("[]"));
    expect(body).toEqual({ error: { code: "invalid_request", message: expect.any(String), requestId: expect.any(String) } });
  });
});

test("a token of the wrong shape is an answer, not a bad request, and needs no read", async () => {
  for (const token of ["", "atk_user_short", "atk_bot_0123456789012345678901234567890123", "t".repeat(5000)]) {
    expect(await answer(invoke(JSON.stringify({ token, orgId: "acme" })))).toMatchObject({
      status: 200,
      body: { valid: false, reason: "malformed" },
    });
  }
});
