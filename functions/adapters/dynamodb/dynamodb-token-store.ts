import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { InvalidCursor, StoreUnavailable, WriteConflict } from "../../domain/errors.ts";
import type {
  ActivityRecord,
  MembershipRecord,
  OrganizationSettings,
  Page,
  PasswordFailures,
  PrincipalAccess,
  ServiceTokenSet,
  ServiceUserRecord,
  TokenRecord,
} from "../../domain/model.ts";
import type { TokenStore } from "../../domain/ports.ts";
import { keyAttributes, keys, queries } from "./keys.ts";

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];

const { partitionKey: PK, sortKey: SK, indexPartitionKey: GSI_PK, indexSortKey: GSI_SK } = keyAttributes;
const BATCH_GET_LIMIT = 100;
/** A password failure (or check under way) matters for 15 minutes (API.md "Password throttling"). */
const PASSWORD_RECORD_RELEVANCE_MS = 15 * 60_000;
const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export interface TableNames {
  readonly tokens: string;
  readonly activity: string;
}

export interface StoreOptions {
  /** Told of each activity record once its transaction has committed (metrics). */
  readonly onActivity?: (record: ActivityRecord) => void;
}

/** The DynamoDB adapter of `TokenStore`: every item read strongly consistent, every invariant a condition. */
export class DynamoDbTokenStore implements TokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly options: StoreOptions = {},
  ) {}

  // ---- reads -------------------------------------------------------------------------------------------

  async getToken(tokenId: string): Promise<TokenRecord | undefined> {
    const item = await this.get(keys.token(tokenId));
    return item && toToken(item);
  }

  async getTokens(tokenIds: readonly string[]): Promise<TokenRecord[]> {
    const found: TokenRecord[] = [];
    for (let i = 0; i < tokenIds.length; i += BATCH_GET_LIMIT) {
      let pending: Item[] | undefined = tokenIds.slice(i, i + BATCH_GET_LIMIT).map(keys.token);
      for (let round = 0; pending && pending.length > 0; round++) {
        if (round > 8) throw new StoreUnavailable("Batch read kept returning unprocessed keys");
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
        const keysToRead: Item[] = pending;
        const output = await this.send(() =>
          this.client.send(
            new BatchGetCommand({ RequestItems: { [this.tables.tokens]: { Keys: keysToRead, ConsistentRead: true } } }),
          ),
        );
        found.push(...(output.Responses?.[this.tables.tokens] ?? []).map(toToken));
        pending = output.UnprocessedKeys?.[this.tables.tokens]?.Keys as Item[] | undefined;
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

  async getServiceUser(orgId: string, serviceUserId: string): Promise<ServiceUserRecord | undefined> {
    const item = await this.get(keys.serviceUser(orgId, serviceUserId));
    return item && toServiceUser(item);
  }

  async getServiceTokenSet(orgId: string): Promise<ServiceTokenSet> {
    const item = await this.get(keys.serviceTokenSet(orgId));
    // A set that was never written is empty at version 0; the first write creates it.
    return { orgId, tokens: (item?.tokens as Record<string, string> | undefined) ?? {}, version: (item?.version as number | undefined) ?? 0 };
  }

  async listServiceUsers(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ServiceUserRecord>> {
    return this.page(
      { TableName: this.tables.tokens, ...queries.serviceUsers(orgId), ConsistentRead: true },
      { limit, cursor, partition: [PK, queries.partitionOf.serviceUsers(orgId)] },
      toServiceUser,
    );
  }

  async listOrganizationTokens(orgId: string, limit: number, cursor: string | undefined): Promise<Page<TokenRecord>> {
    return this.page(
      { TableName: this.tables.tokens, ...queries.tokensByOrganization(orgId), ScanIndexForward: false },
      { limit, cursor, partition: [GSI_PK, queries.partitionOf.tokensByOrganization(orgId)] },
      toToken,
    );
  }

  async listActivity(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ActivityRecord>> {
    return this.page(
      { TableName: this.tables.activity, ...queries.activity(orgId), ScanIndexForward: false, ConsistentRead: true },
      { limit, cursor, partition: [PK, queries.partitionOf.activity(orgId)] },
      toActivity,
    );
  }

  async getPasswordFailures(userId: string): Promise<PasswordFailures | undefined> {
    const item = await this.get(keys.passwordFailures(userId));
    return item && toPasswordFailures(item);
  }

  // ---- token writes ------------------------------------------------------------------------------------

  async createUserToken(
    token: TokenRecord,
    membership: MembershipRecord,
    tokenIds: readonly string[],
    activity: ActivityRecord,
  ): Promise<void> {
    await this.transact([
      this.putNewToken(token),
      {
        Update: {
          TableName: this.tables.tokens,
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
      this.putActivity(activity),
    ]);
  }

  async createServiceUserToken(
    token: TokenRecord,
    serviceUser: ServiceUserRecord,
    tokenSet: ServiceTokenSet,
    tokens: Readonly<Record<string, string>>,
    activity: ActivityRecord,
  ): Promise<void> {
    await this.transact([
      this.putNewToken(token),
      this.putTokenSet(tokenSet, tokens),
      {
        // The access copied onto the token is the service user's at this version.
        ConditionCheck: {
          TableName: this.tables.tokens,
          Key: keys.serviceUser(serviceUser.orgId, serviceUser.id),
          ConditionExpression: "version = :expected",
          ExpressionAttributeValues: { ":expected": serviceUser.version },
        },
      },
      this.putActivity(activity),
    ]);
  }

  async recordTokenUse(
    token: TokenRecord,
    use: { lastUsedAt: string; expiresAt: number } | undefined,
    now: Date,
    activity?: ActivityRecord,
  ): Promise<boolean> {
    const stillActive = {
      ConditionExpression: `attribute_exists(${PK}) AND #status = :active AND expiresAt > :now`,
      ExpressionAttributeNames: { "#status": "status" },
    };
    const tokenWrite: TransactItem = use
      ? {
          Update: {
            TableName: this.tables.tokens,
            Key: keys.token(token.id),
            UpdateExpression: "SET lastUsedAt = :lastUsedAt, expiresAt = :expiresAt",
            ...stillActive,
            ExpressionAttributeValues: {
              ":lastUsedAt": use.lastUsedAt,
              ":expiresAt": use.expiresAt,
              ":active": "active",
              ":now": epochSeconds(now),
            },
          },
        }
      : {
          ConditionCheck: {
            TableName: this.tables.tokens,
            Key: keys.token(token.id),
            ...stillActive,
            ExpressionAttributeValues: { ":active": "active", ":now": epochSeconds(now) },
          },
        };
    if (!activity) {
      // The hot path: a single conditional update, no transaction.
      const update = tokenWrite.Update!;
      return this.unlessConditionFails(() => this.client.send(new UpdateCommand(update)));
    }
    return this.unlessConditionFails(() => this.transact([tokenWrite, this.putActivity(activity)]));
  }

  async revokeToken(token: TokenRecord, revokedAt: string, now: Date, activity: ActivityRecord): Promise<boolean> {
    return this.unlessConditionFails(() =>
      this.transact([this.revokeTokenItem(token, revokedAt, now), this.dropFromOwnerList(token), this.putActivity(activity)]),
    );
  }

  async recordExpiry(token: TokenRecord, now: Date, activity: ActivityRecord): Promise<boolean> {
    return this.unlessConditionFails(() =>
      this.transact([
        {
          Update: {
            TableName: this.tables.tokens,
            Key: keys.token(token.id),
            // Out of the organization-wide index too: it lists unrevoked, unexpired tokens.
            UpdateExpression: `SET expiryRecorded = :true REMOVE ${GSI_PK}, ${GSI_SK}`,
            ConditionExpression: `attribute_exists(${PK}) AND attribute_not_exists(expiryRecorded) AND #status = :active AND expiresAt <= :now`,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":true": true, ":active": "active", ":now": epochSeconds(now) },
          },
        },
        this.putActivity(activity),
      ]),
    );
  }

  async recordExpiryOfDeletedToken(token: TokenRecord, activity: ActivityRecord): Promise<boolean> {
    return this.unlessConditionFails(() =>
      this.transact([
        {
          Put: {
            TableName: this.tables.tokens,
            // The marker outlives the stream's 24 h retention by a margin, then TTL removes it too.
            Item: {
              ...keys.deletedTokenExpiryRecorded(token.id),
              type: "expiryRecordedMarker",
              expiresAt: epochSeconds(new Date(activity.at)) + 7 * 86_400,
            },
            ConditionExpression: `attribute_not_exists(${PK})`,
          },
        },
        this.putActivity(activity),
      ]),
    );
  }

  // ---- memberships and organizations -------------------------------------------------------------------

  async saveMembership(
    membership: MembershipRecord,
    expectedVersion: number | undefined,
    revocation?: { tokens: readonly TokenRecord[]; revokedAt: string; activity: readonly ActivityRecord[] },
  ): Promise<void> {
    const now = revocation ? new Date(revocation.revokedAt) : undefined;
    await this.transact([
      { Put: { TableName: this.tables.tokens, Item: membershipItem(membership), ...versionCondition(expectedVersion) } },
      ...this.rewriteAccess(membership.tokenIds, { ...membership, memberStatus: membership.status }),
      ...(revocation?.tokens ?? []).map((token) => this.revokeTokenItem(token, revocation!.revokedAt, now!)),
      ...(revocation?.activity ?? []).map((record) => this.putActivity(record)),
    ]);
  }

  async saveOrganizationSettings(settings: OrganizationSettings, expectedVersion: number | undefined): Promise<void> {
    await this.putVersioned(
      { ...keys.organizationSettings(settings.orgId), type: "organizationSettings", ...settings },
      expectedVersion,
    );
  }

  // ---- service users -----------------------------------------------------------------------------------

  async createServiceUser(serviceUser: ServiceUserRecord, activity: ActivityRecord): Promise<void> {
    await this.transact([
      {
        Put: {
          TableName: this.tables.tokens,
          Item: serviceUserItem(serviceUser),
          ConditionExpression: `attribute_not_exists(${PK})`,
        },
      },
      this.putActivity(activity),
    ]);
  }

  async updateServiceUser(
    serviceUser: ServiceUserRecord,
    expectedVersion: number,
    tokenSet: ServiceTokenSet,
    tokenIds: readonly string[],
    activity: ActivityRecord,
  ): Promise<void> {
    await this.transact([
      {
        Put: {
          TableName: this.tables.tokens,
          Item: serviceUserItem(serviceUser),
          ConditionExpression: "version = :expected",
          ExpressionAttributeValues: { ":expected": expectedVersion },
        },
      },
      // No token of this service user may be created meanwhile with the old access.
      this.checkTokenSet(tokenSet),
      ...this.rewriteAccess(tokenIds, { name: serviceUser.name, permissions: serviceUser.permissions, groups: [], sites: [] }),
      this.putActivity(activity),
    ]);
  }

  async deleteServiceUser(
    serviceUser: ServiceUserRecord,
    tokenSet: ServiceTokenSet,
    revoke: readonly TokenRecord[],
    revokedAt: string,
    activity: readonly ActivityRecord[],
  ): Promise<void> {
    const remaining = Object.fromEntries(Object.entries(tokenSet.tokens).filter(([, owner]) => owner !== serviceUser.id));
    const now = new Date(revokedAt);
    await this.transact([
      {
        Delete: {
          TableName: this.tables.tokens,
          Key: keys.serviceUser(serviceUser.orgId, serviceUser.id),
          ConditionExpression: "version = :expected",
          ExpressionAttributeValues: { ":expected": serviceUser.version },
        },
      },
      this.putTokenSet(tokenSet, remaining),
      ...revoke.map((token) => this.revokeTokenItem(token, revokedAt, now)),
      ...activity.map((record) => this.putActivity(record)),
    ]);
  }

  async savePasswordFailures(failures: PasswordFailures, expectedVersion: number | undefined): Promise<void> {
    // TTL removes the record once neither the window nor the lock can matter any more.
    const lastRelevant = Math.max(
      ...[...failures.failedAt, ...Object.values(failures.pending)].map((at) => Date.parse(at) + PASSWORD_RECORD_RELEVANCE_MS),
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

  async takePasswordCheckPlace(
    userId: string,
    attemptId: string,
    at: string,
    limits: { failuresAtMost: number; pendingBelow: number },
  ): Promise<{ taken: true } | { taken: false; current: PasswordFailures | undefined }> {
    // Conditioned on the counts, not the version: a check that ends meanwhile (and bumps the version) does
    // not make this fail; only a place taken or a failure added since the caller's look can. Refused, it
    // answers with the record as it is, so a caller waiting for a place needs one request per look.
    try {
      await this.send(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tables.tokens,
            Key: keys.passwordFailures(userId),
            UpdateExpression: "SET pending.#attempt = :at, version = version + :one, expiresAt = :expiresAt",
            // Not locked: no lockedUntil, a null one, or one that has passed (ISO-8601 UTC compares as text).
            ConditionExpression:
              "size(failedAt) <= :failures AND size(pending) < :pending AND " +
              "(attribute_not_exists(lockedUntil) OR attribute_type(lockedUntil, :nullType) OR lockedUntil <= :at)",
            ExpressionAttributeNames: { "#attempt": attemptId },
            ExpressionAttributeValues: {
              ":at": at,
              ":one": 1,
              // As savePasswordFailures: this check is the newest entry, and there is no lock.
              ":expiresAt": Math.ceil((Date.parse(at) + PASSWORD_RECORD_RELEVANCE_MS) / 1000) + 3600,
              ":failures": limits.failuresAtMost,
              ":pending": limits.pendingBelow,
              ":nullType": "NULL",
            },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      );
      return { taken: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The document client leaves the item of a refused write in DynamoDB's own form.
      const item = (error as { Item?: Record<string, AttributeValue> }).Item;
      return { taken: false, current: item && toPasswordFailures(unmarshall(item)) };
    }
  }

  async releasePasswordCheck(userId: string, attemptId: string, options: { reset: boolean }): Promise<void> {
    // One update, no read and no version condition, so it never loses a race; it still bumps the version, so
    // a read-modify-write based on the record before it re-reads. The TTL stays as the place's write set it.
    const reset = options.reset ? ", failedAt = :none, lockedUntil = :null" : "";
    try {
      await this.send(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tables.tokens,
            Key: keys.passwordFailures(userId),
            UpdateExpression: `REMOVE pending.#attempt SET version = version + :one${reset}`,
            ConditionExpression: `attribute_exists(${PK})`,
            ExpressionAttributeNames: { "#attempt": attemptId },
            ExpressionAttributeValues: { ":one": 1, ...(options.reset ? { ":none": [], ":null": null } : {}) },
          }),
        ),
      );
    } catch (error) {
      // No record, so no place to give back (the write that took one set the TTL more than an hour on).
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  // ---- transaction items -------------------------------------------------------------------------------

  private putNewToken(token: TokenRecord): TransactItem {
    return { Put: { TableName: this.tables.tokens, Item: tokenItem(token), ConditionExpression: `attribute_not_exists(${PK})` } };
  }

  /** Activity records are only ever added: never overwritten, updated or deleted. */
  private putActivity(record: ActivityRecord): TransactItem {
    return {
      Put: { TableName: this.tables.activity, Item: activityItem(record), ConditionExpression: `attribute_not_exists(${PK})` },
    };
  }

  private revokeTokenItem(token: TokenRecord, revokedAt: string, now: Date): TransactItem {
    return {
      Update: {
        TableName: this.tables.tokens,
        Key: keys.token(token.id),
        // Out of the organization-wide index (sparse), which lists unrevoked tokens only.
        UpdateExpression: `SET #status = :revoked, revokedAt = :revokedAt REMOVE ${GSI_PK}, ${GSI_SK}`,
        ConditionExpression: `attribute_exists(${PK}) AND #status = :active AND expiresAt > :now`,
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":revoked": "revoked", ":revokedAt": revokedAt, ":active": "active", ":now": epochSeconds(now) },
      },
    };
  }

  /** Bumping the owner list's version makes a generate that counted this token re-read and see the free place. */
  private dropFromOwnerList(token: TokenRecord): TransactItem {
    const key =
      token.kind === "user" ? keys.membership(token.orgId, token.ownerId) : keys.serviceTokenSet(token.orgId);
    return {
      Update: {
        TableName: this.tables.tokens,
        Key: key,
        UpdateExpression: `REMOVE ${token.kind === "user" ? "tokenIds" : "tokens"}.#tokenId ADD version :one`,
        ConditionExpression: `attribute_exists(${PK})`,
        ExpressionAttributeNames: { "#tokenId": token.id },
        ExpressionAttributeValues: { ":one": 1 },
      },
    };
  }

  private putTokenSet(tokenSet: ServiceTokenSet, tokens: Readonly<Record<string, string>>): TransactItem {
    return {
      Put: {
        TableName: this.tables.tokens,
        Item: { ...keys.serviceTokenSet(tokenSet.orgId), type: "serviceTokenSet", orgId: tokenSet.orgId, tokens, version: tokenSet.version + 1 },
        ...versionCondition(tokenSet.version === 0 ? undefined : tokenSet.version),
      },
    };
  }

  private checkTokenSet(tokenSet: ServiceTokenSet): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tables.tokens,
        Key: keys.serviceTokenSet(tokenSet.orgId),
        ...(tokenSet.version === 0
          ? { ConditionExpression: `attribute_not_exists(${PK})` }
          : { ConditionExpression: "version = :expected", ExpressionAttributeValues: { ":expected": tokenSet.version } }),
      },
    };
  }

  private rewriteAccess(tokenIds: readonly string[], access: PrincipalAccess): TransactItem[] {
    const principal: PrincipalAccess = {
      name: access.name,
      permissions: access.permissions,
      groups: access.groups,
      sites: access.sites,
      ...(access.memberStatus ? { memberStatus: access.memberStatus } : {}),
    };
    return tokenIds.map((tokenId) => ({
      Update: {
        TableName: this.tables.tokens,
        Key: keys.token(tokenId),
        UpdateExpression: "SET principal = :principal",
        ConditionExpression: `attribute_exists(${PK})`,
        ExpressionAttributeValues: { ":principal": principal },
      },
    }));
  }

  // ---- plumbing ----------------------------------------------------------------------------------------

  private async get(key: Item): Promise<Item | undefined> {
    const output = await this.send(() =>
      this.client.send(new GetCommand({ TableName: this.tables.tokens, Key: key, ConsistentRead: true })),
    );
    return output.Item;
  }

  /**
   * One page of a query. It asks for one item more than the page, so the last page says `nextCursor: null`
   * instead of leaving the caller an empty page to fetch.
   */
  private async page<T>(
    query: ConstructorParameters<typeof QueryCommand>[0],
    options: { limit: number; cursor: string | undefined; partition: [string, string] },
    convert: (item: Item) => T,
  ): Promise<Page<T>> {
    const list = String(query.IndexName ?? query.ExpressionAttributeValues?.[":prefix"] ?? query.TableName);
    const keyNames = query.IndexName ? [PK, SK, GSI_PK, GSI_SK] : [PK, SK];
    const startKey = options.cursor === undefined ? undefined : decodeCursor(options.cursor, list, keyNames, options.partition);
    let output;
    try {
      output = await this.send(() =>
        this.client.send(new QueryCommand({ ...query, Limit: options.limit + 1, ExclusiveStartKey: startKey })),
      );
    } catch (error) {
      // A start key DynamoDB will not take (one we did not hand out for this list) is the caller's error.
      if (startKey && error instanceof Error && error.name === "ValidationException") throw new InvalidCursor();
      throw error;
    }
    const items = output.Items ?? [];
    const more = items.length > options.limit;
    const shown = items.slice(0, options.limit);
    const last = shown.at(-1);
    const nextKey = more && last ? Object.fromEntries(keyNames.map((name) => [name, last[name]])) : output.LastEvaluatedKey;
    return { items: shown.map(convert), nextCursor: nextKey && shown.length > 0 ? encodeCursor(list, nextKey) : null };
  }

  private async putVersioned(item: Item, expectedVersion: number | undefined): Promise<void> {
    try {
      await this.send(() =>
        this.client.send(new PutCommand({ TableName: this.tables.tokens, Item: item, ...versionCondition(expectedVersion) })),
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
      for (const item of items) {
        if (item.Put?.TableName === this.tables.activity) this.options.onActivity?.(item.Put.Item as unknown as ActivityRecord);
      }
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
      if (codes.includes("TransactionConflict")) throw new WriteConflict("Transaction conflict");
      throw new ConditionFailed(codes);
    }
  }

  /**
   * For writes whose first item's condition is "still active": its failure means "no", not an error.
   * Any other failed condition is a race to retry.
   */
  private async unlessConditionFails(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      if (error instanceof ConditionFailed && error.codes[0] === "ConditionalCheckFailed") return false;
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

/**
 * Cursors are opaque to callers: which list, and the last key, as base64url JSON. A cursor is taken back
 * only by the list it came from, with exactly that list's key attributes, in the caller's own partition.
 */
function encodeCursor(list: string, key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ l: list, k: key }), "utf8").toString("base64url");
}

function decodeCursor(
  cursor: string,
  list: string,
  keyNames: readonly string[],
  [attribute, partition]: [string, string],
): Record<string, unknown> {
  try {
    if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("shape");
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { l?: unknown; k?: unknown };
    const key = decoded.k as Record<string, unknown>;
    if (decoded.l !== list || typeof key !== "object" || key === null || Array.isArray(key)) throw new Error("shape");
    const names = Object.keys(key);
    if (names.length !== keyNames.length || !keyNames.every((name) => typeof key[name] === "string")) throw new Error("keys");
    if (key[attribute] !== partition) throw new Error("partition");
    return key;
  } catch {
    throw new InvalidCursor();
  }
}

/** Token ids of a membership as a map, so one can be removed by id inside a transaction. */
const idSet = (ids: readonly string[]) => Object.fromEntries(ids.map((id) => [id, true]));

function tokenItem(token: TokenRecord): Item {
  return { ...keys.token(token.id), ...keys.tokenByOrganization(token.orgId, token.createdAt, token.id), type: "token", ...token };
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
    ...(item.expiryRecorded ? { expiryRecorded: true } : {}),
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

function serviceUserItem(serviceUser: ServiceUserRecord): Item {
  return { ...keys.serviceUser(serviceUser.orgId, serviceUser.id), type: "serviceUser", ...serviceUser };
}

function toServiceUser(item: Item): ServiceUserRecord {
  return {
    orgId: item.orgId as string,
    id: item.id as string,
    name: item.name as string,
    permissions: item.permissions as string[],
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
    version: item.version as number,
  };
}

function activityItem(record: ActivityRecord): Item {
  return { ...keys.activity(record.orgId, record.at, record.id), type: "activity", ...record };
}

function toActivity(item: Item): ActivityRecord {
  return {
    orgId: item.orgId as string,
    id: item.id as string,
    at: item.at as string,
    action: item.action as ActivityRecord["action"],
    actor: item.actor as ActivityRecord["actor"],
    ...(item.tokenId ? { tokenId: item.tokenId as string } : {}),
    ...(item.detail ? { detail: item.detail as Record<string, unknown> } : {}),
  };
}

interface TransactionCanceled extends Error {
  CancellationReasons?: Array<{ Code?: string }>;
}
const isTransactionCanceled = (error: unknown): error is TransactionCanceled =>
  error instanceof Error && error.name === "TransactionCanceledException";

const toPasswordFailures = (item: Item): PasswordFailures => ({
  userId: item.userId as string,
  failedAt: item.failedAt as string[],
  lockedUntil: (item.lockedUntil as string | null) ?? null,
  pending: (item.pending as Record<string, string> | undefined) ?? {},
  version: item.version as number,
});

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
