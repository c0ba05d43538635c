/** The e2e contract check (test/support/contract.ts) catches what it should, and leaves undocumented routes alone. */
import { expect, test } from "vitest";
import { contract } from "../support/contract.ts";

const TOKEN = {
  id: "0mx2u3l5eUK94BJ5",
  name: "n",
  kind: "user",
  ownerId: "u1",
  createdAt: "2026-11-27T10:00:00.000Z",
  lastUsedAt: null,
  expiresAt: "2026-12-27T10:00:00.000Z",
  hint: "Xy7Q",
};
const error = (code: string) => JSON.stringify({ error: { code, message: "m", requestId: "r" } });

test("a documented answer passes; a field too many, a wrong enum, a bad time or an undocumented status does not", () => {
  const check = contract();
  expect(check.check("GET", "/v1/orgs/acme/tokens", 200, JSON.stringify({ tokens: [TOKEN] }))).toBeUndefined();
  expect(check.check("GET", "/v1/orgs/acme/tokens?x=1", 401, error("unauthenticated"))).toBeUndefined();
  expect(check.check("GET", "/v1/orgs/acme/tokens", 200, JSON.stringify({ tokens: [{ ...TOKEN, secretHash: "h" }] }))).toMatch(
    /secretHash/,
  );
  expect(check.check("GET", "/v1/orgs/acme/tokens", 200, JSON.stringify({ tokens: [{ ...TOKEN, kind: "admin" }] }))).toMatch(/kind/);
  expect(check.check("GET", "/v1/orgs/acme/tokens", 200, JSON.stringify({ tokens: [{ ...TOKEN, createdAt: "yesterday" }] }))).toMatch(
    /createdAt/,
  );
  expect(check.check("GET", "/v1/orgs/acme/tokens", 409, error("token_limit_reached"))).toMatch(/status not documented/);
  expect(check.check("GET", "/v1/orgs/acme/tokens", 403, error("invalid_password"))).toMatch(/code/);
  expect(check.check("DELETE", "/v1/orgs/acme/tokens/abc", 204, "")).toBeUndefined();
  expect(check.check("DELETE", "/v1/orgs/acme/tokens/abc", 204, "{}")).toMatch(/without a body/);
  expect(check.check("POST", "/v1/verify", 200, JSON.stringify({ valid: false, reason: "malformed" }))).toBeUndefined();
  expect(check.check("POST", "/v1/verify/", 200, JSON.stringify({ valid: false, reason: "nope" }))).toMatch(/reason|oneOf/);
});

test("routes the document does not describe are not checked", () => {
  const check = contract();
  expect(check.check("GET", "/v1/nowhere", 404, error("not_found"))).toBeUndefined();
  expect(check.check("PUT", "/v1/verify", 404, error("not_found"))).toBeUndefined();
  expect(check.check("POST", "/local/clock", 200, "{}")).toBeUndefined();
});
