import { randomUUID } from "node:crypto";
import { DomainError, StoreUnavailable, WriteConflict } from "./errors.ts";
import type { PasswordFailures } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";

/**
 * API.md: 5 wrong passwords in a row for one person (across organizations) within 15 minutes lock that
 * person's token generation for 15 minutes from the last failure. A right password resets the count.
 *
 * Under concurrency a lock that is read before the check and written after it lets any number of
 * simultaneous guesses through. So every check first takes a place (a conditional write): recent failures
 * plus checks under way may never exceed 5, whatever the concurrency, so at most 5 guesses are ever checked
 * before the lock.
 *
 * 429 means "locked" and nothing else. A check that finds no free place and no lock finds the places held
 * by checks under way (at least one: 5 failures would be the lock), and it waits for them: a right password
 * frees its place at once, a wrong one turns into a failure, and the 5th failure is the lock, which then
 * answers the waiters 429 with `Retry-After`. So simultaneous right passwords only wait, 5 checks at a time;
 * only checks that do not end within `MAX_WAIT_MS` (a hung identity provider) make a waiter give up, with 503.
 */
export const MAX_PASSWORD_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;
/**
 * A place whose check never finished (a function killed mid-check) is given up after this. It must outlast
 * the longest a generate can run (its function timeout, infra/routes.ts): a place given up while its check
 * is still under way would let a 6th guess be checked.
 */
export const PENDING_TIMEOUT_MS = 30_000;
/**
 * How long a check waits for the checks under way before it gives up (503, never 429: that is the lock's).
 * Generous, so contention alone never ends in an error: 100 simultaneous right passwords pass 5 at a time.
 * The generate function's timeout (infra/routes.ts) leaves room for this wait plus the check itself.
 */
export const MAX_WAIT_MS = 24_000;

/**
 * Waiting for a place: look soon (a check takes ~50–500 ms), then less and less often, with jitter. Each
 * look is one conditional write (see takePlace). With many waiters one of them still looks within a few ms
 * of a place coming free, while the one hot record gets a few requests per waiter, not hundreds.
 */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;
/**
 * Another request wrote the throttle record between our read and write: re-read after a few ms of full
 * jitter, growing a little with each conflict in a row so that contenders spread out instead of spinning.
 */
const conflictJitter = (conflicts: number) => sleep(Math.random() * Math.min(64, 2 * 2 ** conflicts));
const MAX_CONFLICTS = 100;

export class PasswordThrottle {
  private readonly maxWaitMs: number;

  constructor(
    private readonly deps: { store: TokenStore; clock: Clock },
    options: { maxWaitMs?: number } = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  }

  /** Throws `too_many_attempts` while the person is locked. */
  async assertNotLocked(userId: string): Promise<void> {
    const current = await this.deps.store.getPasswordFailures(userId);
    const now = this.deps.clock.now();
    const until = current && lockEnd(current, now);
    if (until) throw tooManyAttempts(until, now);
  }

  /**
   * Runs one password check in a place of its own; counts it as a failure if `check` says false.
   * Throws `too_many_attempts` (with the seconds until the lock ends) while locked.
   */
  async check(userId: string, check: () => Promise<boolean>): Promise<boolean> {
    const attemptId = randomUUID();
    await this.takePlace(userId, attemptId);
    let right: boolean;
    try {
      right = await check();
    } catch (error) {
      // The identity provider failed: that is no wrong password, so the place is simply given back.
      await this.deps.store.releasePasswordCheck(userId, attemptId, { reset: false });
      throw error;
    }
    if (right) {
      // The place is free again at once, and the count starts over: one write that never conflicts.
      await this.deps.store.releasePasswordCheck(userId, attemptId, { reset: true });
      return true;
    }
    await this.update(userId, (current, now) => {
      const failedAt = [...recentFailures(current, now), now.toISOString()].slice(-MAX_PASSWORD_FAILURES);
      const lockedUntil = failedAt.length >= MAX_PASSWORD_FAILURES ? new Date(now.getTime() + LOCK_MS).toISOString() : current.lockedUntil;
      return { ...current, failedAt, lockedUntil, pending: without(current.pending, attemptId) };
    });
    return false;
  }

  private async takePlace(userId: string, attemptId: string): Promise<void> {
    const { store, clock } = this.deps;
    const giveUpAt = performance.now() + this.maxWaitMs;
    // The first look is a try: take a place as if the record were clean (no failures). Refused, the write
    // answers with the record (or with none, if there is none yet), and the loop goes by what it says.
    const first = await store.takePasswordCheckPlace(userId, attemptId, clock.now().toISOString(), {
      failuresAtMost: 0,
      pendingBelow: MAX_PASSWORD_FAILURES,
    });
    if (first.taken) return;
    let stored = first.current;
    let conditional = true;
    for (let polls = 0, conflicts = 0; ; ) {
      const now = clock.now();
      const current = stored ?? emptyRecord(userId);
      const until = lockEnd(current, now);
      if (until) throw tooManyAttempts(until, now);

      const failedAt = recentFailures(current, now);
      const pending = livePending(current, now);
      const free = failedAt.length + size(pending) < MAX_PASSWORD_FAILURES;
      // Nothing stale in it: the stored counts are the counts that matter.
      const tidy = stored !== undefined && failedAt.length === stored.failedAt.length && size(pending) === size(stored.pending);

      if (free && !(tidy && conditional)) {
        // No record yet, stale entries to drop, or a record the conditional write refused although it looked
        // free: write it whole, if nobody wrote in between.
        try {
          await store.savePasswordFailures(
            { ...current, failedAt, pending: { ...pending, [attemptId]: now.toISOString() }, version: current.version + 1 },
            stored?.version,
          );
          return;
        } catch (error) {
          if (!(error instanceof WriteConflict)) throw error;
          if (++conflicts >= MAX_CONFLICTS) throw new StoreUnavailable(`Gave up after ${conflicts} conflicting attempts`);
          await conflictJitter(conflicts);
          stored = await store.getPasswordFailures(userId);
          conditional = true;
          continue;
        }
      }

      if (!free) {
        // Not locked, yet no free place: checks under way hold them (5 failures would be the lock). Wait for
        // one to end: a right password frees its place, a wrong one becomes a failure (the 5th: the lock).
        if (performance.now() >= giveUpAt) throw stillChecking(pending, now);
        const backoff = Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** Math.min(polls++, 10));
        await sleep(backoff / 2 + (Math.random() * backoff) / 2);
        if (!tidy) {
          stored = await store.getPasswordFailures(userId);
          continue;
        }
      }

      // One write conditioned on the counts we saw: it takes a place if one is free (by now), and if not it
      // answers with the record as it is, so each look while waiting is one request, and the first waiter to
      // look after a check ended gets the place without a read-then-write race.
      const limits = { failuresAtMost: stored!.failedAt.length, pendingBelow: MAX_PASSWORD_FAILURES - stored!.failedAt.length };
      const result = await store.takePasswordCheckPlace(userId, attemptId, clock.now().toISOString(), limits);
      if (result.taken) return;
      stored = result.current;
      // Refused right after the place looked free: someone was quicker, or the record is one this write cannot
      // use. Should a place still look free, the versioned write takes it.
      conditional = !free;
    }
  }

  /** Read, change, write back only if nobody else wrote in between; else again after a few ms of jitter. */
  private async update(userId: string, change: (current: PasswordFailures, now: Date) => Omit<PasswordFailures, "version">): Promise<void> {
    for (let conflicts = 0; ; ) {
      const stored = await this.deps.store.getPasswordFailures(userId);
      const current = stored ?? emptyRecord(userId);
      const next = change(current, this.deps.clock.now());
      try {
        await this.deps.store.savePasswordFailures({ ...next, version: current.version + 1 }, stored?.version);
        return;
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error;
        if (++conflicts >= MAX_CONFLICTS) throw new StoreUnavailable(`Gave up after ${conflicts} conflicting attempts`);
        await conflictJitter(conflicts);
      }
    }
  }
}

const tooManyAttempts = (until: number, now: Date) =>
  new DomainError(
    "too_many_attempts",
    "Too many wrong passwords. Token generation is locked for 15 minutes after the last failed attempt.",
    { retryAfterSeconds: secondsUntil(until, now) },
  );

/** Checks under way that did not finish within the wait: a hung identity provider, not contention. */
const stillChecking = (pending: Readonly<Record<string, string>>, now: Date) =>
  new DomainError(
    "unavailable",
    "Other password checks for you are still under way and did not finish in time. Nothing was changed; try again shortly.",
    { retryAfterSeconds: secondsUntil(Math.min(...Object.values(pending).map(Date.parse)) + PENDING_TIMEOUT_MS, now) },
  );

/** Whole seconds from `now` until `until`, at least 1: `Retry-After` must be a positive integer. */
const secondsUntil = (until: number, now: Date) => Math.max(1, Math.ceil((until - now.getTime()) / 1000));

const emptyRecord = (userId: string): PasswordFailures => ({ userId, failedAt: [], lockedUntil: null, pending: {}, version: 0 });

/**
 * When the person's lock ends (epoch ms), or undefined if they are not locked. The 5th failure sets
 * `lockedUntil`; 5 failures in the window without it (never written so) would lock from the last one.
 */
function lockEnd(record: PasswordFailures, now: Date): number | undefined {
  const until = record.lockedUntil === null ? 0 : Date.parse(record.lockedUntil);
  if (until > now.getTime()) return until;
  const failures = recentFailures(record, now);
  if (failures.length >= MAX_PASSWORD_FAILURES) return Date.parse(failures.at(-1)!) + LOCK_MS;
  return undefined;
}

const recentFailures = (record: PasswordFailures, now: Date) =>
  record.failedAt.filter((at) => Date.parse(at) > now.getTime() - FAILURE_WINDOW_MS);

const livePending = (record: PasswordFailures, now: Date) =>
  Object.fromEntries(Object.entries(record.pending).filter(([, at]) => Date.parse(at) > now.getTime() - PENDING_TIMEOUT_MS));

const without = (pending: Readonly<Record<string, string>>, attemptId: string) =>
  Object.fromEntries(Object.entries(pending).filter(([id]) => id !== attemptId));

const size = (entries: Readonly<Record<string, string>>) => Object.keys(entries).length;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
