import { warningDueAt, type ActivityRecord, type PrincipalAccess, type TokenRecord, type TokenSet } from "../../domain/model.ts";
import { activityRecordEntity } from "./entities/activity-record.ts";
import { organizationSettingsAttributes, organizationSettingsEntity } from "./entities/organization-settings.ts";
import { TOKEN_ITEM, tokenAttributes as T, tokenEntity } from "./entities/token.ts";
import { tokenSetAttributes, tokenSetEntity } from "./entities/token-set.ts";
import { keys } from "./keys.ts";
import { epochSeconds, mustExist, mustNotExist, versionCondition, type TableNames, type TransactItem } from "./table.ts";

/**
 * The transaction items more than one aggregate writes: a change to a membership or a service user also
 * revokes tokens, rewrites their access copy, or checks their set, always in the same transaction.
 */

/** Activity records are only ever added: never overwritten, updated or deleted. */
export const appendActivity = (tables: TableNames, record: ActivityRecord): TransactItem => ({
  Put: { TableName: tables.activity, Item: activityRecordEntity.toItem(record), ...mustNotExist },
});

/** A new token, in the index of work due on the day of its expiry warning. */
export const putNewToken = (tables: TableNames, token: TokenRecord): TransactItem => ({
  Put: { TableName: tables.tokens, Item: { ...tokenEntity.toItem(token), ...warningDue(token) }, ...mustNotExist },
});

/** The index entry of a token's expiry warning (API.md "Token events out"), as its expiry stands. */
export const warningDue = (token: Pick<TokenRecord, "id" | "expiresAt">) =>
  keys.tokenDue(token.id, new Date(warningDueAt(token)).toISOString());

/**
 * A write that publishes `count` events of the token moves its `eventSequence` on by as much, on condition
 * that it is still the value read: two changes that read the same value cannot both publish its successor.
 * Tokens made before events were published have no counter yet (read as 0).
 */
export const moveSequence = (token: Pick<TokenRecord, "eventSequence">, count: number) => ({
  set: `${T.eventSequence} = :nextSequence`,
  condition: token.eventSequence === 0 ? `attribute_not_exists(${T.eventSequence})` : `${T.eventSequence} = :readSequence`,
  values: {
    ":nextSequence": token.eventSequence + count,
    ...(token.eventSequence === 0 ? {} : { ":readSequence": token.eventSequence }),
  },
});

/** The token's condition for every change that only an active, unexpired token may take. */
export const stillActive = (now: Date) => ({
  // A replaced token works until its grace ends (ISO-8601 UTC strings compare as times).
  ConditionExpression:
    `${mustExist.ConditionExpression} AND #status = :active AND ${T.expiresAt} > :now AND ` +
    `(attribute_not_exists(${T.graceEndsAt}) OR ${T.graceEndsAt} > :nowIso)`,
  ExpressionAttributeNames: { "#status": T.status },
  ExpressionAttributeValues: { ":active": TOKEN_ITEM.activeStatus, ":now": epochSeconds(now), ":nowIso": now.toISOString() },
});

/** Revokes a working token: its `Token Revoked` is the one event it publishes. */
export const revokeToken = (tables: TableNames, token: TokenRecord, revokedAt: string, now: Date): TransactItem => {
  const active = stillActive(now);
  const sequence = moveSequence(token, 1);
  return {
    Update: {
      TableName: tables.tokens,
      Key: tokenEntity.key(token.id),
      // Out of the organization-wide index (sparse), which lists unrevoked tokens only, and out of the work due.
      UpdateExpression: `SET #status = :revoked, ${T.revokedAt} = :revokedAt, ${sequence.set} ${REMOVE_FROM_INDEXES}`,
      ConditionExpression: `${active.ConditionExpression} AND ${sequence.condition}`,
      ExpressionAttributeNames: active.ExpressionAttributeNames,
      ExpressionAttributeValues: {
        ":revoked": TOKEN_ITEM.revokedStatus,
        ":revokedAt": revokedAt,
        ...active.ExpressionAttributeValues,
        ...sequence.values,
      },
    },
  };
};

/** A settled token leaves the organization-wide index and the index of work due. */
export const REMOVE_FROM_INDEXES = `REMOVE ${T.indexPartitionKey}, ${T.indexSortKey}, ${T.dueIndexPartitionKey}, ${T.dueIndexSortKey}`;

/** Drops a revoked token from its owner's set. Bumping the version makes a generate that counted it re-read. */
export const dropFromTokenSet = (tables: TableNames, token: TokenRecord): TransactItem => ({
  Update: {
    TableName: tables.tokens,
    Key: tokenSetEntity.keyOfToken(token),
    UpdateExpression: `REMOVE ${tokenSetAttributes.tokens}.#tokenId ADD ${tokenSetAttributes.version} :one`,
    ...mustExist,
    ExpressionAttributeNames: { "#tokenId": token.id },
    ExpressionAttributeValues: { ":one": 1 },
  },
});

/** Writes the set with its new content, one version on, only if it is still at the version read. */
export const putTokenSet = (tables: TableNames, tokenSet: TokenSet, tokens: Readonly<Record<string, string>>): TransactItem => ({
  Put: {
    TableName: tables.tokens,
    Item: tokenSetEntity.toItem({ ...tokenSet, tokens, version: tokenSet.version + 1 }),
    ...versionCondition(tokenSet.version === 0 ? undefined : tokenSet.version),
  },
});

/** The set is still as read (one never written is still unwritten). */
export const checkTokenSet = (tables: TableNames, tokenSet: TokenSet): TransactItem => ({
  ConditionCheck: {
    TableName: tables.tokens,
    Key: tokenSetEntity.key(tokenSet),
    ...(tokenSet.version === 0 ? mustNotExist : versionCondition(tokenSet.version)),
  },
});

/** Nothing new joins an organization that left the platform (an item that was never written passes). */
export const checkOrganizationNotDeleted = (tables: TableNames, orgId: string): TransactItem => ({
  ConditionCheck: {
    TableName: tables.tokens,
    Key: organizationSettingsEntity.key(orgId),
    ConditionExpression: `attribute_not_exists(${organizationSettingsAttributes.deletedAt})`,
  },
});

/** Rewrites the access copy on each token (verification reads it from there). */
export const rewriteAccess = (tables: TableNames, tokenIds: readonly string[], access: PrincipalAccess): TransactItem[] => {
  const principal: PrincipalAccess = {
    name: access.name,
    permissions: access.permissions,
    groups: access.groups,
    sites: access.sites,
    ...(access.memberStatus ? { memberStatus: access.memberStatus } : {}),
  };
  return tokenIds.map((tokenId) => ({
    Update: {
      TableName: tables.tokens,
      Key: tokenEntity.key(tokenId),
      UpdateExpression: `SET ${T.principal} = :principal`,
      ...mustExist,
      ExpressionAttributeValues: { ":principal": principal },
    },
  }));
};

export const withoutIds = (tokens: Readonly<Record<string, string>>, ids: readonly string[]) =>
  Object.fromEntries(Object.entries(tokens).filter(([id]) => !ids.includes(id)));
