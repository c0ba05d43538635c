import { recordLateChanges } from "./activity.ts";
import type { Clock, TokenStore } from "./ports.ts";

const HOUR_MS = 3_600_000;
/** How far back each run looks: a day and a half, so a run or two that failed (and its retries) lose nothing. */
export const DUE_LOOKBACK_HOURS = 36;

export interface DueWorkReport {
  readonly hoursRead: number;
  readonly tokensRead: number;
}

/**
 * The service's hourly job (API.md "Rotation": a replaced token's `token.revoked`, reason `rotated`, is recorded
 * "by the first request that finds it past its grace, or by the service's hourly job, whichever comes first;
 * once"). It reads the index of work due, hour by hour up to now, and records what has come due. Every record
 * is a conditional write, so a request that got there first, a retry or an overlapping run writes nothing twice;
 * a recorded token leaves the index, so each run reads only what is still open.
 */
export async function recordDueWork(deps: { store: TokenStore; clock: Clock }, lookbackHours = DUE_LOOKBACK_HOURS): Promise<DueWorkReport> {
  const now = deps.clock.now().getTime();
  let tokensRead = 0;
  for (let back = lookbackHours; back >= 0; back--) {
    const hour = new Date(now - back * HOUR_MS).toISOString();
    const tokens = await deps.store.listTokensDueIn(hour);
    tokensRead += tokens.length;
    // Only what is due by now: later in the current hour waits for the next run (or the first request).
    await recordLateChanges(deps, tokens);
  }
  return { hoursRead: lookbackHours + 1, tokensRead };
}
