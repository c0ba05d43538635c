import middy from "@middy/core";
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult, Context } from "aws-lambda";
import { parseBearer } from "./http/bearer.ts";
import { logger } from "./logger.ts";
import { publishMetrics } from "./metrics.ts";

export type AuthorizerResult<TContext> = APIGatewaySimpleAuthorizerWithContextResult<TContext | Record<string, never>>;

/**
 * Every Lambda REQUEST authorizer (HTTP API, simple responses) is built here: the API token is read from
 * `Authorization: Bearer <token>` (the header, else the identity source) by the one Bearer parser, the
 * decision's metrics are published after it, and an unexpected failure is logged by name, never with the
 * header, then thrown (API Gateway answers 500 and caches nothing).
 */
export function authorizerHandler<TContext>(
  authorize: (token: string | undefined, event: APIGatewayRequestAuthorizerEventV2) => Promise<AuthorizerResult<TContext>>,
) {
  return middy<APIGatewayRequestAuthorizerEventV2, AuthorizerResult<TContext>, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(publishMetrics())
    .handler(async (event) => {
      logger.resetKeys();
      logger.appendKeys({ routeArn: event.routeArn });
      try {
        return await authorize(parseBearer(event.headers?.authorization ?? event.identitySource?.[0]), event);
      } catch (error) {
        logger.error("authorizer failed", { errorName: (error as Error)?.name, errorMessage: (error as Error)?.message });
        throw error;
      }
    });
}
