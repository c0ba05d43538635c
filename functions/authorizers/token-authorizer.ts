import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from "aws-lambda";
import { TokenVerifier } from "../domain/verification.ts";
import { logger } from "../platform/logger.ts";
import { metrics, recordVerification } from "../platform/metrics.ts";
import { clock, store } from "../platform/services.ts";

const verifier = new TokenVerifier({ store, clock });

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
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<TokenAuthorizerContext | Record<string, never>>> {
  const started = performance.now();
  const header = event.headers?.authorization ?? event.identitySource?.[0] ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const result = match ? await verifier.verify({ token: match[1]! }) : { valid: false as const, reason: "malformed" as const };
  recordVerification(result.valid, performance.now() - started);
  metrics.publishStoredMetrics();
  if (!result.valid) {
    logger.info("token refused", { reason: result.reason, routeArn: event.routeArn });
    return { isAuthorized: false, context: {} };
  }
  logger.info("token accepted", { orgId: result.orgId, tokenId: result.tokenId, kind: result.kind });
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
}
