import getPort from "get-port";
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../local/dynamodb-local.ts";

/**
 * The mutation run's DynamoDB Local (vitest.mutation.config.ts). `npm run mutation` starts one for the whole
 * run and names it in MUTATION_DYNAMODB_ENDPOINT, so Stryker's test-runner processes share it instead of
 * each starting a Java process of its own; without it (running the config directly) one is started here.
 * A slow start on a busy machine is tried again rather than failing the whole run.
 */
export default async function setup(project: TestProject) {
  const shared = process.env.MUTATION_DYNAMODB_ENDPOINT;
  if (shared) {
    project.provide("dynamoDbEndpoint", shared);
    return;
  }
  const dynamoDb = await startWithRetries();
  project.provide("dynamoDbEndpoint", dynamoDb.endpoint);
  return async () => {
    await dynamoDb.stop();
  };
}

export async function startWithRetries(tries = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDynamoDbLocal({ port: await getPort() });
    } catch (error) {
      if (attempt >= tries || (error as Error).name === "JavaMissingError") throw error;
    }
  }
}
