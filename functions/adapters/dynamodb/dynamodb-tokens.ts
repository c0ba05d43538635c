import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { WriteConflict } from "../../domain/errors.ts";
import {
  idleStretchOf,
  type ActivityRecord,
  type MembershipRecord,
  type Page,
  type ServiceUserRecord,
  type TokenEvent,
  type TokenRecord,
  type TokenSet,
} from "../../domain/model.ts";
import type { TokenRepository } from "../../domain/ports.ts";
import { DynamoDbTokenUse } from "./dynamodb-token-use.ts";
import { expiryRecordedMarkerEntity } from "./entities/expiry-recorded-marker.ts";
import { expiryWarningEntity } from "./entities/expiry-warning.ts";
import { ACTIVE_MEMBERSHIP, membershipAttributes, membershipEntity } from "./entities/membership.ts";
import { serviceUserEntity } from "./entities/service-user.ts";
import { TOKEN_ITEM, tokenAttributes as T, tokenEntity } from "./entities/token.ts";
import { tokenSetEntity } from "./entities/token-set.ts";
import { DUE_SHARDS, keyAttributes, keys, queries } from "./keys.ts";
import { Pager } from "./paging.ts";
import { unlessConditionFails, unlessUnavailable } from "./store-errors.ts";
import { epochSeconds, mustExist, mustNotExist, StoreTable, type TableNames, type TransactItem, versionCondition } from "./table.ts";
import {
  appendActivity,
  dropFromTokenSet,
  moveSequence,
  putNewToken,
  putTokenSet,
  REMOVE_FROM_INDEXES,
  revokeToken,
  stillActive,
} from "./writes.ts";

/** The access copied onto a token is the owner's at the version read; a user must still be an active member. */
function checkOwner(tables: TableNames, owner: { membership: MembershipRecord } | { serviceUser: ServiceUserRecord }): TransactItem {
  return "membership" in owner
    ? {
        ConditionCheck: {
          TableName: tables.tokens,
          Key: membershipEntity.key(owner.membership),
          ConditionExpression: `${membershipAttributes.version} = :expected AND #status = :active`,
          ExpressionAttributeNames: { "#status": membershipAttributes.status },
          ExpressionAttributeValues: { ":expected": owner.membership.version, ":active": ACTIVE_MEMBERSHIP },
        },
      }
    : {
        ConditionCheck: {
          TableName: tables.tokens,
          Key: serviceUserEntity.key(owner.serviceUser),
          ...versionCondition(owner.serviceUser.version),
        },
      };
}

/** The DynamoDB adapter of `TokenRepository`: tokens and their sets, every invariant a condition. */
export class DynamoDbTokens extends DynamoDbTokenUse implements TokenRepository {
  constructor(
    table: StoreTable,
    private readonly pager: Pager,
  ) {
    super(table);
  }

  async getTokenSet(orgId: string, userId?: string): Promise<TokenSet> {
    const item = await this.table.get(tokenSetEntity.key({ orgId, userId }));
    return tokenSetEntity.fromMaybeItem(orgId, userId, item);
  }

  async createToken(
    token: TokenRecord,
    tokenSet: TokenSet,
    tokens: Readonly<Record<string, string>>,
    owner: { membership: MembershipRecord } | { serviceUser: ServiceUserRecord },
    activity: ActivityRecord,
  ): Promise<void> {
    const { tables } = this.table;
    await this.table.transact([
      putNewToken(tables, token),
      putTokenSet(tables, tokenSet, tokens),
      checkOwner(tables, owner),
      appendActivity(tables, activity),
    ]);
  }

  async rotateToken(rotation: Parameters<TokenRepository["rotateToken"]>[0]): Promise<boolean> {
    const { tables } = this.table;
    const { old, oldUpdate, token, now } = rotation;
    const active = stillActive(now);
    // The old token publishes `Token Rotated`, and `Token Revoked` too when it stops at once.
    const sequence = moveSequence(old, "graceEndsAt" in oldUpdate ? 1 : 2);
    // First item: the old token, still active and in no grace; its failure means "not rotatable" (false).
    const oldCondition = {
      ConditionExpression: `${active.ConditionExpression} AND attribute_not_exists(${T.graceEndsAt}) AND ${sequence.condition}`,
      ExpressionAttributeNames: active.ExpressionAttributeNames,
    };
    const due: Record<string, string> = "graceEndsAt" in oldUpdate ? keys.tokenDue(old.id, oldUpdate.graceEndsAt) : {};
    const oldWrite: TransactItem =
      "graceEndsAt" in oldUpdate
        ? {
            Update: {
              TableName: tables.tokens,
              Key: tokenEntity.key(old.id),
              // In the index of work due until the grace's end is recorded (the hourly job finds it there).
              UpdateExpression:
                `SET ${T.graceEndsAt} = :graceEndsAt, ${T.replacedBy} = :replacedBy, ${sequence.set}, ` +
                `${T.dueIndexPartitionKey} = :dueDay, ${T.dueIndexSortKey} = :dueSort`,
              ...oldCondition,
              ExpressionAttributeValues: {
                ...active.ExpressionAttributeValues,
                ...sequence.values,
                ":graceEndsAt": oldUpdate.graceEndsAt,
                ":replacedBy": token.id,
                ":dueDay": due[T.dueIndexPartitionKey],
                ":dueSort": due[T.dueIndexSortKey],
              },
            },
          }
        : {
            Update: {
              TableName: tables.tokens,
              Key: tokenEntity.key(old.id),
              UpdateExpression:
                `SET #status = :revoked, ${T.revokedAt} = :revokedAt, ${T.replacedBy} = :replacedBy, ${sequence.set} ` +
                REMOVE_FROM_INDEXES,
              ...oldCondition,
              ExpressionAttributeValues: {
                ...active.ExpressionAttributeValues,
                ...sequence.values,
                ":revoked": TOKEN_ITEM.revokedStatus,
                ":revokedAt": oldUpdate.revokedAt,
                ":replacedBy": token.id,
              },
            },
          };
    const items: TransactItem[] = [
      oldWrite,
      putNewToken(tables, token),
      putTokenSet(tables, rotation.tokenSet, rotation.tokens),
      checkOwner(tables, rotation.owner),
      ...rotation.activity.map((record) => appendActivity(tables, record)),
    ];
    if (rotation.endGraceOf) {
      // The token the old one replaced stops now: a chain has at most two working tokens.
      const predecessor = stillActive(now);
      const predecessorSequence = moveSequence(rotation.endGraceOf, 1);
      items.push({
        Update: {
          TableName: tables.tokens,
          Key: tokenEntity.key(rotation.endGraceOf.id),
          UpdateExpression: `SET #status = :revoked, ${T.revokedAt} = :revokedAt, ${predecessorSequence.set} ${REMOVE_FROM_INDEXES}`,
          ConditionExpression: `${predecessor.ConditionExpression} AND attribute_exists(${T.graceEndsAt}) AND ${predecessorSequence.condition}`,
          ExpressionAttributeNames: predecessor.ExpressionAttributeNames,
          ExpressionAttributeValues: {
            ...predecessor.ExpressionAttributeValues,
            ...predecessorSequence.values,
            ":revoked": TOKEN_ITEM.revokedStatus,
            ":revokedAt": now.toISOString(),
          },
        },
      });
    }
    return this.unlessSettled(old, () => this.table.transact(items));
  }

  /**
   * For writes whose first item is `token`: its failed condition means "no" (revoked, expired, rotated since
   * the read), unless all that changed is that the token published an event meanwhile (an expiry warning),
   * which is a race to retry: `WriteConflict`.
   */
  private async unlessSettled(token: TokenRecord, write: () => Promise<unknown>): Promise<boolean> {
    if (await unlessConditionFails(write)) return true;
    const current = await this.getToken(token.id);
    if (
      current &&
      current.eventSequence !== token.eventSequence &&
      current.status === "active" &&
      current.graceEndsAt === token.graceEndsAt
    ) {
      throw new WriteConflict("The token published an event since it was read");
    }
    return false;
  }

  async revokeToken(token: TokenRecord, revokedAt: string, now: Date, activity: ActivityRecord): Promise<boolean> {
    const { tables } = this.table;
    return this.unlessSettled(token, () =>
      this.table.transact([revokeToken(tables, token, revokedAt, now), dropFromTokenSet(tables, token), appendActivity(tables, activity)]),
    );
  }

  async recordExpiryOfDeletedToken(token: TokenRecord, activity: ActivityRecord): Promise<boolean> {
    const { tables } = this.table;
    return unlessConditionFails(() =>
      this.table.transact([
        {
          Put: {
            TableName: tables.tokens,
            Item: expiryRecordedMarkerEntity.toItem({ tokenId: token.id, recordedAt: new Date(activity.at) }),
            ...mustNotExist,
          },
        },
        appendActivity(tables, activity),
      ]),
    );
  }

  async listTokensDueOn(day: string): Promise<TokenRecord[]> {
    const ids: string[] = [];
    for (let shard = 0; shard < DUE_SHARDS; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await unlessUnavailable(() =>
          this.table.client.send(
            new QueryCommand({ TableName: this.table.tables.tokens, ...queries.tokensDueOn(day, shard), ExclusiveStartKey: startKey }),
          ),
        );
        for (const item of page.Items ?? []) ids.push(String(item[keyAttributes.partitionKey]).replace(/^TOKEN#/, ""));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    // The index lags and holds keys only: the tokens themselves, read strongly consistent, say what is due.
    return this.getTokens(ids);
  }

  async recordExpiryWarning(token: TokenRecord, now: Date, event: TokenEvent): Promise<boolean> {
    const { tables } = this.table;
    const sequence = moveSequence(token, 1);
    const stretch = idleStretchOf(token);
    // Once warned, the token's next work is its expiry: its place in the index moves there.
    const due = keys.tokenDue(token.id, new Date(token.expiresAt * 1000).toISOString());
    return unlessConditionFails(() =>
      this.table.transact([
        {
          Update: {
            TableName: tables.tokens,
            Key: tokenEntity.key(token.id),
            UpdateExpression:
              `SET ${T.warnedFor} = :stretch, ${sequence.set}, ` + `${T.dueIndexPartitionKey} = :dueDay, ${T.dueIndexSortKey} = :dueSort`,
            // Still working, in no grace, and still in the idle stretch read (a use since starts a new one).
            ConditionExpression:
              `${mustExist.ConditionExpression} AND #status = :active AND ${T.expiresAt} > :now AND ` +
              `attribute_not_exists(${T.graceEndsAt}) AND ${sequence.condition} AND ` +
              (token.lastUsedAt === null
                ? `(attribute_not_exists(${T.lastUsedAt}) OR attribute_type(${T.lastUsedAt}, :null))`
                : `${T.lastUsedAt} = :stretch`),
            ExpressionAttributeNames: { "#status": T.status },
            ExpressionAttributeValues: {
              ":stretch": stretch,
              ...(token.lastUsedAt === null ? { ":null": "NULL" } : {}),
              ":active": TOKEN_ITEM.activeStatus,
              ":now": epochSeconds(now),
              ":dueDay": due[T.dueIndexPartitionKey],
              ":dueSort": due[T.dueIndexSortKey],
              ...sequence.values,
            },
          },
        },
        {
          Put: {
            TableName: tables.activity,
            Item: expiryWarningEntity.toItem({ token, idleStretch: stretch, event }),
            ...mustNotExist,
          },
        },
      ]),
    );
  }

  async listOrganizationTokens(
    orgId: string,
    limit: number,
    cursor: string | undefined,
    visible?: (tokens: readonly TokenRecord[]) => Promise<readonly TokenRecord[]>,
  ): Promise<Page<TokenRecord>> {
    return this.pager.page(
      {
        list: "admin-tokens",
        orgId,
        query: { TableName: this.table.tables.tokens, ...tokenEntity.organizationQuery(orgId), ScanIndexForward: false },
        convert: tokenEntity.fromItem,
        position: (token) => [token.createdAt, token.id],
        startKey: ([createdAt, tokenId]) => tokenEntity.organizationStartKey(orgId, createdAt!, tokenId!),
        positionLength: 2,
      },
      limit,
      cursor,
      visible,
    );
  }
}

/** The tokens aggregate on its own (the leak reports' worker), built as `DynamoDbTokenStore` builds it. */
export function createTokenRepository(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  options: { onActivity?: (record: ActivityRecord) => void; cursorKey?: string } = {},
): TokenRepository {
  const table = new StoreTable(client, tables, options.onActivity);
  return new DynamoDbTokens(table, new Pager(table, options.cursorKey));
}
