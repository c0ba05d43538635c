import * as z from "zod/mini";
import { backfillPersonIndex, isStartAfter } from "../adapters/dynamodb/person-index-backfill.ts";
import { logger } from "../platform/logger.ts";
import { operatorHandler } from "../platform/operator-handler.ts";
import { documentClient, tableNames } from "../platform/runtime.ts";

/**
 * Operator function, run from the AWS console once after the deploy that added the tokens table's `byPerson`
 * index (README "Deploy", upgrade notes): gives the memberships written before it the index's attributes (and
 * `nameAt`, where an upsert named them), so `GET /v1/me` lists every organization and names every person.
 * `dryRun: true` (the default) only counts them. Idempotent; a run that stops before the end (`done: false`)
 * answers `nextStartAfter`: run it again with that as `startAfter`.
 */
const input = z.strictObject({
  dryRun: z._default(z.boolean(), true),
  /** `nextStartAfter` of the previous run's answer. */
  startAfter: z.optional(
    z
      .string()
      .check(
        z.maxLength(2000),
        z.refine(
          isStartAfter,
          "startAfter is not a position this function gave: paste nextStartAfter from its last answer, or leave it out",
        ),
      ),
  ),
  /** Scan pages per run (each up to 1,000 items): at the default the run stays well inside the 5-minute timeout. */
  maxPages: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(500)), 100),
});

export const handler = operatorHandler({
  input,
  help: () => ({ example: { dryRun: true, maxPages: 100 } }),
  run: async (request) => {
    const result = await backfillPersonIndex(documentClient, tableNames.tokens, request);
    logger.info("person index backfill", { ...result, nextStartAfter: undefined });
    return result;
  },
});
