/**
 * Password-throttle arithmetic without I/O (API.md "Password throttling"): 5 failures within 15 minutes lock
 * generation for 15 minutes from the last failure, and the 429's `Retry-After` is the whole seconds until the
 * lock ends, at least 1. The record is what the store holds; a stand-in answers the one read the question
 * needs, and the clock moves only when told. (Checks, places and contention: test/integration/user-tokens.test.ts.)
 */
import { describe, expect, test } from "vitest";
import { DomainError } from "../../functions/domain/errors.ts";
import type { PasswordFailures } from "../../functions/domain/model.ts";
import { FAILURE_WINDOW_MS, LOCK_MS, MAX_PASSWORD_FAILURES, PasswordThrottle } from "../../functions/domain/password-throttle.ts";
import type { TokenStore } from "../../functions/domain/ports.ts";

const NOW = Date.parse("2026-03-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** What `assertNotLocked` answers for this record at NOW: undefined (not locked) or the Retry-After seconds. */
async function retryAfter(record: Partial<PasswordFailures> | undefined, now = NOW): Promise<number | undefined> {
  const store = {
    getPasswordFailures: async (userId: string) =>
      record && { userId, failedAt: [], lockedUntil: null, pending: {}, version: 1, ...record },
  };
  const throttle = new PasswordThrottle({ store: store as unknown as TokenStore, clock: { now: () => new Date(now) } });
  try {
    await throttle.assertNotLocked("ada");
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("too_many_attempts");
    return (error as DomainError).retryAfterSeconds;
  }
}

test("the constants are API.md's: 5 failures, a 15-minute window, a 15-minute lock", () => {
  expect([MAX_PASSWORD_FAILURES, FAILURE_WINDOW_MS, LOCK_MS]).toEqual([5, 15 * 60_000, 15 * 60_000]);
});

describe("a lock that was written (lockedUntil)", () => {
  test("Retry-After is the whole seconds until it ends, rounded up", async () => {
    expect(await retryAfter({ lockedUntil: iso(NOW + LOCK_MS) })).toBe(900);
    expect(await retryAfter({ lockedUntil: iso(NOW + 899_001) })).toBe(900);
    expect(await retryAfter({ lockedUntil: iso(NOW + 899_000) })).toBe(899);
    expect(await retryAfter({ lockedUntil: iso(NOW + 1) })).toBe(1);
  });

  test("it ends exactly at lockedUntil", async () => {
    expect(await retryAfter({ lockedUntil: iso(NOW) })).toBeUndefined();
    expect(await retryAfter({ lockedUntil: iso(NOW - 1) })).toBeUndefined();
  });
});

describe("failures within the window", () => {
  const failures = (...agesMs: number[]) => agesMs.map((age) => iso(NOW - age));

  test("no record, or fewer than 5 recent failures: not locked", async () => {
    expect(await retryAfter(undefined)).toBeUndefined();
    expect(await retryAfter({ failedAt: failures(4000, 3000, 2000, 1000) })).toBeUndefined();
  });

  test("5 recent failures lock until 15 minutes after the last one", async () => {
    expect(await retryAfter({ failedAt: failures(5000, 4000, 3000, 2000, 1000) })).toBe((LOCK_MS - 1000) / 1000);
  });

  test("a failure exactly one window old no longer counts; one a millisecond younger does", async () => {
    expect(await retryAfter({ failedAt: failures(FAILURE_WINDOW_MS, 4000, 3000, 2000, 1000) })).toBeUndefined();
    expect(await retryAfter({ failedAt: failures(FAILURE_WINDOW_MS - 1, 4000, 3000, 2000, 1000) })).toBe((LOCK_MS - 1000) / 1000);
  });
});
