import { authorizerHandler, type AuthorizerResult } from "../platform/authorizer-handler.ts";
import { logger } from "../platform/logger.ts";
import { recordVerification } from "../platform/metrics.ts";
import { tokenVerifier as verifier } from "../platform/token-repository.ts";

/**
 * What other APIs' handlers find in `requestContext.authorizer.lambda`. API Gateway passes only strings,
 * numbers and booleans through, so the lists are JSON strings.
 */
export interface TokenAuthorizerContext {
  orgId: string;
  tokenId: string;
  kind: "user" | "service_user";
  principalType: "user" | "service_user";
  principalId: string;
  principalName: string;
  /** JSON arrays of strings. */
  permissions: string;
  groups: string;
  sites: string;
  canLogin: boolean;
}

/**
 * A Lambda REQUEST authorizer (HTTP API, simple responses) that other APIs attach to accept API tokens in
 * `Authorization: Bearer <token>`. The `TokenAuthorizer` construct caches its answers for at most 60 s per
 * header value, which bounds how long a revoked token can still get through.
 */
export const handler = authorizerHandler(async (token): Promise<AuthorizerResult<TokenAuthorizerContext>> => {
  const started = performance.now();
  const result = token ? await verifier.verify({ token }) : { valid: false as const, reason: "malformed" as const };
  recordVerification(result.valid, performance.now() - started);
  if (!result.valid) {
    logger.info("token refused", { reason: result.reason });
    return { isAuthorized: false, context: {} };
  }
  // Counted in metrics; a line per accepted call would cost more than the call (see README, Performance).
  logger.debug("token accepted", { orgId: result.orgId, tokenId: result.tokenId, kind: result.kind });
  return {
    isAuthorized: true,
    context: {
      orgId: result.orgId,
      tokenId: result.tokenId,
      kind: result.kind,
      principalType: result.principal.type,
      principalId: result.principal.id,
      principalName: result.principal.name,
      permissions: JSON.stringify(result.permissions),
      groups: JSON.stringify(result.groups),
      sites: JSON.stringify(result.sites),
      canLogin: result.canLogin,
    },
  };
});
