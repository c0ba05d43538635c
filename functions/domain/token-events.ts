import { randomUUID } from "node:crypto";
import type { TokenEvent, TokenRecord } from "./model.ts";

/**
 * API.md "Token events out": the events the service publishes on its bus, source `api-tokens`, one builder
 * per detail-type. Each is stored in the outbox (the activity record of its change, or an expiry warning's
 * own item) in the change's transaction, and published from there at least once.
 *
 * `sequence` is the token's `eventSequence` moved on by `step` (the events a change publishes for one token
 * are numbered in order); the store's write of the change moves the token's counter by as much, on condition
 * that it is still the value read. `eventId` is made here, once, so every redelivery carries the same one.
 */
export const TOKEN_EVENT_SOURCE = "api-tokens";

/** Why a token was revoked, as `Token Revoked` says it. */
export type RevocationReason =
  | "owner"
  | "admin"
  | "self"
  | "leaked"
  | "rotated"
  | "user_deactivated"
  | "user_removed"
  | "service_user_deleted"
  | "organization_deleted"
  | "operator";

const stamp = (token: TokenRecord, step: number) => ({ eventId: randomUUID(), sequence: token.eventSequence + step });

/** What every event about one token says of it. Never its hash, its hint or its access. */
const about = (token: TokenRecord, at: string) => ({
  orgId: token.orgId,
  tokenId: token.id,
  kind: token.kind,
  ownerId: token.ownerId,
  ownerName: token.principal.name,
  name: token.name,
  at,
  expiresAt: new Date(token.expiresAt * 1000).toISOString(),
});

export const tokenEvents = {
  /** Generate, and the new token of a rotation: its first event. */
  created: (token: TokenRecord, at: string): TokenEvent => ({
    detailType: "Token Created",
    detail: { ...about(token, at), ...stamp(token, 0) },
  }),
  revoked: (token: TokenRecord, at: string, reason: RevocationReason, step = 1): TokenEvent => ({
    detailType: "Token Revoked",
    detail: { ...about(token, at), reason, ...stamp(token, step) },
  }),
  /**
   * The old token's event. `graceEndsAt` is when it stops working: the end of its grace, or the rotation's own
   * time when there is none.
   */
  rotated: (old: TokenRecord, replacement: TokenRecord, graceEndsAt: string, at: string): TokenEvent => ({
    detailType: "Token Rotated",
    detail: {
      orgId: old.orgId,
      oldTokenId: old.id,
      newTokenId: replacement.id,
      kind: old.kind,
      ownerId: old.ownerId,
      graceEndsAt,
      at,
      ...stamp(old, 1),
    },
  }),
  expired: (token: TokenRecord, at: string): TokenEvent => ({
    detailType: "Token Expired",
    detail: { ...about(token, at), lastUsedAt: token.lastUsedAt, ...stamp(token, 1) },
  }),
  expiringSoon: (token: TokenRecord, at: string): TokenEvent => ({
    detailType: "Token Expiring Soon",
    detail: { ...about(token, at), lastUsedAt: token.lastUsedAt, ...stamp(token, 1) },
  }),
};
