import { createHash } from "node:crypto";

/**
 * The SQS event the leak reports' queue hands on-leak-report: one report, as `POST /v1/revoke-leaked` queues it
 * (token ids and SHA-256 hashes, never a secret). Running it changes nothing unless that token exists.
 */
export function leakReportQueueEvent(sample: { region: string; accountId: string; time: string }): Record<string, unknown> {
  const body = JSON.stringify({ tokens: [{ tokenId: "0mx2u3l5eUK94BJ5", kind: "user", secretHash: "0".repeat(64) }] });
  return {
    Records: [
      {
        messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
        receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        body,
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: String(Date.parse(sample.time)),
          SenderId: "AROAEXAMPLEEXAMPLE00:revoke-leaked",
          ApproximateFirstReceiveTimestamp: String(Date.parse(sample.time)),
        },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:${sample.region}:${sample.accountId}:api-token-service-LeakReportsQueue`,
        awsRegion: sample.region,
      },
    ],
  };
}
