import middy from "@middy/core";
import { DUE_LOOKBACK_HOURS, MAX_LOOKBACK_HOURS, recordDueWork } from "../domain/due-work.ts";
import { logger } from "../platform/logger.ts";
import { countTokenEvents, publishMetrics } from "../platform/metrics.ts";
import { clock, store } from "../platform/services.ts";

/**
 * The service's hourly job (EventBridge Scheduler; locally, POST /local/clock runs it after moving the clock):
 * records what came due without any request finding it (expiries, the ends of rotations' graces) and publishes
 * the expiry warnings. What it records is written to the activity log like every other change (and counted as
 * metrics there); a failure throws, so the scheduler retries and, after its retries, sends the event to the
 * job's dead-letter queue.
 *
 * The scheduler sends no input: the run looks back 36 hours. An operator catching up after an outage (or the
 * local server, after its clock skipped days) may invoke it with `{ "lookbackHours": N }`, up to 31 days.
 */
export const handler = middy(async (event: { lookbackHours?: unknown } | null | undefined) => {
  const asked = event?.lookbackHours;
  const lookbackHours =
    typeof asked === "number" && Number.isInteger(asked) && asked >= 0 ? Math.min(asked, MAX_LOOKBACK_HOURS) : DUE_LOOKBACK_HOURS;
  const report = await recordDueWork({ store, clock }, lookbackHours);
  logger.info("due work recorded", { ...report, lookbackHours });
  countTokenEvents({ expiryWarnings: report.warned });
  return report;
}).use(publishMetrics());
