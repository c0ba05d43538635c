/**
 * The one definition of the service's DynamoDB table. The CDK stack (infra/) and the local server
 * (infra/local/) both build their table from it, and the store adapter reads index names from it, so the
 * deployed and the local table can never disagree.
 */
export const tableDefinition = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  /** DynamoDB TTL attribute: a Number in epoch seconds. TTL deletes days late: reads check it themselves. */
  timeToLiveAttribute: "expiresAt",
  globalSecondaryIndexes: [
    {
      /** Every token of one organization, newest first (the organization-wide admin view). */
      indexName: "byOrganization",
      partitionKey: { name: "gsi1pk", type: "S" },
      sortKey: { name: "gsi1sk", type: "S" },
    },
  ],
} as const;

export type TableDefinition = typeof tableDefinition;
export type KeyAttribute = { readonly name: string; readonly type: "S" | "N" };
