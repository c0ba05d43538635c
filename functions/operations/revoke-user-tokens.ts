import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { z } from "zod";
import { describeIssues, idSchema } from "../domain/schemas.ts";
import { logger } from "../platform/logger.ts";
import { metrics } from "../platform/metrics.ts";
import { memberships as wire } from "../platform/memberships.ts";

const memberships = wire();

/**
 * Operator function, run from the AWS console (its test event is in the schema registry): revokes every
 * active user token of one person in one organization, e.g. when a laptop is stolen. The person stays a
 * member. Each revocation is recorded in the activity log as System, with the operator and the reason.
 * `dryRun: true` (the default) only lists what would be revoked; running it twice revokes nothing twice.
 */
const input = z.strictObject({
  orgId: idSchema,
  userId: idSchema,
  /** Who runs it (e.g. your IAM user or ticket handle): kept in the activity record. */
  operator: z.string().trim().min(1).max(100),
  /** Why: kept in the activity record. Never paste a token here. */
  reason: z.string().trim().min(1).max(500),
  dryRun: z.boolean().default(true),
});

export const handler = middy<unknown, unknown, Error, Context>({ timeoutEarlyInMillis: 0 }).use(logMetrics(metrics)).handler(async (event) => {
  logger.resetKeys();
  const parsed = input.safeParse(event);
  if (!parsed.success) {
    // An answer the console shows, not a failure to retry: nothing was changed.
    return { ok: false, error: describeIssues(parsed.error), example: { orgId: "acme", userId: "ada", operator: "jane@ops", reason: "laptop stolen", dryRun: true } };
  }
  const result = await memberships.revokeAllUserTokens(parsed.data);
  logger.info("operator revocation", {
    orgId: parsed.data.orgId,
    userId: parsed.data.userId,
    operator: parsed.data.operator,
    dryRun: result.dryRun,
    revokedCount: result.revoked.length,
  });
  return { ok: true, ...result };
});
