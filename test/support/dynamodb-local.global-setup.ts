import getPort from "get-port";
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../local/dynamodb-local.ts";
import { launchSharedLocalService, runIncludesE2e } from "./shared-local-service.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

/**
 * One in-memory DynamoDB Local per test run; every test file makes its own table in it. When the run includes
 * e2e files, also one local server that the e2e files which never move its clock share (see
 * shared-local-service.ts); it starts in the background, so tests that need neither do not wait for it.
 */
export default async function setup(project: TestProject) {
  const port = await getPort();
  const dynamoDb = await startDynamoDbLocal({ port });
  project.provide("dynamoDbEndpoint", dynamoDb.endpoint);
  const shared = runIncludesE2e(project) ? launchSharedLocalService(dynamoDb.endpoint) : undefined;
  project.provide("sharedLocalServiceFile", shared?.stateFile ?? "");
  return async () => {
    try {
      await shared?.stop();
    } finally {
      await dynamoDb.stop();
    }
  };
}
