/**
 * Verification without I/O: the domain's TokenVerifier against an in-memory stand-in for the store's three
 * calls it makes (getToken, recordTokenUse, recordExpiry) and a clock that moves only when told. API.md
 * "Verifying a token": reasons in the order malformed, not_found, wrong_org, revoked, expired; expired means
 * `expiresAt <= now`; the recorded last use is written at first use and then at most once per interval.
 * (The same rules against DynamoDB Local: test/integration/user-tokens.test.ts "verification and inactivity expiry".)
 */
import { describe, expect, test } from "vitest";
import { LAST_USED_WRITE_INTERVAL_MS, type TokenRecord } from "../../functions/domain/model.ts";
import { newToken } from "../../functions/domain/new-token.ts";
import type { TokenStore } from "../../functions/domain/ports.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";

const START = Date.parse("2026-03-01T12:00:00.000Z");
const ACCESS = { name: "Ada", permissions: ["reports:read"], groups: ["finance"], sites: ["london"] };

function world() {
  let nowMs = START;
  const clock = { now: () => new Date(nowMs) };
  const tokens = new Map<string, TokenRecord>();
  const uses: Array<{ tokenId: string; lastUsedAt: string }> = [];
  const expiries: string[] = [];
  const calls = { getToken: 0 };
  /** A token that someone revokes right after the next read of it: a revocation racing a verification. */
  let revokeAfterRead: string | undefined;
  const store = {
    async getToken(id: string) {
      calls.getToken++;
      const found = tokens.get(id);
      if (found && id === revokeAfterRead) {
        tokens.set(id, { ...found, status: "revoked" });
        revokeAfterRead = undefined;
      }
      return found;
    },
    async recordTokenUse(token: TokenRecord, use: { lastUsedAt: string; expiresAt: number } | undefined) {
      const current = tokens.get(token.id);
      if (current?.status !== "active") return false;
      if (use) {
        tokens.set(token.id, { ...current, ...use });
        uses.push({ tokenId: token.id, lastUsedAt: use.lastUsedAt });
      }
      return true;
    },
    async recordExpiry(token: TokenRecord) {
      expiries.push(token.id);
    },
  };
  const verifier = new TokenVerifier({ store: store as unknown as TokenStore, clock });
  const issue = (kind: "user" | "service_user" = "user", orgId = "acme") => {
    const made = newToken({ kind, orgId, ownerId: kind === "user" ? "ada" : "su_robot", name: "t", principal: ACCESS, now: clock.now() });
    tokens.set(made.token.id, made.token);
    return made;
  };
  return {
    verifier,
    tokens,
    uses,
    expiries,
    calls,
    issue,
    revokeAfterNextRead: (id: string) => (revokeAfterRead = id),
    advanceMs: (ms: number) => (nowMs += ms),
    setNow: (ms: number) => (nowMs = ms),
  };
}

describe("reasons, in API.md's order", () => {
  test("malformed strings are refused before any read", async () => {
    const w = world();
    const { secret } = w.issue();
    for (const token of [
      "",
      "atk_user_",
      secret.slice(0, -1),
      `${secret}0`,
      secret.toUpperCase(),
      ` ${secret}`,
      `${secret}${"A".repeat(5000)}`,
    ]) {
      expect(await w.verifier.verify({ token }), JSON.stringify(token.slice(0, 20))).toEqual({ valid: false, reason: "malformed" });
    }
    expect(w.calls.getToken).toBe(0);
  });

  test("not_found: an unknown id, a wrong secret part, or the other kind's prefix; before wrong_org", async () => {
    const w = world();
    const { token, secret } = w.issue();
    w.tokens.delete(token.id);
    expect(await w.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "not_found" });
    expect(await w.verifier.verify({ token: secret, orgId: "elsewhere" })).toEqual({ valid: false, reason: "not_found" });
    // The same id with another secret: a stored token whose hash does not match.
    const other = w.issue();
    const stored = w.tokens.get(other.token.id)!;
    w.tokens.set(other.token.id, { ...stored, secretHash: "0".repeat(64) });
    expect(await w.verifier.verify({ token: other.secret })).toEqual({ valid: false, reason: "not_found" });
    // A stored user token presented as a service-user token (the kind is part of what must match).
    const user = w.issue("user");
    w.tokens.set(user.token.id, { ...w.tokens.get(user.token.id)!, kind: "service_user" });
    expect(await w.verifier.verify({ token: user.secret })).toEqual({ valid: false, reason: "not_found" });
  });

  test("wrong_org before revoked before expired", async () => {
    const w = world();
    const { token, secret } = w.issue();
    w.tokens.set(token.id, { ...token, status: "revoked" });
    w.advanceMs(31 * 86_400_000);
    expect(await w.verifier.verify({ token: secret, orgId: "elsewhere" })).toEqual({ valid: false, reason: "wrong_org" });
    expect(await w.verifier.verify({ token: secret, orgId: "acme" })).toEqual({ valid: false, reason: "revoked" });
    expect(await w.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
    expect(w.expiries).toEqual([]);
  });

  test("a user token whose owner is no active member is revoked, whatever its status says (defence in depth)", async () => {
    const w = world();
    const { token, secret } = w.issue();
    for (const memberStatus of ["deactivated", "removed"] as const) {
      w.tokens.set(token.id, { ...token, principal: { ...token.principal, memberStatus } as TokenRecord["principal"] });
      expect(await w.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
    }
  });
});

describe("expiry is `expiresAt <= now`, in whole seconds", () => {
  test("valid until the second before expiresAt; expired at it; the expiry is recorded when found", async () => {
    const w = world();
    const { token, secret } = w.issue();
    w.setNow(token.expiresAt * 1000 - 1);
    // Valid, and this use moves the expiry: take a fresh token for the boundary itself.
    expect(await w.verifier.verify({ token: secret })).toMatchObject({ valid: true });
    const idle = w.issue();
    w.setNow(idle.token.expiresAt * 1000);
    expect(await w.verifier.verify({ token: idle.secret })).toEqual({ valid: false, reason: "expired" });
    expect(await w.verifier.verify({ token: idle.secret, orgId: "acme" })).toEqual({ valid: false, reason: "expired" });
    expect(w.expiries).toContain(idle.token.id);
  });
});

describe("the recorded last use", () => {
  test("is written at first use, then not before the interval has passed, then again", async () => {
    const w = world();
    const { token, secret } = w.issue();
    await w.verifier.verify({ token: secret });
    expect(w.uses).toEqual([{ tokenId: token.id, lastUsedAt: new Date(START).toISOString() }]);
    w.advanceMs(LAST_USED_WRITE_INTERVAL_MS - 1);
    await w.verifier.verify({ token: secret });
    expect(w.uses).toHaveLength(1);
    w.advanceMs(1);
    await w.verifier.verify({ token: secret });
    expect(w.uses.at(-1)).toEqual({ tokenId: token.id, lastUsedAt: new Date(START + LAST_USED_WRITE_INTERVAL_MS).toISOString() });
    // Each write moves the expiry to 30 days after the use.
    expect(w.tokens.get(token.id)!.expiresAt * 1000 - (START + LAST_USED_WRITE_INTERVAL_MS)).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(w.tokens.get(token.id)!.expiresAt * 1000 - (START + LAST_USED_WRITE_INTERVAL_MS)).toBeLessThan(30 * 86_400_000 + 1000);
  });

  test("a token revoked between the read and the write is answered as revoked", async () => {
    const w = world();
    const { token, secret } = w.issue();
    w.revokeAfterNextRead(token.id);
    const result = await w.verifier.verify({ token: secret });
    expect(result).toEqual({ valid: false, reason: "revoked" });
  });
});

describe("the answer", () => {
  test("a user token carries the owner's access; a service-user token no groups or sites and no login", async () => {
    const w = world();
    const user = w.issue("user");
    expect(await w.verifier.verify({ token: user.secret, orgId: "acme" })).toEqual({
      valid: true,
      orgId: "acme",
      tokenId: user.token.id,
      kind: "user",
      principal: { type: "user", id: "ada", name: "Ada" },
      permissions: ["reports:read"],
      groups: ["finance"],
      sites: ["london"],
      canLogin: true,
    });
    const robot = w.issue("service_user");
    expect(await w.verifier.verify({ token: robot.secret })).toMatchObject({
      valid: true,
      kind: "service_user",
      principal: { type: "service_user", id: "su_robot" },
      groups: [],
      sites: [],
      canLogin: false,
    });
  });
});
