import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type * as z from "zod/mini";
import { describeIssues, parseInput } from "../domain/schemas.ts";
import { logger } from "./logger.ts";
import { publishMetrics } from "./metrics.ts";

/** What the console shows: the result, or what was wrong with the input and a hint (nothing was changed). */
export type OperatorAnswer<TResult> = ({ ok: true } & TResult) | ({ ok: false; error: string } & Record<string, unknown>);

/**
 * Every operator function (run by a person from the AWS console, with the test events the stack registers) is
 * built here: the input is checked against a schema; a wrong input is an answer naming what is wrong (never
 * the values) plus `help`, not a failure to retry; a failure while running is logged by name and thrown, so
 * the console shows the function's error. With `metrics`, what the run recorded (tokens revoked) is published.
 */
export function operatorHandler<TSchema extends z.ZodMiniType, TResult extends object>(options: {
  input: TSchema;
  /** Carried by the answer to a wrong input: an example input, or the valid choices. */
  help: () => Record<string, unknown>;
  run: (input: z.output<TSchema>) => Promise<TResult>;
  metrics?: boolean;
}) {
  const stack = middy<unknown, OperatorAnswer<TResult>, Error, Context>({ timeoutEarlyInMillis: 0 });
  if (options.metrics) stack.use(publishMetrics());
  return stack.handler(async (event, context) => {
    logger.resetKeys();
    logger.appendKeys({ requestId: context?.awsRequestId });
    const parsed = parseInput(options.input, event);
    if (!parsed.success) {
      const error = describeIssues(parsed.error);
      logger.warn("operator input rejected", { reason: error });
      return { ok: false, error, ...options.help() };
    }
    try {
      return { ok: true, ...(await options.run(parsed.data)) };
    } catch (error) {
      logger.error("operator function failed", { errorName: (error as Error)?.name, errorMessage: (error as Error)?.message });
      throw error;
    }
  });
}
