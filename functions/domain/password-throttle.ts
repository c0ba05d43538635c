import { randomUUID } from "node:crypto";
import { DomainError } from "./errors.ts";
import type { PasswordFailures } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";

/**
 * API.md: 5 wrong passwords in a row for one person (across organizations) within 15 minutes lock that
 * person's token generation for 15 minutes from the last failure. A right password resets the count.
 *
 * Under concurrency a lock that is read before the check and written after it lets any number of
 * simultaneous guesses through. So every check first takes a place (a conditional write): recent failures
 * plus checks under way may never exceed 5. A check that finds no free place waits for one, which a right
 * password frees at once and a wrong one turns into a failure (and, at the 5th, the lock). Simultaneous
 * right passwords therefore all go through, while at most 5 guesses are ever checked before the lock.
 */
export const MAX_PASSWORD_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;
/** A place whose check never finished (a crashed function) is given up after this. */
const PENDING_TIMEOUT_MS = 30_000;
/** How long a check waits for a free place before answering 429. */
const MAX_WAIT_MS = 8_000;

const tooManyAttempts = () =>
  new DomainError(
    "too_many_attempts",
    "Too many wrong passwords. Token generation is locked for 15 minutes after the last failed attempt.",
  );

class NoFreePlace extends Error {}

export class PasswordThrottle {
  constructor(private readonly deps: { store: TokenStore; clock: Clock }) {}

  /** Throws `too_many_attempts` while the person is locked. */
  async assertNotLocked(userId: string): Promise<void> {
    const current = await this.deps.store.getPasswordFailures(userId);
    if (current && isLocked(current, this.deps.clock.now())) throw tooManyAttempts();
  }

  /**
   * Runs one password check in a place of its own; counts it as a failure if `check` says false.
   * Throws `too_many_attempts` while locked (or when no place frees up in time).
   */
  async check(userId: string, check: () => Promise<boolean>): Promise<boolean> {
    const attemptId = randomUUID();
    await this.takePlace(userId, attemptId);
    let right: boolean;
    try {
      right = await check();
    } catch (error) {
      // The identity provider failed: that is no wrong password, so the place is simply given back.
      await this.update(userId, (current) => ({ ...current, pending: without(current.pending, attemptId) }));
      throw error;
    }
    await this.update(userId, (current, now) => {
      const pending = without(current.pending, attemptId);
      if (right) return { ...current, failedAt: [], lockedUntil: null, pending };
      const failedAt = [...recentFailures(current, now), now.toISOString()].slice(-MAX_PASSWORD_FAILURES);
      const lockedUntil =
        failedAt.length >= MAX_PASSWORD_FAILURES ? new Date(now.getTime() + LOCK_MS).toISOString() : current.lockedUntil;
      return { ...current, failedAt, lockedUntil, pending };
    });
    return right;
  }

  private async takePlace(userId: string, attemptId: string): Promise<void> {
    const deadline = Date.now() + MAX_WAIT_MS;
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      try {
        await this.update(userId, (current, now) => {
          if (isLocked(current, now)) throw tooManyAttempts();
          const pending = livePending(current, now);
          if (recentFailures(current, now).length + Object.keys(pending).length >= MAX_PASSWORD_FAILURES) {
            throw new NoFreePlace();
          }
          return { ...current, pending: { ...pending, [attemptId]: now.toISOString() } };
        });
        return;
      } catch (error) {
        if (!(error instanceof NoFreePlace)) throw error;
        if (Date.now() > deadline) throw tooManyAttempts();
        await new Promise((resolve) => setTimeout(resolve, wait / 2 + Math.random() * wait));
      }
    }
  }

  /** Read, change, write back only if nobody else wrote in between; else again. */
  private async update(
    userId: string,
    change: (current: PasswordFailures, now: Date) => Omit<PasswordFailures, "version">,
  ): Promise<void> {
    await retryOnConflict(async () => {
      const stored = await this.deps.store.getPasswordFailures(userId);
      const current = stored ?? { userId, failedAt: [], lockedUntil: null, pending: {}, version: 0 };
      const next = change(current, this.deps.clock.now());
      await this.deps.store.savePasswordFailures({ ...next, version: current.version + 1 }, stored?.version);
    });
  }
}

const isLocked = (record: PasswordFailures, now: Date) =>
  record.lockedUntil !== null && Date.parse(record.lockedUntil) > now.getTime();

const recentFailures = (record: PasswordFailures, now: Date) =>
  record.failedAt.filter((at) => Date.parse(at) > now.getTime() - FAILURE_WINDOW_MS);

const livePending = (record: PasswordFailures, now: Date) =>
  Object.fromEntries(Object.entries(record.pending).filter(([, at]) => Date.parse(at) > now.getTime() - PENDING_TIMEOUT_MS));

const without = (pending: Readonly<Record<string, string>>, attemptId: string) =>
  Object.fromEntries(Object.entries(pending).filter(([id]) => id !== attemptId));

