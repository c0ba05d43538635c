import { createTokenRepository } from "../adapters/dynamodb/dynamodb-tokens.ts";
import { revokeLeakedTokens, type LeakedToken } from "../domain/leaked-tokens.ts";
import { logger } from "./logger.ts";
import { clock, documentClient, storeOptions, tableNames } from "./runtime.ts";

/** The worker's wiring: the tokens adapter alone (read a token, revoke it, record an expiry, append activity). */
const store = createTokenRepository(documentClient, tableNames, storeOptions);

/** One leak report: each live token among them revoked (System, reason `leaked`); logs counts, never a token. */
export async function handleLeakReport(tokens: readonly LeakedToken[]): Promise<number> {
  const revoked = await revokeLeakedTokens({ store, clock }, tokens);
  logger.info("leak report handled", { wellFormed: tokens.length, revoked });
  return revoked;
}
