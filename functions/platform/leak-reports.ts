import { DynamoDbLeakReportCounters } from "../adapters/dynamodb/dynamodb-leak-report-counters.ts";
import { SqsLeakReportSink } from "../adapters/sqs/sqs-leak-report-sink.ts";
import type { LeakedToken, LeakReportSink } from "../domain/leaked-tokens.ts";
import { readLeakReportConfig } from "./config.ts";
import { logger } from "./logger.ts";
import { clock, documentClient, tableNames } from "./runtime.ts";

/**
 * The wiring of `POST /v1/revoke-leaked`: its counters (the tokens table, counter items only) and where its
 * reports go. In AWS the function may send to the queue and write its counters, nothing else: it reads no
 * token, so nothing it answers can depend on one.
 */
export const leakReportCounters = new DynamoDbLeakReportCounters(documentClient, tableNames.tokens);
export { clock };

const config = readLeakReportConfig();

export const leakReportSink: LeakReportSink = "queueUrl" in config ? new SqsLeakReportSink(config.queueUrl) : inProcessLeakReportSink();

/**
 * Local mode: no SQS, so the worker's own code runs in this process once the answer has gone (the next turn of
 * the event loop), as the queue's worker would a moment later. Loaded only then, so the AWS bundle's start-up
 * carries none of it. Failures are logged, never the report.
 */
function inProcessLeakReportSink(): LeakReportSink {
  return {
    submit: async (tokens: readonly LeakedToken[]) => {
      setTimeout(() => {
        // A specifier esbuild cannot follow, so the worker (and the whole store it builds) stays out of the
        // AWS bundle, where this never runs: the local server runs the source, where the file is beside this one.
        const worker: string = new URL("./leak-report-worker.ts", import.meta.url).href;
        void (import(worker) as Promise<typeof import("./leak-report-worker.ts")>)
          .then(({ handleLeakReport }) => handleLeakReport(tokens))
          .catch((error: unknown) =>
            logger.error("leak report failed", { errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }),
          );
      }, 0);
    },
  };
}
