import { createTokenUseRepository } from "../adapters/dynamodb/dynamodb-token-use.ts";
import { TokenVerifier } from "../domain/verification.ts";
import { clock, documentClient, storeOptions, tableNames } from "./runtime.ts";

/**
 * The verification path's wiring (verify, the token authorizer): the tokens adapter alone, so these hot,
 * latency-bound functions load no membership, service-user, activity or throttle code at cold start.
 */
export const tokenVerifier = new TokenVerifier({
  store: createTokenUseRepository(documentClient, tableNames, storeOptions),
  clock,
});
