import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { LeakReportCounter, LeakReportCounters } from "../../domain/leak-report-throttle.ts";
import { tokensTableDefinition } from "./table-definition.ts";
import { keys } from "./keys.ts";
import { unlessUnavailable } from "./store-errors.ts";

const TTL = tokensTableDefinition.timeToLiveAttribute as string;

/**
 * The leaked-token report counters in the tokens table: one item per counter and window, incremented with an
 * atomic `ADD` (no read, no race: concurrent reports each get their own count back) and given the window's
 * expiry as its TTL on first write. TTL deletes late, but a window's key is never read after the window.
 * The tokens table's stream filter lets only token items through, so these deletions reach no function.
 */
export class DynamoDbLeakReportCounters implements LeakReportCounters {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  increment(counters: readonly LeakReportCounter[], window: { start: number; expiresAt: number }): Promise<number[]> {
    return Promise.all(
      counters.map(async (counter) => {
        const output = await unlessUnavailable(() =>
          this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.leakReportCounter(counter.scope, counter.key, window.start),
              UpdateExpression: "ADD #count :one SET #ttl = if_not_exists(#ttl, :expiresAt)",
              ExpressionAttributeNames: { "#count": "reports", "#ttl": TTL },
              ExpressionAttributeValues: { ":one": 1, ":expiresAt": window.expiresAt },
              ReturnValues: "UPDATED_NEW",
            }),
          ),
        );
        return Number(output.Attributes?.reports ?? 0);
      }),
    );
  }
}
