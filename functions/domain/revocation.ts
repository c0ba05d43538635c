import { recordLateChanges, revokedRecord, tokenDetail } from "./activity.ts";
import { notFound } from "./errors.ts";
import { isActive, type Actor, type TokenRecord } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";
import type { RevocationReason } from "./token-events.ts";
import { TOKEN_ID_PATTERN } from "./token-secret.ts";

/**
 * Revokes one active token that `visible` says the caller may act on, with its `token.revoked` record.
 * Anything else — an unknown id, someone else's token, one already revoked or expired — is the same
 * `not_found`, so a route never reveals other owners' tokens (API.md).
 */
export async function revokeVisibleToken(
  deps: { store: TokenStore; clock: Clock },
  input: {
    tokenId: string;
    visible: (token: TokenRecord) => boolean;
    actor: Actor;
    /** `Token Revoked`'s reason; the activity record says it in `detail.reason` only if `logReason`. */
    reason: RevocationReason;
    logReason?: boolean;
  },
): Promise<void> {
  if (!TOKEN_ID_PATTERN.test(input.tokenId)) throw notFound("token");
  await retryOnConflict(async () => {
    const token = await deps.store.getToken(input.tokenId);
    if (!token || !input.visible(token)) throw notFound("token");
    const now = deps.clock.now();
    if (!isActive(token, now)) {
      await recordLateChanges(deps, [token]);
      throw notFound("token");
    }
    const detail = input.logReason ? { ...tokenDetail(token), reason: input.reason } : tokenDetail(token);
    const record = revokedRecord(deps.clock, token, input.actor, input.reason, detail);
    if (!(await deps.store.revokeToken(token, now.toISOString(), now, record))) throw notFound("token");
  });
}
