import { unmarshall } from "@aws-sdk/util-dynamodb";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { activity, tokenDetail } from "../domain/activity.ts";
import { SYSTEM_ACTOR, type TokenRecord } from "../domain/model.ts";
import { logger } from "../platform/logger.ts";
import { metrics } from "../platform/metrics.ts";
import { clock, store } from "../platform/services.ts";

/**
 * DynamoDB stream of the tokens table, filtered (in the event source mapping) to deletions by TTL.
 * API.md: `token.expired` is recorded no later than the first request that finds the token expired, *or the
 * TTL deletion*: a token nobody touched after it expired gets its record here. Tokens already recorded or
 * revoked are left alone. Failed records are reported back so only they are retried.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
  .use(logMetrics(metrics))
  .handler(async (event) => {
    logger.resetKeys();
    const failures: DynamoDBBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      try {
        const old = record.dynamodb?.OldImage;
        if (record.eventName !== "REMOVE" || !old) continue;
        const item = unmarshall(old as Record<string, never>) as Partial<TokenRecord> & { type?: string };
        if (item.type !== "token" || item.status !== "active" || item.expiryRecorded || !item.id || !item.orgId) continue;
        const token = item as TokenRecord;
        const recorded = await store.recordExpiryOfDeletedToken(
          token,
          activity(clock, token.orgId, "token.expired", SYSTEM_ACTOR, {
            tokenId: token.id,
            detail: { ...tokenDetail(token), reason: "inactivity" },
          }),
        );
        logger.info("expired token deleted by TTL", { tokenId: token.id, orgId: token.orgId, recorded });
      } catch (error) {
        logger.error("stream record failed", { errorName: (error as Error).name, errorMessage: (error as Error).message });
        failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? "" });
      }
    }
    return { batchItemFailures: failures };
  });

