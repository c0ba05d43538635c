import { DomainError } from "./errors.ts";
import type { PasswordFailures } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";

/**
 * API.md: 5 wrong passwords in a row for one person (across organizations) within 15 minutes lock that
 * person's token generation for 15 minutes from the last failure. A right password resets the count.
 */
export const MAX_PASSWORD_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;

export class PasswordThrottle {
  constructor(private readonly deps: { store: TokenStore; clock: Clock }) {}

  /** Throws `too_many_attempts` while the person is locked; returns what it read for `reset`. */
  async assertNotLocked(userId: string): Promise<PasswordFailures | undefined> {
    const failures = await this.deps.store.getPasswordFailures(userId);
    if (failures?.lockedUntil && Date.parse(failures.lockedUntil) > this.deps.clock.now().getTime()) {
      throw new DomainError(
        "too_many_attempts",
        "Too many wrong passwords. Token generation is locked for 15 minutes after the last failed attempt.",
      );
    }
    return failures;
  }

  async recordFailure(userId: string): Promise<void> {
    await retryOnConflict(async () => {
      const current = await this.deps.store.getPasswordFailures(userId);
      const now = this.deps.clock.now();
      const recent = (current?.failedAt ?? []).filter((at) => Date.parse(at) > now.getTime() - FAILURE_WINDOW_MS);
      const failedAt = [...recent, now.toISOString()].slice(-MAX_PASSWORD_FAILURES);
      const lockedUntil =
        failedAt.length >= MAX_PASSWORD_FAILURES ? new Date(now.getTime() + LOCK_MS).toISOString() : null;
      await this.deps.store.savePasswordFailures(
        { userId, failedAt, lockedUntil, version: (current?.version ?? 0) + 1 },
        current?.version,
      );
    });
  }

  /** A right password breaks the row; a write only when there is something to clear. */
  async reset(userId: string, read: PasswordFailures | undefined): Promise<void> {
    if (read && read.failedAt.length > 0) await this.deps.store.clearPasswordFailures(userId);
  }
}
