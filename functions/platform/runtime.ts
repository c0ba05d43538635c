import { systemClock, testClock } from "../adapters/clock/clocks.ts";
import { createDocumentClient } from "../adapters/dynamodb/client.ts";
import type { StoreOptions, TableNames } from "../adapters/dynamodb/dynamodb-token-store.ts";
import type { Clock } from "../domain/ports.ts";
import { readBaseConfig } from "./config.ts";
import { countActivity } from "./metrics.ts";

/**
 * What every function's adapters are built on, once per process at cold start: the configuration, one
 * DynamoDB document client, the table names and the clock. The adapters themselves are composed in
 * services.ts (the whole store) and token-repository.ts (tokens only, for the verification path), so a
 * function's bundle carries only the adapters it uses.
 */
const config = readBaseConfig();

export const documentClient = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
export const tableNames: TableNames = { tokens: config.TABLE_NAME, activity: config.ACTIVITY_TABLE_NAME };
export const storeOptions: StoreOptions = { onActivity: (record) => countActivity(record.action), cursorKey: config.CURSOR_KEY };
export const clock: Clock = config.CLOCK === "test" ? testClock : systemClock;
