import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import { createDocumentClient } from "../../functions/adapters/dynamodb/client.ts";
import { ensureTable } from "../../infra/local/create-table.ts";

/** A fresh table, made from the shared definition, in the run's DynamoDB Local: tests never share data. */
export async function createTestTable(prefix = "test") {
  const endpoint = inject("dynamoDbEndpoint");
  const tableName = `${prefix}-${randomUUID()}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await ensureTable(client, tableName);
  client.destroy();
  return { endpoint, tableName, documentClient: createDocumentClient({ endpoint }) };
}
