import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { StoreUnavailable, WriteConflict } from "../../domain/errors.ts";
import type { ActivityRecord } from "../../domain/model.ts";
import type { Item } from "./entities/entity.ts";
import { keyAttributes, type Key } from "./keys.ts";
import { classifyTransactionError, isConditionalCheckFailed, unlessUnavailable } from "./store-errors.ts";

/**
 * The SDK plumbing every adapter shares: the document client, the table names, strongly consistent reads,
 * transactions, and SDK errors turned into the domain's. The commands used here are the whole of what the
 * functions' roles grant (Get, BatchGet, Query, Put, Update, TransactWrite): no Scan (but the backfill operator
 * function's own, person-index-backfill.ts), no BatchWrite.
 */
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];
export type QueryInput = NonNullable<ConstructorParameters<typeof QueryCommand>[0]>;
export type UpdateInput = NonNullable<ConstructorParameters<typeof UpdateCommand>[0]>;

export interface TableNames {
  readonly tokens: string;
  readonly activity: string;
}

const BATCH_GET_LIMIT = 100;
const { partitionKey: PK } = keyAttributes;

/** The condition of a versioned write: a new item (`undefined`), or the item still at `expectedVersion`. */
export const versionCondition = (expectedVersion: number | undefined) =>
  expectedVersion === undefined
    ? { ConditionExpression: `attribute_not_exists(${PK})` }
    : { ConditionExpression: "version = :expected", ExpressionAttributeValues: { ":expected": expectedVersion } };

/** The condition of a write that must create its item. */
export const mustNotExist = { ConditionExpression: `attribute_not_exists(${PK})` } as const;
/** The condition of a write that must find its item. */
export const mustExist = { ConditionExpression: `attribute_exists(${PK})` } as const;

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export class StoreTable {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tables: TableNames,
    /** Told of each activity record once its transaction has committed (metrics). */
    private readonly onActivity?: (record: ActivityRecord) => void,
  ) {}

  async get(key: Key): Promise<Item | undefined> {
    const output = await unlessUnavailable(() =>
      this.client.send(new GetCommand({ TableName: this.tables.tokens, Key: key, ConsistentRead: true })),
    );
    return output.Item;
  }

  /** Items of the tokens table by key, strongly consistent; missing ones are left out. */
  async getMany(keys: readonly Key[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Item[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT);
      for (let round = 0; pending && pending.length > 0; round++) {
        if (round > 8) throw new StoreUnavailable("Batch read kept returning unprocessed keys");
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
        const keysToRead: Item[] = pending;
        const output = await unlessUnavailable(() =>
          this.client.send(new BatchGetCommand({ RequestItems: { [this.tables.tokens]: { Keys: keysToRead, ConsistentRead: true } } })),
        );
        found.push(...(output.Responses?.[this.tables.tokens] ?? []));
        pending = output.UnprocessedKeys?.[this.tables.tokens]?.Keys as Item[] | undefined;
      }
    }
    return found;
  }

  /** Every item of a query of the tokens table, for the service's own sweeps (no cursor: nothing leaves the process). */
  async queryAll(query: { KeyConditionExpression: string; ExpressionAttributeValues: Item }): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const output = await unlessUnavailable(() =>
        this.client.send(new QueryCommand({ TableName: this.tables.tokens, ...query, ConsistentRead: true, ExclusiveStartKey: startKey })),
      );
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Every item of a query of one of the tokens table's indexes (eventually consistent: indexes have no other reads). */
  async queryIndexAll(query: { IndexName: string; KeyConditionExpression: string; ExpressionAttributeValues: Item }): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const output = await unlessUnavailable(() =>
        this.client.send(new QueryCommand({ TableName: this.tables.tokens, ...query, ExclusiveStartKey: startKey })),
      );
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** One query (one page of DynamoDB's). */
  async query(input: QueryInput): Promise<{ Items: Item[]; LastEvaluatedKey: Item | undefined }> {
    const output = await unlessUnavailable(() => this.client.send(new QueryCommand(input)));
    return { Items: output.Items ?? [], LastEvaluatedKey: output.LastEvaluatedKey };
  }

  /** A versioned put to the tokens table; a lost race is `WriteConflict`. */
  async putVersioned(item: Item, expectedVersion: number | undefined): Promise<void> {
    try {
      await unlessUnavailable(() =>
        this.client.send(new PutCommand({ TableName: this.tables.tokens, Item: item, ...versionCondition(expectedVersion) })),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new WriteConflict();
      throw error;
    }
  }

  /** One update; a failed condition is left to the caller (`ConditionalCheckFailedException`). */
  async update(input: UpdateInput): Promise<void> {
    await unlessUnavailable(() => this.client.send(new UpdateCommand(input)));
  }

  /**
   * One transaction. Cancelled, it becomes `WriteConflict` (the caller re-reads and retries) when DynamoDB
   * cancelled it for a concurrent transaction, and `ConditionFailed` when one of its own conditions failed.
   */
  async transact(items: TransactItem[]): Promise<void> {
    try {
      await unlessUnavailable(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      throw classifyTransactionError(error);
    }
    for (const item of items) {
      if (item.Put?.TableName === this.tables.activity) this.onActivity?.(item.Put.Item as unknown as ActivityRecord);
    }
  }
}
