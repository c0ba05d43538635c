import { StoreUnavailable, WriteConflict } from "./errors.ts";

/**
 * Optimistic concurrency: re-read and try again when a conditional write loses a race. Contention alone must
 * never fail a request (API.md), so the budget is generous: 50 simultaneous generates for one person need at
 * most ~10 rounds each before the limit is reached and the rest answer 409 without writing.
 */
const MAX_ATTEMPTS = 100;
const BASE_DELAY_MS = 5;
const MAX_DELAY_MS = 200;

export async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      if (n >= MAX_ATTEMPTS) throw new StoreUnavailable(`Gave up after ${n} conflicting attempts`);
      // Full jitter spreads the contenders out so one of them wins each round.
      const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(n, 10));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
    }
  }
}
