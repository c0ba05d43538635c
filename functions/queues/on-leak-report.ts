import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { parseLeakReport } from "../adapters/sqs/sqs-leak-report-sink.ts";
import { handleLeakReport } from "../platform/leak-report-worker.ts";
import { logger } from "../platform/logger.ts";
import { publishMetrics } from "../platform/metrics.ts";

/**
 * The leak reports' queue (SQS, event source mapping): each message is one `POST /v1/revoke-leaked` report.
 * Revoking is idempotent, so a redelivered message changes nothing; a message that fails is reported back
 * alone (`batchItemFailures`) and, after the queue's receive limit, lands in its dead-letter queue (alarmed).
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
  .use(publishMetrics())
  .handler(async (event) => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      logger.resetKeys();
      logger.appendKeys({ messageId: record.messageId });
      try {
        await handleLeakReport(parseLeakReport(record.body));
      } catch (error) {
        logger.error("leak report failed", { errorName: (error as Error).name, errorMessage: (error as Error).message });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    logger.resetKeys();
    return { batchItemFailures: failures };
  });
