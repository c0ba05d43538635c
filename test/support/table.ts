import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import { createDocumentClient } from "../../functions/adapters/dynamodb/client.ts";
import { ensureTables } from "../../local/create-table.ts";

/**
 * Fresh tables, made from the shared definitions, in the run's DynamoDB Local: tests never share data.
 * The activity table is named like the local server names it: `<tableName>-activity`. Its stream (the token
 * events' outbox) only where a test reads it; the local server turns it on for its tables itself.
 */
export async function createTestTable(prefix = "test", options: { outboxStream?: boolean } = {}) {
  const endpoint = inject("dynamoDbEndpoint");
  const tableName = `${prefix}-${randomUUID()}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const tables = { tokens: tableName, activity: `${tableName}-activity` };
  await ensureTables(client, tables, { outboxStream: options.outboxStream ?? false });
  client.destroy();
  return { endpoint, tableName, tables, documentClient: createDocumentClient({ endpoint }) };
}
