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
  ServiceUserRecord,
  TokenRecord,
  TokenSet,
} from "../../domain/model.ts";
import type { TokenStore } from "../../domain/ports.ts";
import { cursorKey, openCursor, sealCursor } from "./cursors.ts";
import {
  activityItem,
  membershipItem,
  serviceUserItem,
  toActivity,
  toMembership,
  toPasswordFailures,
  toServiceUser,
  toToken,
  tokenItem,
  type Item,
} from "./items.ts";
import { keyAttributes, keys, queries, startKeys, type Key } from "./keys.ts";

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];

const { partitionKey: PK, indexPartitionKey: GSI_PK, indexSortKey: GSI_SK } = keyAttributes;
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
  /**
   * The secret that seals list cursors (config `CURSOR_KEY`, at least 32 characters). Only the functions
   * that page through lists are given it; the list methods refuse to run without it.
   */
  readonly cursorKey?: string;
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

  async listMemberships(orgId: string): Promise<MembershipRecord[]> {
    return (await this.queryAll(queries.memberships(orgId))).map(toMembership);
  }

  async listAllServiceUsers(orgId: string): Promise<ServiceUserRecord[]> {
    return (await this.queryAll(queries.serviceUsers(orgId))).map(toServiceUser);
  }

  /** Every item of a query, for the service's own sweeps (no cursor: nothing leaves the process). */
  private async queryAll(query: { KeyConditionExpression: string; ExpressionAttributeValues: Item }): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const output = await this.send(() =>
        this.client.send(new QueryCommand({ TableName: this.tables.tokens, ...query, ConsistentRead: true, ExclusiveStartKey: startKey })),
      );
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async getOrganizationSettings(orgId: string): Promise<OrganizationSettings | undefined> {
    const item = await this.get(keys.organizationSettings(orgId));
    return (
      item && {
        orgId: item.orgId as string,
        ssoEnforced: item.ssoEnforced as boolean,
        lastEventAt: item.lastEventAt as string,
        ...(item.deletedAt ? { deletedAt: item.deletedAt as string } : {}),
        version: item.version as number,
      }
    );
  }

  async getServiceUser(orgId: string, serviceUserId: string): Promise<ServiceUserRecord | undefined> {
    const item = await this.get(keys.serviceUser(orgId, serviceUserId));
    return item && toServiceUser(item);
  }

  async getTokenSet(orgId: string, userId?: string): Promise<TokenSet> {
    const item = await this.get(keys.tokenSet(orgId, userId));
    // A set that was never written is empty at version 0; the first write creates it.
    return {
      orgId,
      ...(userId === undefined ? {} : { userId }),
      tokens: (item?.tokens as Record<string, string> | undefined) ?? {},
      version: (item?.version as number | undefined) ?? 0,
    };
  }

  async listServiceUsers(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ServiceUserRecord>> {
    return this.page(
      {
        list: "service-users",
        orgId,
        query: { TableName: this.tables.tokens, ...queries.serviceUsers(orgId), ConsistentRead: true },
        convert: toServiceUser,
        position: (serviceUser) => [serviceUser.id],
        startKey: ([serviceUserId]) => startKeys.serviceUsers(orgId, serviceUserId!),
        positionLength: 1,
      },
      limit,
      cursor,
    );
  }

  async listOrganizationTokens(
    orgId: string,
    limit: number,
    cursor: string | undefined,
    visible?: (tokens: readonly TokenRecord[]) => Promise<readonly TokenRecord[]>,
  ): Promise<Page<TokenRecord>> {
    return this.page(
      {
        list: "admin-tokens",
        orgId,
        query: { TableName: this.tables.tokens, ...queries.tokensByOrganization(orgId), ScanIndexForward: false },
        convert: toToken,
        position: (token) => [token.createdAt, token.id],
        startKey: ([createdAt, tokenId]) => startKeys.tokensByOrganization(orgId, createdAt!, tokenId!),
        positionLength: 2,
      },
      limit,
      cursor,
      visible,
    );
  }

  async listActivity(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ActivityRecord>> {
    return this.page(
      {
        list: "activity",
        orgId,
        query: { TableName: this.tables.activity, ...queries.activity(orgId), ScanIndexForward: false, ConsistentRead: true },
        convert: toActivity,
        position: (record) => [record.at, record.id],
        startKey: ([at, eventId]) => startKeys.activity(orgId, at!, eventId!),
        positionLength: 2,
      },
      limit,
      cursor,
    );
  }

  async getPasswordFailures(userId: string): Promise<PasswordFailures | undefined> {
    const item = await this.get(keys.passwordFailures(userId));
    return item && toPasswordFailures(item);
  }

  // ---- token writes ------------------------------------------------------------------------------------

  async createToken(
    token: TokenRecord,
    tokenSet: TokenSet,
    tokens: Readonly<Record<string, string>>,
    owner: { membership: MembershipRecord } | { serviceUser: ServiceUserRecord },
    activity: ActivityRecord,
  ): Promise<void> {
    // The access copied onto the token is the owner's at the version read; a user must still be an active member.
    const ownerCheck: TransactItem =
      "membership" in owner
        ? {
            ConditionCheck: {
              TableName: this.tables.tokens,
              Key: keys.membership(owner.membership.orgId, owner.membership.userId),
              ConditionExpression: "version = :expected AND #status = :active",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":expected": owner.membership.version, ":active": "active" },
            },
          }
        : {
            ConditionCheck: {
              TableName: this.tables.tokens,
              Key: keys.serviceUser(owner.serviceUser.orgId, owner.serviceUser.id),
              ConditionExpression: "version = :expected",
              ExpressionAttributeValues: { ":expected": owner.serviceUser.version },
            },
          };
    await this.transact([this.putNewToken(token), this.putTokenSet(tokenSet, tokens), ownerCheck, this.putActivity(activity)]);
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
    tokens: {
      tokenSet: TokenSet;
      live: readonly TokenRecord[];
      revoke?: { revokedAt: string; activity: readonly ActivityRecord[] };
    },
    options: { allowDeletedOrganization?: boolean } = {},
  ): Promise<void> {
    const { tokenSet, live, revoke } = tokens;
    const tokenItems: TransactItem[] = revoke
      ? [
          ...live.map((token) => this.revokeTokenItem(token, revoke.revokedAt, new Date(revoke.revokedAt))),
          this.putTokenSet(tokenSet, withoutIds(tokenSet.tokens, live.map((token) => token.id))),
          ...revoke.activity.map((record) => this.putActivity(record)),
        ]
      : [
          // No token may be made or dropped meanwhile: the access below is rewritten on exactly the live ones.
          this.checkTokenSet(tokenSet),
          ...this.rewriteAccess(live.map((token) => token.id), { ...membership, memberStatus: membership.status }),
        ];
    await this.transact([
      { Put: { TableName: this.tables.tokens, Item: membershipItem(membership), ...versionCondition(expectedVersion) } },
      ...(options.allowDeletedOrganization ? [] : [this.checkOrganizationNotDeleted(membership.orgId)]),
      ...tokenItems,
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
      this.checkOrganizationNotDeleted(serviceUser.orgId),
      this.putActivity(activity),
    ]);
  }

  async updateServiceUser(
    serviceUser: ServiceUserRecord,
    expectedVersion: number,
    tokenSet: TokenSet,
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
    tokenSet: TokenSet,
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

  /** Bumping the set's version makes a generate that counted this token re-read and see the free place. */
  private dropFromOwnerList(token: TokenRecord): TransactItem {
    return {
      Update: {
        TableName: this.tables.tokens,
        Key: keys.tokenSet(token.orgId, token.kind === "user" ? token.ownerId : undefined),
        UpdateExpression: "REMOVE tokens.#tokenId ADD version :one",
        ConditionExpression: `attribute_exists(${PK})`,
        ExpressionAttributeNames: { "#tokenId": token.id },
        ExpressionAttributeValues: { ":one": 1 },
      },
    };
  }

  private putTokenSet(tokenSet: TokenSet, tokens: Readonly<Record<string, string>>): TransactItem {
    return {
      Put: {
        TableName: this.tables.tokens,
        Item: {
          ...keys.tokenSet(tokenSet.orgId, tokenSet.userId),
          type: "tokenSet",
          orgId: tokenSet.orgId,
          ...(tokenSet.userId === undefined ? {} : { userId: tokenSet.userId }),
          tokens,
          version: tokenSet.version + 1,
        },
        ...versionCondition(tokenSet.version === 0 ? undefined : tokenSet.version),
      },
    };
  }

  private checkTokenSet(tokenSet: TokenSet): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tables.tokens,
        Key: keys.tokenSet(tokenSet.orgId, tokenSet.userId),
        ...(tokenSet.version === 0
          ? { ConditionExpression: `attribute_not_exists(${PK})` }
          : { ConditionExpression: "version = :expected", ExpressionAttributeValues: { ":expected": tokenSet.version } }),
      },
    };
  }

  /** Nothing new joins an organization that left the platform (an item that was never written passes). */
  private checkOrganizationNotDeleted(orgId: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tables.tokens,
        Key: keys.organizationSettings(orgId),
        ConditionExpression: "attribute_not_exists(deletedAt)",
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
   * One page of a list. It reads until it holds one item more than the page (so the last page says
   * `nextCursor: null` instead of leaving the caller an empty page to fetch), reading on past DynamoDB's
   * 1 MB per query and past the items `visible` leaves out (expired tokens), so a page is only ever short
   * or empty when it is the last. Reading on is bounded: once the page shows an item, after `FILL_READS`
   * queries it ends where reading stopped. Before it shows one, it reads on to the first item to show or
   * the end: only items `visible` leaves out can be passed there (expired tokens, each recorded as it is
   * found, which takes it out of the index), so no request does that work again.
   *
   * The cursor is the position of the last item the page went past, sealed for this list and organization.
   */
  private async page<T>(
    list: ListSpec<T>,
    limit: number,
    cursor: string | undefined,
    visible?: (items: readonly T[]) => Promise<readonly T[]>,
  ): Promise<Page<T>> {
    const sealing = this.cursorSealing();
    let startKey: Item | undefined =
      cursor === undefined ? undefined : list.startKey(openCursor(sealing, cursor, list.list, list.orgId, list.positionLength));
    const shown: T[] = [];
    let passed: T | undefined;
    const cursorAfter = (item: T) => sealCursor(sealing, list.list, list.orgId, list.position(item));
    let batch = limit + 1;
    for (let reads = 1; ; reads++) {
      const items = await this.query(list, batch, startKey, cursor !== undefined && reads === 1);
      const converted = items.Items.map(list.convert);
      const kept = new Set(visible ? await visible(converted) : converted);
      for (const item of converted) {
        if (kept.has(item)) {
          // One more than the page: there is a next page, and it starts after what this one went past.
          if (shown.length === limit) return { items: shown, nextCursor: cursorAfter(passed!) };
          shown.push(item);
        }
        passed = item;
      }
      if (!items.LastEvaluatedKey) return { items: shown, nextCursor: null };
      if (shown.length > 0 && reads >= FILL_READS) return { items: shown, nextCursor: cursorAfter(passed!) };
      startKey = items.LastEvaluatedKey;
      // Items left out call for larger reads (up to a cap); otherwise read what the page still needs.
      const needed = limit - shown.length + 1;
      batch = kept.size < converted.length ? Math.min(MAX_BATCH, Math.max(needed, batch * 2)) : needed;
    }
  }

  private async query<T>(
    list: ListSpec<T>,
    limit: number,
    startKey: Item | undefined,
    fromCursor: boolean,
  ): Promise<{ Items: Item[]; LastEvaluatedKey: Item | undefined }> {
    try {
      const output = await this.send(() =>
        this.client.send(new QueryCommand({ ...list.query, Limit: limit, ExclusiveStartKey: startKey })),
      );
      return { Items: output.Items ?? [], LastEvaluatedKey: output.LastEvaluatedKey };
    } catch (error) {
      // Defence in depth: a start key rebuilt from a cursor that DynamoDB will not take is the caller's error.
      if (fromCursor && error instanceof Error && error.name === "ValidationException") throw new InvalidCursor();
      throw error;
    }
  }

  private cursorKeyBytes: Buffer | undefined;

  /** The HMAC key for cursors, derived once from the configured secret. */
  private cursorSealing(): Buffer {
    this.cursorKeyBytes ??= cursorKey(this.options.cursorKey);
    return this.cursorKeyBytes;
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

/** A list the store pages through: its query, and how its positions are read and resumed from. */
interface ListSpec<T> {
  /** The list's name in domain terms, bound into its cursors (never a table or index name). */
  readonly list: "service-users" | "admin-tokens" | "activity";
  readonly orgId: string;
  readonly query: Omit<NonNullable<ConstructorParameters<typeof QueryCommand>[0]>, "Limit" | "ExclusiveStartKey">;
  readonly convert: (item: Item) => T;
  /** An item's place in the list's order, in domain terms (its sort values): what a cursor carries. */
  readonly position: (item: T) => string[];
  /** The query's start key after a position (built in keys.ts). */
  readonly startKey: (position: readonly string[]) => Key;
  readonly positionLength: number;
}

/** Once a page shows an item, it stops reading on after this many queries. */
const FILL_READS = 8;
/** The largest read when items are being left out (DynamoDB caps a query at 1 MB anyway). */
const MAX_BATCH = 200;

const withoutIds = (tokens: Readonly<Record<string, string>>, ids: readonly string[]) =>
  Object.fromEntries(Object.entries(tokens).filter(([id]) => !ids.includes(id)));

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
