/**
 * The one definition of the service's DynamoDB tables. The CDK stack (infra/) and the local server
 * (local/) both build their tables from it, and the store adapter reads index names from it, so the
 * deployed and the local tables can never disagree.
 */
export type KeyAttribute = { readonly name: string; readonly type: "S" | "N" };

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** DynamoDB TTL attribute: a Number in epoch seconds. TTL deletes days late: reads check it themselves. */
  readonly timeToLiveAttribute?: string;
  /** The table's stream, where the service itself reads it (locally too): the outbox's new images. */
  readonly stream?: "NEW_IMAGE";
  readonly globalSecondaryIndexes: readonly {
    readonly indexName: string;
    readonly partitionKey: KeyAttribute;
    readonly sortKey: KeyAttribute;
    /** What the index holds besides keys: every attribute (the default), or only the keys. */
    readonly projection?: "ALL" | "KEYS_ONLY";
    /**
     * Query on the index is granted only to the functions that name it (`FunctionDefinition.indexes`), not to
     * every function that may query the table.
     */
    readonly grantedByName?: boolean;
  }[];
}

/** Tokens, memberships, service users, organization settings, password throttling. */
export const tokensTableDefinition = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  timeToLiveAttribute: "expiresAt",
  globalSecondaryIndexes: [
    {
      /** Sparse: every unrevoked token of one organization, newest first (the organization-wide admin view). */
      indexName: "byOrganization",
      partitionKey: { name: "gsi1pk", type: "S" },
      sortKey: { name: "gsi1sk", type: "S" },
    },
    {
      /**
       * Every membership of one person, across organizations, by organization id (`GET /v1/me`). Only keys: the
       * reader then reads the membership items themselves, strongly consistent. Memberships written before the
       * index existed get its attributes from the backfill-person-index operator function.
       */
      indexName: "byPerson",
      partitionKey: { name: "gsi2pk", type: "S" },
      sortKey: { name: "gsi2sk", type: "S" },
      projection: "KEYS_ONLY",
      grantedByName: true,
    },
    {
      /**
       * Sparse: every token with work due, by the day it falls due (and a shard of the token id, so that no one
       * index partition takes every write of a busy day), so the hourly job finds what came due without
       * scanning. A token's next work: its expiry warning, kept in step with its last use by the use's own
       * write; once warned, its expiry; while in a rotation's grace, the grace's end. Only keys: the job then
       * reads the tokens themselves. Writes that settle a token (revocation, recorded expiry) take it out.
       */
      indexName: "byDueDay",
      partitionKey: { name: "gsi3pk", type: "S" },
      sortKey: { name: "gsi3sk", type: "S" },
      projection: "KEYS_ONLY",
      grantedByName: true,
    },
  ],
} as const satisfies TableDefinition;

/**
 * The activity log, in a table of its own so that function roles can be given "append" (PutItem) and "read"
 * (Query) on it and nothing else: no role can edit or delete a record. Records are kept (no TTL). It is also
 * the outbox of the token events (API.md "Token events out"): a record carries the events its change
 * publishes, and an expiry warning, which is no activity, has an item of its own here; the table's stream
 * (new images) feeds the publisher.
 */
export const activityTableDefinition = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  stream: "NEW_IMAGE",
  globalSecondaryIndexes: [],
} as const satisfies TableDefinition;

export const tableDefinitions = {
  tokens: tokensTableDefinition,
  activity: activityTableDefinition,
} as const;
export type TableName = keyof typeof tableDefinitions;
