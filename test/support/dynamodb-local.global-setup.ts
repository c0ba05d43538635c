import getPort from "get-port";
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../local/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

/** One in-memory DynamoDB Local per test run; every test file makes its own table in it. */
export default async function setup(project: TestProject) {
  const port = await getPort();
  const dynamoDb = await startDynamoDbLocal({ port });
  project.provide("dynamoDbEndpoint", dynamoDb.endpoint);
  return async () => {
    await dynamoDb.stop();
  };
}
