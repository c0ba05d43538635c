import middy from "@middy/core";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { logger } from "./logger.ts";
import { publishMetrics } from "./metrics.ts";

/**
 * Every DynamoDB stream function is built here: each record of the batch decoded, applied, its outcome logged.
 * A record that fails is reported back (`batchItemFailures`, the event source mapping's partial batch
 * response), so only it is retried; the others are not applied twice. Records the function has nothing to do
 * with (`decode` gives undefined) are passed over.
 */
export function streamHandler<TSubject>(options: {
  /** What the record is about, or undefined to pass it over. */
  decode: (record: DynamoDBRecord) => TSubject | undefined;
  /** Ids to log with the record's outcome (never a secret, a hash or a whole item). */
  logKeys: (subject: TSubject) => Record<string, string>;
  apply: (subject: TSubject) => Promise<string>;
}) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(publishMetrics())
    .handler(async (event) => {
      const failures: DynamoDBBatchResponse["batchItemFailures"] = [];
      for (const record of event.Records) {
        logger.resetKeys();
        try {
          const subject = options.decode(record);
          if (subject === undefined) continue;
          logger.appendKeys(options.logKeys(subject));
          const outcome = await options.apply(subject);
          logger.info("stream record handled", { outcome });
        } catch (error) {
          logger.error("stream record failed", { errorName: (error as Error).name, errorMessage: (error as Error).message });
          failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? "" });
        }
      }
      logger.resetKeys();
      return { batchItemFailures: failures };
    });
}

/** The item a REMOVE record deleted (its old image, as a plain object), or undefined for any other record. */
export function removedItem(record: DynamoDBRecord): Record<string, unknown> | undefined {
  const old = record.dynamodb?.OldImage;
  if (record.eventName !== "REMOVE" || !old) return undefined;
  return unmarshall(old as Parameters<typeof unmarshall>[0]);
}
