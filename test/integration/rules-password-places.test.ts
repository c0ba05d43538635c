import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { DomainError, StoreUnavailable, WriteConflict } from "../../functions/domain/errors.ts";
import { MAX_PASSWORD_FAILURES, PENDING_TIMEOUT_MS, PasswordThrottle } from "../../functions/domain/password-throttle.ts";
import type { TokenStore } from "../../functions/domain/ports.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

/**
 * The places behind the password lock (password-throttle.ts): recent failures plus checks under way never
 * exceed 5, a place whose check never finished is given up after PENDING_TIMEOUT_MS, a check that finds no
 * free place waits and then gives up with 503 (never 429), and each check gives its place back.
 */

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

function setUp(options: { maxWaitMs?: number; store?: TokenStore } = {}) {
  let nowMs = Date.parse("2027-06-01T12:00:00.000Z") + Math.floor(Math.random() * 1000) * 86_400_000;
  const clock = { now: () => new Date(nowMs) };
  const userId = `places-${randomUUID().slice(0, 8)}`;
  const throttle = new PasswordThrottle({ store: options.store ?? h.store, clock }, { maxWaitMs: options.maxWaitMs ?? 300 });
  const ago = (ms: number) => new Date(nowMs - ms).toISOString();
  const record = (failedAt: string[], pending: string[]) =>
    h.store.savePasswordFailures(
      { userId, failedAt, lockedUntil: null, pending: Object.fromEntries(pending.map((at) => [randomUUID(), at])), version: 1 },
      undefined,
    );
  const outcome = (check: () => Promise<boolean>) =>
    throttle.check(userId, check).then(
      (right) => ({ right }),
      (error: unknown) => (error instanceof DomainError ? { code: error.code, retryAfterSeconds: error.retryAfterSeconds } : { error }),
    );
  return { userId, throttle, clock, ago, record, outcome, advance: (ms: number) => (nowMs += ms) };
}

describe("places", () => {
  test("checks under way that never finished are given up after PENDING_TIMEOUT_MS, not before", async () => {
    const s = setUp();
    await s.record([], Array(MAX_PASSWORD_FAILURES).fill(s.ago(PENDING_TIMEOUT_MS)));
    expect(await s.outcome(async () => true)).toEqual({ right: true });

    const t = setUp();
    await t.record([], Array(MAX_PASSWORD_FAILURES).fill(t.ago(PENDING_TIMEOUT_MS - 1)));
    let asked = false;
    // All five places are still held: the check waits, then gives up with 503 and the seconds until one frees.
    expect(await t.outcome(async () => (asked = true))).toEqual({ code: "unavailable", retryAfterSeconds: 1 });
    expect(asked).toBe(false);
  });

  test("Retry-After of a check that gave up waiting: until the oldest place under way is given up", async () => {
    const s = setUp();
    await s.record([], [s.ago(10_000), s.ago(20_000), s.ago(5_000), s.ago(1_000), s.ago(0)]);
    expect(await s.outcome(async () => true)).toEqual({ code: "unavailable", retryAfterSeconds: 10 });
  });

  test("failures and checks under way share the five places", async () => {
    const full = setUp();
    await full.record([full.ago(60_000), full.ago(50_000), full.ago(40_000)], [full.ago(1000), full.ago(1000)]);
    expect(await full.outcome(async () => true)).toMatchObject({ code: "unavailable" });

    const free = setUp();
    await free.record([free.ago(60_000), free.ago(50_000), free.ago(40_000)], [free.ago(1000)]);
    expect(await free.outcome(async () => true)).toEqual({ right: true });
    // A right password frees the place and starts the count over; the other check's place stays.
    const after = (await h.store.getPasswordFailures(free.userId))!;
    expect(after.failedAt).toEqual([]);
    expect(Object.keys(after.pending)).toHaveLength(1);
  });

  test("stale failures do not take places: old ones are dropped when a place is taken", async () => {
    const s = setUp();
    await s.record(Array(4).fill(s.ago(16 * 60_000)), Array(4).fill(s.ago(PENDING_TIMEOUT_MS + 1)));
    expect(await s.outcome(async () => false)).toEqual({ right: false });
    const after = (await h.store.getPasswordFailures(s.userId))!;
    expect(after.failedAt).toEqual([s.clock.now().toISOString()]);
    expect(after.pending).toEqual({});
    expect(after.lockedUntil).toBeNull();
  });

  test("a wrong password turns its place into a failure; the fifth sets the lock 15 minutes on", async () => {
    const s = setUp();
    await s.record([s.ago(4000), s.ago(3000), s.ago(2000), s.ago(1000)], []);
    expect(await s.outcome(async () => false)).toEqual({ right: false });
    const after = (await h.store.getPasswordFailures(s.userId))!;
    expect(after.failedAt).toHaveLength(MAX_PASSWORD_FAILURES);
    expect(after.failedAt.at(-1)).toBe(s.clock.now().toISOString());
    expect(after.lockedUntil).toBe(new Date(s.clock.now().getTime() + 15 * 60_000).toISOString());
    expect(after.pending).toEqual({});
    expect(await s.outcome(async () => true)).toEqual({ code: "too_many_attempts", retryAfterSeconds: 900 });
  });

  test("an identity-provider failure gives the place back and counts nothing", async () => {
    const s = setUp();
    await s.record([s.ago(1000)], []);
    expect(await s.outcome(async () => Promise.reject(new Error("idp down")))).toEqual({ error: new Error("idp down") });
    const after = (await h.store.getPasswordFailures(s.userId))!;
    expect(after.failedAt).toEqual([s.ago(1000)]);
    expect(after.pending).toEqual({});
  });

  test("a check that finds the places held waits for them: when one frees, it gets it", async () => {
    const s = setUp({ maxWaitMs: 10_000 });
    const release = Promise.withResolvers<boolean>();
    const holders = Array.from({ length: MAX_PASSWORD_FAILURES }, () => s.outcome(() => release.promise));
    await new Promise((resolve) => setTimeout(resolve, 200));
    let waiterAsked = false;
    const waiter = s.outcome(async () => (waiterAsked = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(waiterAsked).toBe(false);
    release.resolve(true);
    expect(await Promise.all(holders)).toEqual(Array(MAX_PASSWORD_FAILURES).fill({ right: true }));
    expect(await waiter).toEqual({ right: true });
    expect(waiterAsked).toBe(true);
  });
});

describe("contention on the throttle record", () => {
  /** A store whose whole-record writes of the throttle always lose the race. */
  const alwaysConflicting = (): TokenStore =>
    new Proxy(h.store, {
      get(target, property, receiver) {
        if (property === "savePasswordFailures") return async () => Promise.reject(new WriteConflict());
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });

  test("a wrong password whose failure can never be written ends in StoreUnavailable (503), never 429", async () => {
    const s = setUp({ store: alwaysConflicting() });
    await s.record([], []); // a clean record: the place is taken by the conditional write, which does not conflict
    const result = await s.throttle.check(s.userId, async () => false).catch((error: unknown) => error);
    expect(result).toBeInstanceOf(StoreUnavailable);
  }, 60_000);

  test("taking a place on a record that needs tidying, when every write loses, ends in StoreUnavailable too", async () => {
    const s = setUp({ store: alwaysConflicting() });
    await s.record([s.ago(16 * 60_000)], []);
    const result = await s.throttle.check(s.userId, async () => true).catch((error: unknown) => error);
    expect(result).toBeInstanceOf(StoreUnavailable);
  }, 60_000);

  test("a store failure while taking a place is passed on as it is", async () => {
    const broken = new Proxy(h.store, {
      get(target, property, receiver) {
        if (property === "savePasswordFailures") return async () => Promise.reject(new StoreUnavailable("down"));
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const s = setUp({ store: broken });
    await s.record([s.ago(16 * 60_000)], []);
    expect(await s.throttle.check(s.userId, async () => true).catch((error: unknown) => error)).toEqual(new StoreUnavailable("down"));
  });
});
