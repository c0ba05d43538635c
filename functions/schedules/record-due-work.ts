import middy from "@middy/core";
import { recordDueWork } from "../domain/due-work.ts";
import { logger } from "../platform/logger.ts";
import { publishMetrics } from "../platform/metrics.ts";
import { clock, store } from "../platform/services.ts";

/**
 * The service's hourly job (EventBridge Scheduler; locally, POST /local/clock runs it after moving the clock):
 * records what came due without any request finding it, the ends of rotations' graces. What it records is
 * written to the activity log like every other change (and counted as metrics there); a failure throws, so the
 * scheduler retries and, after its retries, sends the event to the job's dead-letter queue.
 */
export const handler = middy(async (): Promise<{ hoursRead: number; tokensRead: number }> => {
  const report = await recordDueWork({ store, clock });
  logger.info("due work recorded", { ...report });
  return report;
}).use(publishMetrics());
