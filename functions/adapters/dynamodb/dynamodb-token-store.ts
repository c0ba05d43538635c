import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { StoreUnavailable, WriteConflict } from "../../domain/errors.ts";
import type {
  MembershipRecord,
  OrganizationSettings,
  PasswordFailures,
  PrincipalAccess,
  TokenRecord,
} from "../../domain/model.ts";
import type { TokenStore } from "../../domain/ports.ts";
import { keyAttributes, keys } from "./keys.ts";

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];

const { partitionKey: PK } = keyAttributes;
const BATCH_GET_LIMIT = 100;
const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The DynamoDB adapter of `TokenStore`: every read strongly consistent, every invariant a condition. */
export class DynamoDbTokenStore implements TokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getToken(tokenId: string): Promise<TokenRecord | undefined> {
    const item = await this.get(keys.token(tokenId));
    return item && toToken(item);
  }

  async getTokens(tokenIds: readonly string[]): Promise<TokenRecord[]> {
    const found: TokenRecord[] = [];
    for (let i = 0; i < tokenIds.length; i += BATCH_GET_LIMIT) {
      let pending: Item[] | undefined = tokenIds.slice(i, i + BATCH_GET_LIMIT).map(keys.token);
      for (let round = 0; pending && pending.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
        if (round > 8) throw new StoreUnavailable("Batch read kept returning unprocessed keys");
        const keysToRead: Item[] = pending;
        const output = await this.send(() =>
          this.client.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keysToRead, ConsistentRead: true } } }),
          ),
        );
        found.push(...(output.Responses?.[this.tableName] ?? []).map(toToken));
        pending = output.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined;
      }
    }
    return found;
  }

  async getMembership(orgId: string, userId: string): Promise<MembershipRecord | undefined> {
    const item = await this.get(keys.membership(orgId, userId));
    return item && toMembership(item);
  }

  async getOrganizationSettings(orgId: string): Promise<OrganizationSettings | undefined> {
    const item = await this.get(keys.organizationSettings(orgId));
    return (
      item && {
        orgId: item.orgId as string,
        ssoEnforced: item.ssoEnforced as boolean,
        lastEventAt: item.lastEventAt as string,
        version: item.version as number,
      }
    );
  }

  async createUserToken(token: TokenRecord, membership: MembershipRecord, tokenIds: readonly string[]): Promise<void> {
    await this.transact([
      { Put: { TableName: this.tableName, Item: tokenItem(token), ConditionExpression: `attribute_not_exists(${PK})` } },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.membership(membership.orgId, membership.userId),
          UpdateExpression: "SET tokenIds = :tokenIds, version = :next",
          ConditionExpression: "version = :expected AND #status = :active",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":tokenIds": idSet(tokenIds),
            ":next": membership.version + 1,
            ":expected": membership.version,
            ":active": "active",
          },
        },
      },
    ]);
  }

  async recordTokenUse(tokenId: string, lastUsedAt: string, expiresAt: number, now: Date): Promise<boolean> {
    return this.unlessConditionFails(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.token(tokenId),
          UpdateExpression: "SET lastUsedAt = :lastUsedAt, expiresAt = :expiresAt",
          // Never revive a token that was revoked or expired since it was read.
          ConditionExpression: `attribute_exists(${PK}) AND #status = :active AND expiresAt > :now`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":lastUsedAt": lastUsedAt,
            ":expiresAt": expiresAt,
            ":active": "active",
            ":now": epochSeconds(now),
          },
        }),
      ),
    );
  }

  async revokeUserToken(token: TokenRecord, revokedAt: string, now: Date): Promise<boolean> {
    return this.unlessConditionFails(() =>
      this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: keys.token(token.id),
            UpdateExpression: "SET #status = :revoked, revokedAt = :revokedAt",
            ConditionExpression: `attribute_exists(${PK}) AND #status = :active AND expiresAt > :now`,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":revoked": "revoked",
              ":revokedAt": revokedAt,
              ":active": "active",
              ":now": epochSeconds(now),
            },
          },
        },
        {
          // Bumping the version makes a generate that counted this token re-read and see the free place.
          Update: {
            TableName: this.tableName,
            Key: keys.membership(token.orgId, token.ownerId),
            UpdateExpression: "REMOVE tokenIds.#tokenId ADD version :one",
            ConditionExpression: `attribute_exists(${PK})`,
            ExpressionAttributeNames: { "#tokenId": token.id },
            ExpressionAttributeValues: { ":one": 1 },
          },
        },
      ]),
    );
  }

  async saveMembership(membership: MembershipRecord, expectedVersion: number | undefined): Promise<void> {
    const access: PrincipalAccess = {
      name: membership.name,
      permissions: membership.permissions,
      groups: membership.groups,
      sites: membership.sites,
    };
    await this.transact([
      {
        Put: {
          TableName: this.tableName,
          Item: membershipItem(membership),
          ...versionCondition(expectedVersion),
        },
      },
      ...membership.tokenIds.map(
        (tokenId): TransactItem => ({
          Update: {
            TableName: this.tableName,
            Key: keys.token(tokenId),
            UpdateExpression: "SET principal = :principal",
            ConditionExpression: `attribute_exists(${PK})`,
            ExpressionAttributeValues: { ":principal": access },
          },
        }),
      ),
    ]);
  }

  async saveOrganizationSettings(settings: OrganizationSettings, expectedVersion: number | undefined): Promise<void> {
    await this.putVersioned({ ...keys.organizationSettings(settings.orgId), type: "organizationSettings", ...settings }, expectedVersion);
  }

  async getPasswordFailures(userId: string): Promise<PasswordFailures | undefined> {
    const item = await this.get(keys.passwordFailures(userId));
    return (
      item && {
        userId: item.userId as string,
        failedAt: item.failedAt as string[],
        lockedUntil: (item.lockedUntil as string | null) ?? null,
        pending: (item.pending as Record<string, string> | undefined) ?? {},
        version: item.version as number,
      }
    );
  }

  async savePasswordFailures(failures: PasswordFailures, expectedVersion: number | undefined): Promise<void> {
    // TTL removes the record once neither the window nor the lock can matter any more.
    const lastRelevant = Math.max(
      ...[...failures.failedAt, ...Object.values(failures.pending)].map((at) => Date.parse(at) + 15 * 60_000),
      failures.lockedUntil ? Date.parse(failures.lockedUntil) : 0,
    );
    await this.putVersioned(
      {
        ...keys.passwordFailures(failures.userId),
        type: "passwordFailures",
        ...failures,
        expiresAt: Math.ceil(lastRelevant / 1000) + 3600,
      },
      expectedVersion,
    );
  }

  private async get(key: Item): Promise<Item | undefined> {
    const output = await this.send(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return output.Item;
  }

  private async putVersioned(item: Item, expectedVersion: number | undefined): Promise<void> {
    try {
      await this.send(() =>
        this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ...versionCondition(expectedVersion) })),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new WriteConflict();
      throw error;
    }
  }

  /**
   * A cancelled transaction becomes `WriteConflict` (the caller re-reads and retries) when DynamoDB cancelled
   * it for a concurrent transaction, and `ConditionFailed` when one of its own conditions failed.
   */
  private async transact(items: TransactItem[]): Promise<void> {
    try {
      await this.send(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
      if (codes.includes("TransactionConflict")) throw new WriteConflict("Transaction conflict");
      throw new ConditionFailed(codes);
    }
  }

  /** For writes whose only condition is "still active": a failed condition means "no", not an error. */
  private async unlessConditionFails(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      if (error instanceof ConditionFailed && error.codes[0] === "ConditionalCheckFailed") return false;
      if (error instanceof ConditionFailed) throw new WriteConflict();
      throw error;
    }
  }

  /** SDK failures that retries could not fix become `StoreUnavailable` (503): nothing was written. */
  private async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isUnavailable(error)) throw new StoreUnavailable();
      throw error;
    }
  }
}

/** One or more of a transaction's own conditions failed; `codes` has one entry per item. */
export class ConditionFailed extends WriteConflict {
  constructor(readonly codes: string[]) {
    super(`Transaction condition failed: ${codes.join(",")}`);
    this.name = "ConditionFailed";
  }
}

const versionCondition = (expectedVersion: number | undefined) =>
  expectedVersion === undefined
    ? { ConditionExpression: `attribute_not_exists(${PK})` }
    : { ConditionExpression: "version = :expected", ExpressionAttributeValues: { ":expected": expectedVersion } };

/** Token ids of a membership as a map, so one can be removed by id inside a transaction. */
const idSet = (ids: readonly string[]) => Object.fromEntries(ids.map((id) => [id, true]));

function tokenItem(token: TokenRecord): Item {
  return {
    ...keys.token(token.id),
    ...keys.tokenByOrganization(token.orgId, token.createdAt, token.id),
    type: "token",
    ...token,
  };
}

function toToken(item: Item): TokenRecord {
  return {
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
    principal: item.principal as PrincipalAccess,
  };
}

function membershipItem(membership: MembershipRecord): Item {
  const { tokenIds, ...rest } = membership;
  return { ...keys.membership(membership.orgId, membership.userId), type: "membership", ...rest, tokenIds: idSet(tokenIds) };
}

function toMembership(item: Item): MembershipRecord {
  return {
    orgId: item.orgId as string,
    userId: item.userId as string,
    name: item.name as string,
    permissions: item.permissions as string[],
    groups: item.groups as string[],
    sites: item.sites as string[],
    status: item.status as MembershipRecord["status"],
    lastEventAt: item.lastEventAt as string,
    tokenIds: Object.keys((item.tokenIds as Record<string, true> | undefined) ?? {}),
    version: item.version as number,
  };
}

interface TransactionCanceled extends Error {
  CancellationReasons?: Array<{ Code?: string }>;
}
const isTransactionCanceled = (error: unknown): error is TransactionCanceled =>
  error instanceof Error && error.name === "TransactionCanceledException";
const isConditionalCheckFailed = (error: unknown) =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";

const UNAVAILABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
]);
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = error as Error & { $fault?: string; code?: string };
  return (
    UNAVAILABLE_NAMES.has(error.name) ||
    meta.$fault === "server" ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(meta.code ?? "")
  );
}
