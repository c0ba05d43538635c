import type { PasswordFailures } from "../../../domain/model.ts";
import { FAILURE_WINDOW_MS } from "../../../domain/password-throttle.ts";
import { keyAttributes, keys } from "../keys.ts";
import { VERSION, type Entity, type Item } from "./entity.ts";

/**
 * A person's password throttle record (across organizations): recent failures, the lock, and the checks
 * under way. TTL removes it once nothing in it can matter any more.
 */
export const passwordFailuresAttributes = {
  failedAt: "failedAt",
  lockedUntil: "lockedUntil",
  pending: "pending",
  version: VERSION,
  timeToLive: keyAttributes.timeToLive,
} as const satisfies Record<string, keyof PasswordFailures | typeof keyAttributes.timeToLive>;

/** TTL deletes late, never early; an hour's margin on top of the last moment an entry matters. */
const TIME_TO_LIVE_MARGIN_SECONDS = 3600;

/**
 * When TTL may remove the record: an entry (a failure, or a check under way, which may still become one)
 * matters for the failure window after it, the lock until it ends (the window and the lock are the domain's).
 */
export function passwordFailuresTimeToLive(entries: readonly string[], lockedUntil: string | null): number {
  const lastRelevant = Math.max(...entries.map((at) => Date.parse(at) + FAILURE_WINDOW_MS), lockedUntil ? Date.parse(lockedUntil) : 0);
  return Math.ceil(lastRelevant / 1000) + TIME_TO_LIVE_MARGIN_SECONDS;
}

export const passwordFailuresEntity = {
  type: "passwordFailures",
  key: (userId: string) => keys.passwordFailures(userId),
  toItem: (failures: PasswordFailures): Item => ({
    ...keys.passwordFailures(failures.userId),
    type: passwordFailuresEntity.type,
    ...failures,
    [keyAttributes.timeToLive]: passwordFailuresTimeToLive(
      [...failures.failedAt, ...Object.values(failures.pending)],
      failures.lockedUntil,
    ),
  }),
  fromItem: (item: Item): PasswordFailures => ({
    userId: item.userId as string,
    failedAt: item.failedAt as string[],
    lockedUntil: (item.lockedUntil as string | null) ?? null,
    pending: (item.pending as Record<string, string> | undefined) ?? {},
    version: item.version as number,
  }),
} as const satisfies Entity<PasswordFailures> & Record<string, unknown>;
