import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ActivityRecord, TokenRecord } from "../../domain/model.ts";
import type { TokenUseRepository } from "../../domain/ports.ts";
import { TOKEN_ITEM, tokenAttributes as T, tokenEntity } from "./entities/token.ts";
import { unlessConditionFails, unlessUnavailable } from "./store-errors.ts";
import { epochSeconds, mustExist, StoreTable, type TableNames, type TransactItem } from "./table.ts";
import { appendActivity, dropFromTokenSet, moveSequence, REMOVE_FROM_INDEXES, stillActive, warningDue } from "./writes.ts";

/**
 * The verification path's part of the tokens adapter: read a token, record its use, and record what a reader
 * finds late (an expiry, the end of a grace). `DynamoDbTokens` adds every other token write; the verify
 * function and the token authorizer bundle only this (bench: their bundle and cold start against the SDK's).
 */
export class DynamoDbTokenUse implements TokenUseRepository {
  constructor(protected readonly table: StoreTable) {}

  async getToken(tokenId: string): Promise<TokenRecord | undefined> {
    const item = await this.table.get(tokenEntity.key(tokenId));
    return item && tokenEntity.fromItem(item);
  }

  async getTokens(tokenIds: readonly string[]): Promise<TokenRecord[]> {
    return (await this.table.getMany(tokenIds.map(tokenEntity.key))).map(tokenEntity.fromItem);
  }

  async recordGraceEnd(token: TokenRecord, now: Date, activity: ActivityRecord): Promise<boolean> {
    const { tables } = this.table;
    const sequence = moveSequence(token, 1);
    return unlessConditionFails(() =>
      this.table.transact([
        {
          Update: {
            TableName: tables.tokens,
            Key: tokenEntity.key(token.id),
            // Revoked as of the grace's end, out of the organization-wide index.
            UpdateExpression: `SET #status = :revoked, ${T.revokedAt} = ${T.graceEndsAt}, ${sequence.set} ${REMOVE_FROM_INDEXES}`,
            ConditionExpression: `${mustExist.ConditionExpression} AND #status = :active AND ${T.graceEndsAt} <= :nowIso AND ${sequence.condition}`,
            ExpressionAttributeNames: { "#status": T.status },
            ExpressionAttributeValues: {
              ...sequence.values,
              ":revoked": TOKEN_ITEM.revokedStatus,
              ":active": TOKEN_ITEM.activeStatus,
              ":nowIso": now.toISOString(),
            },
          },
        },
        dropFromTokenSet(tables, token),
        appendActivity(tables, activity),
      ]),
    );
  }

  async recordTokenUse(
    token: TokenRecord,
    use: { lastUsedAt: string; expiresAt: number } | undefined,
    now: Date,
    activity?: ActivityRecord,
  ): Promise<boolean> {
    const { tables } = this.table;
    const active = stillActive(now);
    const key = tokenEntity.key(token.id);
    // A use starts a new idle stretch: the expiry warning's place in the index of work due moves with the
    // expiry, in the same write. Not for a token in its grace, whose place is the grace's end; a rotation
    // between the read and this write fails it (false: the verifier reads the token again and, as it still
    // works, writes the use once more).
    const due = token.graceEndsAt === undefined && use ? warningDue({ id: token.id, expiresAt: use.expiresAt }) : undefined;
    const useUpdate = use && {
      TableName: tables.tokens,
      Key: key,
      UpdateExpression:
        `SET ${T.lastUsedAt} = :lastUsedAt, ${T.expiresAt} = :expiresAt` +
        (due ? `, ${T.dueIndexPartitionKey} = :dueDay, ${T.dueIndexSortKey} = :dueSort` : ""),
      ConditionExpression: active.ConditionExpression + (due ? ` AND attribute_not_exists(${T.graceEndsAt})` : ""),
      ExpressionAttributeNames: active.ExpressionAttributeNames,
      ExpressionAttributeValues: {
        ":lastUsedAt": use.lastUsedAt,
        ":expiresAt": use.expiresAt,
        ...active.ExpressionAttributeValues,
        ...(due ? { ":dueDay": due[T.dueIndexPartitionKey], ":dueSort": due[T.dueIndexSortKey] } : {}),
      },
    };
    if (!activity) {
      // The hot path: a single conditional update, no transaction; a table that cannot answer is 503 like
      // every other call, never a raw SDK error.
      return unlessConditionFails(() => unlessUnavailable(() => this.table.client.send(new UpdateCommand(useUpdate!))));
    }
    const tokenWrite: TransactItem = useUpdate
      ? { Update: useUpdate }
      : { ConditionCheck: { TableName: tables.tokens, Key: key, ...active } };
    return unlessConditionFails(() => this.table.transact([tokenWrite, appendActivity(tables, activity)]));
  }

  async recordExpiry(token: TokenRecord, now: Date, activity: ActivityRecord): Promise<boolean> {
    const { tables } = this.table;
    const sequence = moveSequence(token, 1);
    return unlessConditionFails(() =>
      this.table.transact([
        {
          Update: {
            TableName: tables.tokens,
            Key: tokenEntity.key(token.id),
            // Out of the organization-wide index too: it lists unrevoked, unexpired tokens.
            UpdateExpression: `SET ${T.expiryRecorded} = :true, ${sequence.set} ${REMOVE_FROM_INDEXES}`,
            ConditionExpression:
              `${mustExist.ConditionExpression} AND attribute_not_exists(${T.expiryRecorded}) AND ` +
              `#status = :active AND ${T.expiresAt} <= :now AND ${sequence.condition}`,
            ExpressionAttributeNames: { "#status": T.status },
            ExpressionAttributeValues: { ":true": true, ":active": TOKEN_ITEM.activeStatus, ":now": epochSeconds(now), ...sequence.values },
          },
        },
        appendActivity(tables, activity),
      ]),
    );
  }
}

/** The verification path's adapter on its own, as `DynamoDbTokenStore` builds its tables. */
export function createTokenUseRepository(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  options: { onActivity?: (record: ActivityRecord) => void } = {},
): TokenUseRepository {
  return new DynamoDbTokenUse(new StoreTable(client, tables, options.onActivity));
}
