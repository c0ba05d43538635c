import { describe, expect, test, vi } from "vitest";
import { StoreUnavailable, WriteConflict, DomainError, notFound } from "../../../functions/domain/errors.ts";
import { isValidId } from "../../../functions/domain/ids.ts";
import {
  INACTIVITY_EXPIRY_SECONDS,
  expiryAfter,
  idsOwnedBy,
  isActive,
  isExpired,
  needsExpiryRecord,
  newestFirst,
  toTokenView,
  type TokenRecord,
} from "../../../functions/domain/model.ts";
import { retryOnConflict } from "../../../functions/domain/retry.ts";

/** The pure rules the domain's decisions rest on: expiry, order, ids, and retrying lost races. */

const token = (overrides: Partial<TokenRecord> = {}): TokenRecord => ({
  id: "AAAAAAAAAAAAAAAA",
  orgId: "org",
  kind: "user",
  ownerId: "ada",
  name: "t",
  secretHash: "ab".repeat(32),
  hint: "wxyz",
  createdAt: "2026-01-01T00:00:00.000Z",
  lastUsedAt: null,
  expiresAt: Date.parse("2026-01-31T00:00:00.000Z") / 1000,
  status: "active",
  eventSequence: 1,
  principal: { name: "Ada", permissions: [], groups: [], sites: [] },
  ...overrides,
});

describe("inactivity expiry", () => {
  test("30 days after the last use, rounded up to the second so a token never expires early", () => {
    expect(INACTIVITY_EXPIRY_SECONDS).toBe(30 * 86_400);
    expect(expiryAfter(new Date(1_000_000))).toBe(1000 + 30 * 86_400);
    expect(expiryAfter(new Date(1_000_001))).toBe(1001 + 30 * 86_400);
    expect(expiryAfter(new Date(1_000_999))).toBe(1001 + 30 * 86_400);
  });

  test("expired from the expiry second on, not before", () => {
    const t = token();
    expect(isExpired(t, new Date(t.expiresAt * 1000 - 1))).toBe(false);
    expect(isExpired(t, new Date(t.expiresAt * 1000))).toBe(true);
    expect(isActive(t, new Date(t.expiresAt * 1000 - 1))).toBe(true);
    expect(isActive(t, new Date(t.expiresAt * 1000))).toBe(false);
    expect(isActive(token({ status: "revoked" }), new Date(0))).toBe(false);
  });

  test("an expiry is recorded for an active token past its time, once, and never for a revoked one", () => {
    const after = new Date(token().expiresAt * 1000);
    const before = new Date(token().expiresAt * 1000 - 1);
    expect(needsExpiryRecord(token(), after)).toBe(true);
    expect(needsExpiryRecord(token(), before)).toBe(false);
    expect(needsExpiryRecord(token({ expiryRecorded: true }), after)).toBe(false);
    expect(needsExpiryRecord(token({ status: "revoked" }), after)).toBe(false);
  });
});

describe("the public view of a token", () => {
  test("is API.md's Token: expiresAt as an ISO time, never the hash", () => {
    const t = token({ lastUsedAt: "2026-01-02T00:00:00.000Z" });
    expect(toTokenView(t)).toEqual({
      id: t.id,
      name: "t",
      kind: "user",
      ownerId: "ada",
      createdAt: t.createdAt,
      lastUsedAt: "2026-01-02T00:00:00.000Z",
      expiresAt: "2026-01-31T00:00:00.000Z",
      hint: "wxyz",
    });
  });
});

describe("newest first", () => {
  test("by creation time, then by id, both descending", () => {
    const a = token({ id: "a", createdAt: "2026-01-01T00:00:00.000Z" });
    const b = token({ id: "b", createdAt: "2026-01-02T00:00:00.000Z" });
    const c = token({ id: "c", createdAt: "2026-01-02T00:00:00.000Z" });
    expect([a, b, c].sort(newestFirst).map((t) => t.id)).toEqual(["c", "b", "a"]);
    expect([c, a, b].sort(newestFirst).map((t) => t.id)).toEqual(["c", "b", "a"]);
    expect(newestFirst(a, a)).toBe(0);
  });

  test("ties are broken in the byte order DynamoDB's index uses, so a person's list and the admin view agree", () => {
    const at = "2026-01-02T00:00:00.000Z";
    const lower = token({ id: "a1", createdAt: at });
    const upper = token({ id: "B2", createdAt: at });
    // "B" (0x42) sorts before "a" (0x61) in the index; newest first reads it backwards.
    expect([upper, lower].sort(newestFirst).map((t) => t.id)).toEqual(["a1", "B2"]);
  });
});

describe("a service user's share of the organization's token set", () => {
  test("is the ids whose owner it is", () => {
    expect(idsOwnedBy({ orgId: "o", tokens: { t1: "su_a", t2: "su_b", t3: "su_a" }, version: 1 }, "su_a")).toEqual(["t1", "t3"]);
    expect(idsOwnedBy({ orgId: "o", tokens: {}, version: 1 }, "su_a")).toEqual([]);
  });
});

describe("ids (API.md Conventions)", () => {
  test("1–128 letters, digits and . _ : @ | -, never . or .. alone", () => {
    for (const ok of ["a", "auth0|5f00", "_a1", "-x", "a.b", "...", "x".repeat(128), "user@example.com", "a:b"])
      expect(isValidId(ok), ok).toBe(true);
    for (const bad of ["", ".", "..", "x".repeat(129), "a/b", "a#b", "a b", "é", "a\n"]) expect(isValidId(bad), bad).toBe(false);
  });
});

describe("errors", () => {
  test("a domain error carries its code, message and Retry-After; not_found names what was missing", () => {
    const e = new DomainError("too_many_attempts", "Slow down.", { retryAfterSeconds: 7 });
    expect(e).toMatchObject({ name: "DomainError", code: "too_many_attempts", message: "Slow down.", retryAfterSeconds: 7 });
    expect(new DomainError("forbidden", "No.").retryAfterSeconds).toBeUndefined();
    expect(notFound("token")).toMatchObject({ code: "not_found", message: "No such token." });
    expect(new WriteConflict().name).toBe("WriteConflict");
    expect(new StoreUnavailable().name).toBe("StoreUnavailable");
  });
});

describe("retrying a lost race", () => {
  test("a conflict is tried again until it succeeds; any other error at once", async () => {
    let calls = 0;
    expect(await retryOnConflict(async () => (++calls < 3 ? Promise.reject(new WriteConflict()) : "done"))).toBe("done");
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });

  test("contention alone gives up only after 100 attempts, as StoreUnavailable", async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const outcome = retryOnConflict(async () => {
        calls++;
        throw new WriteConflict();
      }).catch((error: unknown) => error);
      await vi.runAllTimersAsync();
      expect(await outcome).toBeInstanceOf(StoreUnavailable);
      expect(calls).toBe(100);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("hash comparison", () => {
  test("a stored hash of another length never matches, and does not throw", async () => {
    const { hashSecret, newTokenSecret, secretMatchesHash } = await import("../../../functions/domain/token-secret.ts");
    const { secret } = newTokenSecret("user");
    expect(secretMatchesHash(secret, hashSecret(secret))).toBe(true);
    expect(secretMatchesHash(secret, hashSecret(secret).slice(0, 62))).toBe(false);
    expect(secretMatchesHash(secret, "")).toBe(false);
  });
});
