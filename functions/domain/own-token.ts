import { DomainError } from "./errors.ts";
import { toTokenView, type Actor, type TokenKind, type TokenRecord, type TokenView } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { revokeVisibleToken } from "./revocation.ts";

/** `GET /v1/token`: what the token is, whose it is, and when it expires. */
export interface OwnTokenView {
  token: TokenView;
  orgId: string;
  principal: { type: TokenKind; id: string; name: string };
}

/** The token's owner as the activity log names them: the person, or the service user, with the name at the time. */
export const ownerActor = (token: TokenRecord): Actor => ({ type: token.kind, id: token.ownerId, name: token.principal.name });

/** The view of a live token (after its use was recorded, so `lastUsedAt` and `expiresAt` are the new ones). */
export const describeOwnToken = (token: TokenRecord): OwnTokenView => ({
  token: toTokenView(token),
  orgId: token.orgId,
  principal: { type: token.kind, id: token.ownerId, name: token.principal.name },
});

/**
 * `DELETE /v1/token`: the token revokes itself, recorded as its owner's act with `detail.reason: "self"`. The
 * token was found live a moment ago; if it stopped being live since (revoked or expired meanwhile), the caller
 * is no longer authenticated: 401, as if it had come a moment later.
 */
export async function revokeOwnToken(deps: { store: TokenStore; clock: Clock }, token: TokenRecord): Promise<void> {
  try {
    await revokeVisibleToken(deps, {
      tokenId: token.id,
      visible: (found) => found.id === token.id && found.secretHash === token.secretHash,
      actor: ownerActor(token),
      reason: "self",
      logReason: true,
    });
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") {
      throw new DomainError("unauthenticated", "Send a live API token as `Authorization: Bearer <token>`.");
    }
    throw error;
  }
}
