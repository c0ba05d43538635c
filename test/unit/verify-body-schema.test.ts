/**
 * Verify's body is parsed by hand on the hot path (`verifyBody`, no schema library in its bundle); the
 * OpenAPI document describes it with `verifyRequestBody` (zod/mini). The two must accept and refuse the same
 * bodies, and accept them as the same value.
 */
import { describe, expect, test } from "vitest";
import { parseInput } from "../../functions/domain/schemas.ts";
import { verifyRequestBody } from "../../functions/platform/http/request-bodies.ts";

// The module wires its store at import: give it a configuration that no test here reaches.
Object.assign(process.env, {
  TABLE_NAME: process.env.TABLE_NAME ?? "unit-no-table",
  ACTIVITY_TABLE_NAME: process.env.ACTIVITY_TABLE_NAME ?? "unit-no-table-activity",
  DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? "http://127.0.0.1:9",
  AWS_REGION: process.env.AWS_REGION ?? "local",
  METRICS_DISABLED: "true",
  LOG_LEVEL: "SILENT",
});
const { verifyBody } = await import("../../functions/api/verify-token.ts");

const bodies: Record<string, unknown>[] = [
  { token: "atk_user_abc" },
  { token: "" },
  { token: "x".repeat(500) },
  { token: "atk_svc_abc", orgId: "acme" },
  { token: "t", orgId: "" },
  { token: "t", orgId: undefined },
  {},
  { orgId: "acme" },
  { token: 1 },
  { token: null },
  { token: ["t"] },
  { token: { value: "t" } },
  { token: "t", orgId: 5 },
  { token: "t", orgId: null },
  { token: "t", extra: true },
  { token: "t", orgId: "acme", password: "x" },
  { tokens: ["t"] },
  { token: true, orgId: false },
];

describe("verify's hand-written body parser and its schema agree", () => {
  test.each(bodies.map((body) => [JSON.stringify(body) ?? String(body), body] as const))("%s", (_, body) => {
    const schema = parseInput(verifyRequestBody, body);
    let parsed: unknown;
    let refused = false;
    try {
      parsed = verifyBody(body);
    } catch {
      refused = true;
    }
    expect(refused).toBe(!schema.success);
    if (schema.success) expect(parsed).toEqual(schema.data);
  });
});
