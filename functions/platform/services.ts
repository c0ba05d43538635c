import { createDocumentClient } from "../adapters/dynamodb/client.ts";
import { DynamoDbTokenStore } from "../adapters/dynamodb/dynamodb-token-store.ts";
import { systemClock, testClock } from "../adapters/clock/clocks.ts";
import type { Clock, TokenStore } from "../domain/ports.ts";
import { readBaseConfig } from "./config.ts";
import { countActivity } from "./metrics.ts";

/**
 * The composition root for what every function needs: the store and the clock, built once per process at
 * cold start. Adapters that only some functions need (password check) are wired in their own modules, so
 * the verify bundle does not carry them.
 */
const config = readBaseConfig();

export const store: TokenStore = new DynamoDbTokenStore(
  createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT }),
  { tokens: config.TABLE_NAME, activity: config.ACTIVITY_TABLE_NAME },
  { onActivity: (record) => countActivity(record.action), cursorKey: config.CURSOR_KEY },
);

export const clock: Clock = config.CLOCK === "test" ? testClock : systemClock;
