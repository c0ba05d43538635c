import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type AttributeDefinition,
} from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "../../functions/adapters/dynamodb/table-definition.ts";

/** Creates the table from the shared definition unless it exists (data kept between restarts). */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<"created" | "existed"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return "existed";
  } catch (error) {
    if ((error as Error).name !== "ResourceNotFoundException") throw error;
  }
  const { partitionKey, sortKey, globalSecondaryIndexes, timeToLiveAttribute } = tableDefinition;
  const attributes = new Map<string, AttributeDefinition>();
  for (const key of [partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [...attributes.values()],
      KeySchema: [
        { AttributeName: partitionKey.name, KeyType: "HASH" },
        { AttributeName: sortKey.name, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: "HASH" },
          { AttributeName: index.sortKey.name, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      })),
    }),
  );
  // DynamoDB Local records the setting but never deletes: reads treat expired items as expired themselves.
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
    }),
  );
  return "created";
}
