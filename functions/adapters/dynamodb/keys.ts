import { activityTableDefinition, tokensTableDefinition } from "./table-definition.ts";

/**
 * Every key of both tables is built here and nowhere else. Ids are validated before they reach this module
 * (no `#`), so one entity's key can never be forged from another's id.
 */
const PK = tokensTableDefinition.partitionKey.name;
const SK = tokensTableDefinition.sortKey.name;
const [byOrganization, byPerson, byDueDay] = tokensTableDefinition.globalSecondaryIndexes;
export const BY_ORGANIZATION_INDEX = byOrganization.indexName;
export const BY_PERSON_INDEX = byPerson.indexName;
export const BY_DUE_DAY_INDEX = byDueDay.indexName;
/** How many index partitions one day's due work is spread over. */
export const DUE_SHARDS = 4;

export type Key = Record<string, string>;

export const keys = {
  /** Marks that a TTL-deleted token's `token.expired` was recorded (stream deliveries repeat). */
  deletedTokenExpiryRecorded: (tokenId: string): Key => ({ [PK]: `TOKEN#${tokenId}`, [SK]: "EXPIRY_RECORDED" }),
  /** Verification reads a token by the id carried in the secret: one key, one read. */
  token: (tokenId: string): Key => ({ [PK]: `TOKEN#${tokenId}`, [SK]: "TOKEN" }),
  /** The organization-wide listing of unrevoked tokens, newest first (a sparse index). */
  tokenByOrganization: (orgId: string, createdAt: string, tokenId: string): Key => ({
    [byOrganization.partitionKey.name]: tokensOfOrganization(orgId),
    [byOrganization.sortKey.name]: `${createdAt}#${tokenId}`,
  }),
  /**
   * A token's place in the index of work due: the day `dueAt` (ISO-8601 UTC) falls on, and its shard. The sort
   * key is the id alone, so a use that moves the due time within the same day rewrites no index entry.
   */
  tokenDue: (tokenId: string, dueAt: string): Key => ({
    [byDueDay.partitionKey.name]: dueDay(dueAt.slice(0, 10), dueShard(tokenId)),
    [byDueDay.sortKey.name]: tokenId,
  }),
  /** An activity-table item of its own for a token's expiry warning in one idle stretch: written once. */
  expiryWarning: (tokenId: string, idleStretch: string): Key => ({
    [activityTableDefinition.partitionKey.name]: `TOKEN#${tokenId}`,
    [activityTableDefinition.sortKey.name]: `EXPIRY_WARNING#${idleStretch}`,
  }),
  membership: (orgId: string, userId: string): Key => ({ [PK]: organization(orgId), [SK]: `${MEMBER_PREFIX}${userId}` }),
  /** A membership's place in the person's index (every membership item carries it; the backfill adds it to older ones). */
  membershipByPerson: (orgId: string, userId: string): Key => ({
    [byPerson.partitionKey.name]: person(userId),
    [byPerson.sortKey.name]: organization(orgId),
  }),
  organizationSettings: (orgId: string): Key => ({ [PK]: organization(orgId), [SK]: SETTINGS }),
  /** The settings of the organization whose partition holds `key` (a membership's key, from the person index). */
  organizationSettingsBeside: (key: Key): Key => ({ [PK]: key[PK] as string, [SK]: SETTINGS }),
  serviceUser: (orgId: string, serviceUserId: string): Key => ({
    [PK]: organization(orgId),
    [SK]: `${SERVICE_USER_PREFIX}${serviceUserId}`,
  }),
  /**
   * A token set: one person's unrevoked user tokens in an organization (the 10-token limit is guarded by it),
   * or, without `userId`, the organization's unrevoked service-user tokens (the 20-token limit).
   */
  tokenSet: (orgId: string, userId?: string): Key => ({
    [PK]: organization(orgId),
    [SK]: userId === undefined ? "SERVICE_TOKENS" : `USER_TOKENS#${userId}`,
  }),
  /** Per person, across organizations (API.md's password throttling). */
  passwordFailures: (userId: string): Key => ({ [PK]: `USER#${userId}`, [SK]: "PASSWORD_FAILURES" }),
  /**
   * One leaked-token report counter: a scope (source, relay, route), an opaque key (a hash, never an address)
   * and the window's start (epoch seconds). Every one begins with LEAK_REPORT_COUNTER_PREFIX, which the
   * revoke-leaked function's IAM policy is limited to.
   */
  leakReportCounter: (scope: string, key: string, windowStart: number): Key => ({
    [PK]: `${LEAK_REPORT_COUNTER_PREFIX}${scope}#${key}`,
    [SK]: `WINDOW#${windowStart}`,
  }),
  /** Activity records of one organization, sortable by time. */
  activity: (orgId: string, at: string, eventId: string): Key => ({
    [activityTableDefinition.partitionKey.name]: organization(orgId),
    [activityTableDefinition.sortKey.name]: `${at}#${eventId}`,
  }),
} as const;

const organization = (orgId: string) => `ORG#${orgId}`;
export const LEAK_REPORT_COUNTER_PREFIX = "LEAK_REPORTS#";
const MEMBER_PREFIX = "MEMBER#";
const SETTINGS = "SETTINGS";
const person = (userId: string) => `PERSON#${userId}`;
const tokensOfOrganization = (orgId: string) => `ORG#${orgId}#TOKENS`;
/** `2026-11-30`, shard 3 → `DUE#2026-11-30#3`. */
const dueDay = (day: string, shard: number) => `DUE#${day}#${shard}`;
/** A token id's shard: ids are random, so their characters spread tokens evenly. */
const dueShard = (tokenId: string) => [...tokenId].reduce((sum, char) => sum + char.charCodeAt(0), 0) % DUE_SHARDS;
export const SERVICE_USER_PREFIX = "SERVICE_USER#";

/** Key conditions for the queries, built here with the keys. */
export const queries = {
  memberships: (orgId: string) => ({
    KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :prefix)`,
    ExpressionAttributeValues: { ":pk": organization(orgId), ":prefix": MEMBER_PREFIX },
  }),
  /** The keys of every membership of one person (the `byPerson` index, keys only). */
  membershipsOfPerson: (userId: string) => ({
    IndexName: BY_PERSON_INDEX,
    KeyConditionExpression: `${byPerson.partitionKey.name} = :pk`,
    ExpressionAttributeValues: { ":pk": person(userId) },
  }),
  serviceUsers: (orgId: string) => ({
    KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :prefix)`,
    ExpressionAttributeValues: { ":pk": organization(orgId), ":prefix": SERVICE_USER_PREFIX },
  }),
  tokensByOrganization: (orgId: string) => ({
    IndexName: BY_ORGANIZATION_INDEX,
    KeyConditionExpression: `${byOrganization.partitionKey.name} = :pk`,
    ExpressionAttributeValues: { ":pk": tokensOfOrganization(orgId) },
  }),
  /** The keys of the tokens whose work falls due on one day (`YYYY-MM-DD`), in one shard (the `byDueDay` index, keys only). */
  tokensDueOn: (day: string, shard: number) => ({
    IndexName: BY_DUE_DAY_INDEX,
    KeyConditionExpression: `${byDueDay.partitionKey.name} = :pk`,
    ExpressionAttributeValues: { ":pk": dueDay(day, shard) },
  }),
  activity: (orgId: string) => ({
    KeyConditionExpression: `${activityTableDefinition.partitionKey.name} = :pk`,
    ExpressionAttributeValues: { ":pk": organization(orgId) },
  }),
} as const;

/**
 * Where each query resumes, rebuilt from a position in domain terms: the sort values of the last item a
 * page went past (a service user's id; a token's creation time and id; a record's time and id). Cursors
 * carry only such positions, so no key, prefix or attribute name ever leaves the store; the organization is
 * always the caller's, so a position can only ever point into the caller's own list. The item need not
 * exist any more (a token revoked, a service user deleted): a query starts after the position either way.
 * Position values are checked by the store (no `#`) before they reach these builders.
 */
export const startKeys = {
  serviceUsers: (orgId: string, serviceUserId: string): Key => keys.serviceUser(orgId, serviceUserId),
  /** An index's start key holds the table's key of the item too. */
  tokensByOrganization: (orgId: string, createdAt: string, tokenId: string): Key => ({
    ...keys.token(tokenId),
    ...keys.tokenByOrganization(orgId, createdAt, tokenId),
  }),
  activity: (orgId: string, at: string, eventId: string): Key => keys.activity(orgId, at, eventId),
} as const;

export const keyAttributes = {
  partitionKey: PK,
  sortKey: SK,
  indexPartitionKey: byOrganization.partitionKey.name,
  indexSortKey: byOrganization.sortKey.name,
  personIndexPartitionKey: byPerson.partitionKey.name,
  personIndexSortKey: byPerson.sortKey.name,
  dueIndexPartitionKey: byDueDay.partitionKey.name,
  dueIndexSortKey: byDueDay.sortKey.name,
  /** The tokens table's TTL attribute (epoch seconds). */
  timeToLive: tokensTableDefinition.timeToLiveAttribute,
} as const;
