import * as z from "zod/mini";
import { idSchema } from "../domain/schemas.ts";
import { logger } from "../platform/logger.ts";
import { memberships as wire } from "../platform/memberships.ts";
import { operatorHandler } from "../platform/operator-handler.ts";

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
  operator: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  /** Why: kept in the activity record. Never paste a token here. */
  reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
  dryRun: z._default(z.boolean(), true),
});

export const handler = operatorHandler({
  input,
  metrics: true,
  help: () => ({ example: { orgId: "acme", userId: "ada", operator: "jane@ops", reason: "laptop stolen", dryRun: true } }),
  run: async (request) => {
    const result = await memberships.revokeAllUserTokens(request);
    logger.info("operator revocation", {
      orgId: request.orgId,
      userId: request.userId,
      operator: request.operator,
      dryRun: result.dryRun,
      revokedCount: result.revoked.length,
    });
    return result;
  },
});
