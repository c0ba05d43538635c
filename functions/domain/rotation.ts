import { activeTokensAmong, activity, recordLateChanges, rotatedRecord, tokenDetail } from "./activity.ts";
import { tokenEvents } from "./token-events.ts";
import { notFound } from "./errors.ts";
import {
  MAX_GRACE_SECONDS,
  isActive,
  toTokenView,
  type Actor,
  type MembershipRecord,
  type PrincipalAccess,
  type ServiceUserRecord,
  type TokenRecord,
  type TokenSet,
} from "./model.ts";
import { newToken } from "./new-token.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { TOKEN_ID_PATTERN } from "./token-secret.ts";
import type { CreatedToken } from "./user-tokens.ts";

export interface RotationInput {
  tokenId: string;
  /** Which tokens the caller may rotate here; any other is `not_found`, never revealed. */
  visible(token: TokenRecord): boolean;
  /** The set the token is in (a person's user tokens, or the organization's service-user tokens). */
  tokenSet: TokenSet;
  /** The owner as read now: the new token carries their current access, and the write checks them unchanged. */
  owner: { membership: MembershipRecord } | { serviceUser: ServiceUserRecord };
  principal: PrincipalAccess;
  actor: Actor;
  graceSeconds: number;
}

/**
 * API.md "Rotation": a new token with the same name and owner; the old one keeps working for `graceSeconds`
 * (never past its own expiry; 0: it stops at once), listed with `graceEndsAt` and not counted toward the limit
 * meanwhile, so a rotation never needs a free place. Only a working token that is not itself in a grace can be
 * rotated; rotating ends at once the grace of the token it replaced (a chain has at most two working tokens).
 * One transaction: no moment where both or neither count. The caller retries on `WriteConflict`.
 */
export async function rotateToken(deps: { store: TokenStore; clock: Clock }, input: RotationInput): Promise<CreatedToken> {
  if (!TOKEN_ID_PATTERN.test(input.tokenId)) throw notFound("token");
  if (!Number.isInteger(input.graceSeconds) || input.graceSeconds < 0 || input.graceSeconds > MAX_GRACE_SECONDS) {
    throw new RangeError(`graceSeconds must be 0..${MAX_GRACE_SECONDS}`);
  }
  const old = await deps.store.getToken(input.tokenId);
  if (!old || !input.visible(old)) throw notFound("token");
  const now = deps.clock.now();
  if (!isActive(old, now)) {
    await recordLateChanges(deps, [old]);
    throw notFound("token");
  }
  // A token in its grace was replaced already: rotate its successor instead.
  if (old.graceEndsAt !== undefined) throw notFound("token");

  const live = await activeTokensAmong(deps, Object.keys(input.tokenSet.tokens), { now });
  const predecessor = live.find((token) => token.id === old.replaces && token.graceEndsAt !== undefined);
  const created = newToken({ kind: old.kind, orgId: old.orgId, ownerId: old.ownerId, name: old.name, principal: input.principal, now });
  const token: TokenRecord = { ...created.token, replaces: old.id };
  const graceEndsAt =
    input.graceSeconds > 0 ? new Date(Math.min(now.getTime() + input.graceSeconds * 1000, old.expiresAt * 1000)).toISOString() : undefined;

  const leaving = new Set([...(graceEndsAt ? [] : [old.id]), ...(predecessor ? [predecessor.id] : [])]);
  const tokens = {
    ...Object.fromEntries(live.filter((t) => !leaving.has(t.id)).map((t) => [t.id, t.ownerId])),
    [token.id]: token.ownerId,
  };
  const rotated = activity(deps.clock, old.orgId, "token.rotated", input.actor, {
    tokenId: token.id,
    detail: { ...tokenDetail(token), oldTokenId: old.id, newTokenId: token.id, graceEndsAt: graceEndsAt ?? null },
    events: (at) => [tokenEvents.created(token, at), tokenEvents.rotated(old, token, graceEndsAt ?? at, at)],
  });
  // The old token's `Token Revoked` comes after its `Token Rotated` (sequence one further on).
  const ended = [
    ...(graceEndsAt ? [] : [{ token: { ...old, replacedBy: token.id }, step: 2 }]),
    ...(predecessor ? [{ token: predecessor, step: 1 }] : []),
  ];
  const done = await deps.store.rotateToken({
    old,
    oldUpdate: graceEndsAt ? { graceEndsAt } : { revokedAt: now.toISOString() },
    token,
    tokenSet: input.tokenSet,
    tokens,
    owner: input.owner,
    ...(predecessor ? { endGraceOf: predecessor } : {}),
    now,
    // A grace that ends (at once, or the predecessor's) is the system's `token.revoked`, reason `rotated`.
    activity: [rotated, ...ended.map(({ token, step }) => rotatedRecord(deps.clock, token, step))],
  });
  // Revoked, expired or rotated meanwhile: no longer rotatable.
  if (!done) throw notFound("token");
  return { token: toTokenView(token), secret: created.secret };
}
