import type { PrincipalAccess, TokenRecord } from "../../../domain/model.ts";
import { keyAttributes, keys, queries, startKeys } from "../keys.ts";
import type { Entity, Item } from "./entity.ts";

/**
 * A token: one item, read by the id carried in the secret (verification is one read). While unrevoked and
 * its expiry unrecorded it also sits in the organization-wide index (sparse: revocation and recorded expiry
 * remove the index attributes).
 *
 * `TOKEN_ITEM` is what the tokens table's TTL stream filter matches (infra/): a token item (`type`) still
 * active (`status`) when TTL deleted it.
 */
export const TOKEN_ITEM = { type: "token", activeStatus: "active", revokedStatus: "revoked" } as const satisfies {
  type: string;
  activeStatus: TokenRecord["status"];
  revokedStatus: TokenRecord["status"];
};

/** The token item's attributes that expressions name (the item is its keys, `type` and these fields). */
export const tokenAttributes = {
  status: "status",
  expiresAt: "expiresAt",
  lastUsedAt: "lastUsedAt",
  revokedAt: "revokedAt",
  expiryRecorded: "expiryRecorded",
  principal: "principal",
  graceEndsAt: "graceEndsAt",
  replacedBy: "replacedBy",
  eventSequence: "eventSequence",
  warnedFor: "warnedFor",
  /** The organization-wide index's keys: removing them takes the token out of that list. */
  indexPartitionKey: keyAttributes.indexPartitionKey,
  indexSortKey: keyAttributes.indexSortKey,
  /** The index of work due: set while a replaced token's grace runs, removed when it is settled. */
  dueIndexPartitionKey: keyAttributes.dueIndexPartitionKey,
  dueIndexSortKey: keyAttributes.dueIndexSortKey,
} as const satisfies Record<
  string,
  | keyof TokenRecord
  | typeof keyAttributes.indexPartitionKey
  | typeof keyAttributes.indexSortKey
  | typeof keyAttributes.dueIndexPartitionKey
  | typeof keyAttributes.dueIndexSortKey
>;

export const tokenEntity = {
  type: TOKEN_ITEM.type,
  key: (tokenId: string) => keys.token(tokenId),
  /** The organization's unrevoked tokens (the sparse index), by creation time. */
  organizationQuery: (orgId: string) => queries.tokensByOrganization(orgId),
  /** Where that list resumes after a token's creation time and id (it need not exist any more). */
  organizationStartKey: (orgId: string, createdAt: string, tokenId: string) => startKeys.tokensByOrganization(orgId, createdAt, tokenId),
  toItem: (token: TokenRecord): Item => ({
    ...keys.token(token.id),
    ...keys.tokenByOrganization(token.orgId, token.createdAt, token.id),
    type: TOKEN_ITEM.type,
    ...token,
  }),
  fromItem: (item: Item): TokenRecord => ({
    id: item.id as string,
    orgId: item.orgId as string,
    kind: item.kind as TokenRecord["kind"],
    ownerId: item.ownerId as string,
    name: item.name as string,
    secretHash: item.secretHash as string,
    hint: item.hint as string,
    createdAt: item.createdAt as string,
    lastUsedAt: (item.lastUsedAt as string | null | undefined) ?? null,
    expiresAt: item.expiresAt as number,
    status: item.status as TokenRecord["status"],
    ...(item.revokedAt ? { revokedAt: item.revokedAt as string } : {}),
    ...(item.expiryRecorded ? { expiryRecorded: true } : {}),
    principal: item.principal as PrincipalAccess,
    ...(item.graceEndsAt ? { graceEndsAt: item.graceEndsAt as string } : {}),
    ...(item.replacedBy ? { replacedBy: item.replacedBy as string } : {}),
    ...(item.replaces ? { replaces: item.replaces as string } : {}),
    // Tokens made before events were published have no counter: their `Token Created` was never sent.
    eventSequence: (item.eventSequence as number | undefined) ?? 0,
    ...(item.warnedFor ? { warnedFor: item.warnedFor as string } : {}),
  }),
  /**
   * The token an item image (a stream record's) holds, or undefined if it is no token item (TTL also removes
   * markers and password-throttle records).
   */
  fromImage(item: Item): TokenRecord | undefined {
    if (item.type !== TOKEN_ITEM.type || !item.id || !item.orgId) return undefined;
    return tokenEntity.fromItem(item);
  },
} as const satisfies Entity<TokenRecord> & Record<string, unknown>;
