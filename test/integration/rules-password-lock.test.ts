import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { DomainError } from "../../functions/domain/errors.ts";
import { FAILURE_WINDOW_MS, LOCK_MS, MAX_PASSWORD_FAILURES, PasswordThrottle } from "../../functions/domain/password-throttle.ts";
import { UserTokens } from "../../functions/domain/user-tokens.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

/**
 * API.md "Password throttling", with failures spread over time: 5 failed checks in a row within 15 minutes
 * lock that person's generation for 15 minutes from the LAST failure; SSO organizations ask for no password,
 * so nothing there counts; a missing password counts; the lock's 429 says how long is left.
 */

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const MINUTE = 60_000;
const uniqueOrg = () => `org-${randomUUID().slice(0, 8)}`;

/** A clock that moves only when told, and generation through it. */
async function lockable() {
  let nowMs = Date.parse("2027-03-01T09:00:00.000Z") + Math.floor(Math.random() * 1000) * 86_400_000;
  const clock = { now: () => new Date(nowMs) };
  const userTokens = new UserTokens({ store: h.store, clock, passwordCheck: h.passwordCheck });
  const m = await h.addMember(uniqueOrg(), `lock-${randomUUID().slice(0, 8)}`);
  let made = 0;
  const wrong = () => code(userTokens.generate({ ...m, name: "x", password: "wrong" }));
  const right = () => code(userTokens.generate({ ...m, name: `ok${made++}` }));
  const attempt = async (password?: string) => {
    try {
      await userTokens.generate({ orgId: m.orgId, userId: m.userId, name: `ok${made++}`, ...(password === undefined ? {} : { password }) });
      return { code: "ok" };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
    }
  };
  return {
    m,
    clock,
    userTokens,
    wrong,
    right,
    attempt,
    at: (ms: number) => (nowMs = ms),
    advance: (ms: number) => (nowMs += ms),
    now: () => nowMs,
  };
}

describe("the lock", () => {
  test("5 failures spread over 12 minutes lock; the lock ends 15 minutes after the last failure, not the first", async () => {
    const p = await lockable();
    const first = p.now();
    for (let i = 0; i < MAX_PASSWORD_FAILURES; i++) {
      if (i > 0) p.advance(3 * MINUTE);
      expect(await p.wrong()).toBe("invalid_password");
    }
    const last = p.now();
    expect(last - first).toBe(12 * MINUTE);
    expect(await p.attempt(p.m.password)).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 15 * 60 });

    p.at(first + LOCK_MS); // 15 minutes after the first failure: still locked
    expect(await p.attempt(p.m.password)).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 12 * 60 });
    p.at(last + LOCK_MS - 1);
    expect(await p.attempt(p.m.password)).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 1 });
    p.at(last + LOCK_MS);
    expect(await p.right()).toBe("ok");
  });

  test("Retry-After is whole seconds, rounded up", async () => {
    const p = await lockable();
    for (let i = 0; i < MAX_PASSWORD_FAILURES; i++) await p.wrong();
    p.advance(500);
    expect(await p.attempt()).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 15 * 60 });
    p.advance(1000);
    expect(await p.attempt()).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 15 * 60 - 1 });
  });

  test("4 failures do not lock, and every generate while locked answers 429, even with the right password", async () => {
    const p = await lockable();
    for (let i = 0; i < MAX_PASSWORD_FAILURES - 1; i++) {
      p.advance(MINUTE);
      expect(await p.wrong()).toBe("invalid_password");
    }
    // A right password now resets the count: four more failures still do not lock.
    expect(await p.right()).toBe("ok");
    for (let i = 0; i < MAX_PASSWORD_FAILURES - 1; i++) expect(await p.wrong()).toBe("invalid_password");
    expect(await p.right()).toBe("ok");
    for (let i = 0; i < MAX_PASSWORD_FAILURES; i++) expect(await p.wrong()).toBe("invalid_password");
    for (const password of [p.m.password, "wrong", undefined]) {
      expect((await p.attempt(password)).code).toBe("too_many_attempts");
    }
  });

  test("a failure exactly 15 minutes old has left the window", async () => {
    const p = await lockable();
    const first = p.now();
    expect(await p.wrong()).toBe("invalid_password");
    p.at(first + FAILURE_WINDOW_MS);
    for (let i = 0; i < MAX_PASSWORD_FAILURES - 1; i++) expect(await p.wrong()).toBe("invalid_password");
    // Only four failures lie within the window: not locked.
    expect(await p.right()).toBe("ok");
  });

  test("failures that never all lie within 15 minutes of each other do not lock; the one that makes 5 in the window does", async () => {
    const p = await lockable();
    for (let i = 0; i < MAX_PASSWORD_FAILURES; i++) {
      if (i > 0) p.advance(4 * MINUTE); // at 0, 4, 8, 12, 16 minutes: at 16 the first is out of the window
      expect(await p.wrong()).toBe("invalid_password");
    }
    expect((await p.attempt("wrong")).code).toBe("invalid_password"); // at 16 minutes again: the 5th within the window
    expect(await p.attempt(p.m.password)).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 15 * 60 });
  });

  test("a missing or empty password counts as a failure and is never sent to the identity provider", async () => {
    const p = await lockable();
    const asked = h.passwordCheck.askedAbout.length;
    expect(await p.attempt()).toMatchObject({ code: "invalid_password", message: expect.stringMatching(/required/) });
    expect(await p.attempt("")).toMatchObject({ code: "invalid_password", message: expect.stringMatching(/required/) });
    expect(h.passwordCheck.askedAbout.length).toBe(asked);
    expect(await p.attempt("wrong")).toMatchObject({ code: "invalid_password", message: expect.stringMatching(/wrong/) });
    expect(h.passwordCheck.askedAbout.length).toBe(asked + 1);
    await p.attempt();
    await p.attempt();
    expect((await p.attempt(p.m.password)).code).toBe("too_many_attempts");
  });

  test("the lock message says it lasts 15 minutes from the last failed attempt", async () => {
    const p = await lockable();
    for (let i = 0; i < MAX_PASSWORD_FAILURES; i++) await p.wrong();
    expect((await p.attempt(p.m.password)).message).toMatch(/15 minutes after the last failed attempt/);
  });

  test("a record with 5 failures in the window and no lock time (never written so) still locks, from the last failure", async () => {
    const p = await lockable();
    const now = p.now();
    const failedAt = [10, 8, 6, 4, 2].map((minutesAgo) => new Date(now - minutesAgo * MINUTE).toISOString());
    await h.store.savePasswordFailures({ userId: p.m.userId, failedAt, lockedUntil: null, pending: {}, version: 1 }, undefined);
    const throttle = new PasswordThrottle({ store: h.store, clock: p.clock });
    const locked = await throttle.assertNotLocked(p.m.userId).then(
      () => undefined,
      (error: DomainError) => error,
    );
    expect(locked).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 13 * 60 });
    expect(await p.attempt(p.m.password)).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 13 * 60 });
  });
});

describe("SSO organizations", () => {
  test("need no password, so nothing there counts toward the lock and the identity provider is never asked", async () => {
    const p = await lockable();
    await h.memberships.applyOrganizationSettingsChanged({ orgId: p.m.orgId, ssoEnforced: true, occurredAt: h.nextEventTime() });
    const asked = h.passwordCheck.askedAbout.length;
    for (let i = 0; i < MAX_PASSWORD_FAILURES + 1; i++) {
      expect((await p.attempt(i % 2 ? "wrong" : undefined)).code).toBe("ok");
    }
    expect(h.passwordCheck.askedAbout.length).toBe(asked);
    expect(await h.store.getPasswordFailures(p.m.userId)).toBeUndefined();
  });

  test("a person locked elsewhere is locked there too, with the same Retry-After", async () => {
    const p = await lockable();
    const sso = uniqueOrg();
    await h.addMember(sso, p.m.userId);
    await h.memberships.applyOrganizationSettingsChanged({ orgId: sso, ssoEnforced: true, occurredAt: h.nextEventTime() });
    for (let i = 0; i < MAX_PASSWORD_FAILURES; i++) await p.wrong();
    p.advance(60_000);
    const inSso = await p.userTokens.generate({ orgId: sso, userId: p.m.userId, name: "sso" }).then(
      () => undefined,
      (e: DomainError) => e,
    );
    expect(inSso).toMatchObject({ code: "too_many_attempts", retryAfterSeconds: 14 * 60 });
    p.advance(14 * 60_000);
    expect(await code(p.userTokens.generate({ orgId: sso, userId: p.m.userId, name: "sso" }))).toBe("ok");
  });
});

describe("under concurrency", () => {
  test("10 simultaneous wrong passwords spread over a quiet record: exactly 5 are checked, the rest are 429", async () => {
    const p = await lockable();
    const asked = () => h.passwordCheck.askedAbout.filter((s) => s.userId === p.m.userId).length;
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => p.wrong()));
    expect(outcomes.filter((o) => o === "invalid_password")).toHaveLength(MAX_PASSWORD_FAILURES);
    expect(outcomes.filter((o) => o === "too_many_attempts")).toHaveLength(10 - MAX_PASSWORD_FAILURES);
    expect(asked()).toBe(MAX_PASSWORD_FAILURES);
    const record = (await h.store.getPasswordFailures(p.m.userId))!;
    expect(record.failedAt).toHaveLength(MAX_PASSWORD_FAILURES);
    expect(record.lockedUntil).toBe(new Date(p.now() + LOCK_MS).toISOString());
    expect(record.pending).toEqual({});
  });

  test("right passwords at once with old failures on record: all succeed and the count starts over", async () => {
    const p = await lockable();
    for (let i = 0; i < MAX_PASSWORD_FAILURES - 1; i++) await p.wrong();
    p.advance(FAILURE_WINDOW_MS + 1); // the four failures are stale now: the first look must drop them
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => p.right()));
    expect(outcomes).toEqual(Array(6).fill("ok"));
    const record = (await h.store.getPasswordFailures(p.m.userId))!;
    expect(record.failedAt).toEqual([]);
    expect(record.pending).toEqual({});
  });
});
