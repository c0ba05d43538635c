import middy from "@middy/core";
import type { Context, EventBridgeEvent } from "aws-lambda";
import type * as z from "zod/mini";
import { describeIssues, parseInput } from "../domain/schemas.ts";
import { logger } from "./logger.ts";
import { publishMetrics } from "./metrics.ts";

export type PlatformEvent = EventBridgeEvent<string, unknown>;

/**
 * Every EventBridge function is built here: validate the detail, apply it, log the outcome. A failure is
 * thrown, so EventBridge retries it and, in the end, parks it in the dead-letter queue: nothing is lost.
 */
export function eventHandler<TSchema extends z.ZodMiniType>(options: {
  detail: TSchema;
  apply: (detail: z.output<TSchema>) => Promise<string>;
}) {
  return middy<PlatformEvent, void, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(publishMetrics())
    .handler(async (event) => {
      logger.resetKeys();
      logger.appendKeys({ eventId: event.id, detailType: event["detail-type"], source: event.source });
      const parsed = parseInput(options.detail, event.detail);
      if (!parsed.success) {
        logger.error("event rejected", { reason: describeIssues(parsed.error) });
        throw new Error(`Event ${event.id} has an invalid detail: ${describeIssues(parsed.error)}`);
      }
      try {
        const outcome = await options.apply(parsed.data);
        logger.info("event handled", { outcome });
      } catch (error) {
        logger.error("event failed", { errorName: (error as Error).name, errorMessage: (error as Error).message });
        throw error;
      }
    });
}
