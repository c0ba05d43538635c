import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { tableDefinitions, type TableDefinition } from "../functions/adapters/dynamodb/table-definition.ts";

/** Creates a table from its shared definition unless it exists (data kept between restarts). */
export async function ensureTable(client: DynamoDBClient, tableName: string, definition: TableDefinition): Promise<"created" | "existed"> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    await addMissingIndexes(client, tableName, definition, new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName)));
    if (definition.stream && !Table?.StreamSpecification?.StreamEnabled) {
      // A table kept from before the outbox: its stream is turned on in place, as the stack does in AWS.
      await client.send(
        new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } }),
      );
    }
    return "existed";
  } catch (error) {
    if ((error as Error).name !== "ResourceNotFoundException") throw error;
  }
  const { partitionKey, sortKey, globalSecondaryIndexes, timeToLiveAttribute } = definition;
  const attributes = new Map<string, AttributeDefinition>();
  for (const key of [partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      ...(definition.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } } : {}),
      AttributeDefinitions: [...attributes.values()],
      KeySchema: [
        { AttributeName: partitionKey.name, KeyType: "HASH" },
        { AttributeName: sortKey.name, KeyType: "RANGE" },
      ],
      ...(globalSecondaryIndexes.length > 0
        ? {
            GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
              IndexName: index.indexName,
              KeySchema: [
                { AttributeName: index.partitionKey.name, KeyType: "HASH" as const },
                { AttributeName: index.sortKey.name, KeyType: "RANGE" as const },
              ],
              Projection: { ProjectionType: index.projection ?? "ALL" },
            })),
          }
        : {}),
    }),
  );
  if (timeToLiveAttribute) {
    // DynamoDB Local records the setting but never deletes: reads treat expired items as expired themselves.
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  return "created";
}

/**
 * A table kept from an earlier version (`.local-data/`) gets the indexes added to the definition since, as a
 * CloudFormation update adds them in AWS; items written before lack their attributes until the backfill
 * (functions/operations/backfill-person-index.ts; the local server runs it at start) sets them.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
  existing: Set<string | undefined>,
) {
  for (const index of definition.globalSecondaryIndexes) {
    if (existing.has(index.indexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [index.partitionKey, index.sortKey].map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.indexName,
              KeySchema: [
                { AttributeName: index.partitionKey.name, KeyType: "HASH" },
                { AttributeName: index.sortKey.name, KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: index.projection ?? "ALL" },
            },
          },
        ],
      }),
    );
    // One index at a time, as DynamoDB allows.
    await indexesActive(client, tableName);
  }
}

/** DynamoDB Local builds an added index for a moment (CREATING), and a query of it fails meanwhile: wait for it. */
async function indexesActive(client: DynamoDBClient, tableName: string) {
  for (let waited = 0; ; waited += 100) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if ((Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE")) return;
    if (waited > 60_000) throw new Error(`${tableName}: its indexes did not become ACTIVE within a minute.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Both of the service's tables, from their shared definitions. */
export async function ensureTables(
  client: DynamoDBClient,
  names: { readonly tokens: string; readonly activity: string },
  options: { readonly outboxStream?: boolean } = {},
): Promise<Record<"tokens" | "activity", "created" | "existed">> {
  // Tests that never read the outbox's stream leave it off: DynamoDB Local's streams slow every write ~10%.
  const { stream, ...withoutStream } = tableDefinitions.activity;
  return {
    tokens: await ensureTable(client, names.tokens, tableDefinitions.tokens),
    activity: await ensureTable(client, names.activity, (options.outboxStream ?? true) ? tableDefinitions.activity : withoutStream),
  };
}
