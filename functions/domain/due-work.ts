import { recordLateChanges } from "./activity.ts";
import { WriteConflict } from "./errors.ts";
import { needsExpiryWarning } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { tokenEvents } from "./token-events.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How far back each run looks: a day and a half, so a run or two that failed (and its retries) lose nothing. */
export const DUE_LOOKBACK_HOURS = 36;
/** The furthest an operator (or the local test clock) may send a run back: past 31 days TTL has the tokens. */
export const MAX_LOOKBACK_HOURS = 31 * 24 + DUE_LOOKBACK_HOURS;

export interface DueWorkReport {
  readonly daysRead: number;
  readonly tokensRead: number;
  readonly warned: number;
}

/**
 * The service's hourly job. It reads the index of work due, day by day from `lookbackHours` ago up to now,
 * and does what has come due by now: records the expiries and the ends of rotations' graces that no request
 * found (API.md "Activity", "Rotation"), and publishes each `Token Expiring Soon` (API.md "Token events out").
 * Every write is conditional, so a request that got there first, a retry or an overlapping run writes nothing
 * twice; a settled token leaves the index (a warned one moves to its expiry's day), so each run reads only
 * what is still open.
 */
export async function recordDueWork(deps: { store: TokenStore; clock: Clock }, lookbackHours = DUE_LOOKBACK_HOURS): Promise<DueWorkReport> {
  const now = deps.clock.now();
  const firstDay = Date.parse(new Date(now.getTime() - lookbackHours * HOUR_MS).toISOString().slice(0, 10));
  let tokensRead = 0;
  let warned = 0;
  let daysRead = 0;
  for (let day = firstDay; day <= now.getTime(); day += DAY_MS, daysRead++) {
    const tokens = await deps.store.listTokensDueOn(new Date(day).toISOString().slice(0, 10));
    tokensRead += tokens.length;
    // Only what is due by now: later today waits for the next run (or the first request).
    await recordLateChanges(deps, tokens);
    for (const token of tokens.filter((token) => needsExpiryWarning(token, now))) {
      if (await warn(deps, token, now)) warned++;
    }
  }
  return { daysRead, tokensRead, warned };
}

/** False when the token moved on since it was read (used, revoked, warned by an overlapping run). */
async function warn(deps: { store: TokenStore }, token: Parameters<TokenStore["recordExpiryWarning"]>[0], now: Date): Promise<boolean> {
  try {
    return await deps.store.recordExpiryWarning(token, now, tokenEvents.expiringSoon(token, now.toISOString()));
  } catch (error) {
    if (error instanceof WriteConflict) return false;
    throw error;
  }
}
