import { createHash } from "node:crypto";
import { marshall } from "@aws-sdk/util-dynamodb";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import { activityRecordEntity } from "../../functions/adapters/dynamodb/entities/activity-record.ts";
import { TOKEN_ITEM, tokenEntity } from "../../functions/adapters/dynamodb/entities/token.ts";
import { expiryAfter, type TokenRecord } from "../../functions/domain/model.ts";
import { tokenEvents } from "../../functions/domain/token-events.ts";

/**
 * Console test events made of records: a queue's and a stream's.
 */

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

/**
 * The DynamoDB stream event (view OLD_IMAGE) the tokens table's event source mapping hands on-token-deleted:
 * one REMOVE by TTL (the DynamoDB service's own identity, which the mapping's filter requires) of an active user
 * token that nobody used for 30 days, as the store writes token items. Running it records that token's
 * `token.expired` in the activity log (once: a marker item makes repeats no-ops).
 */
export function tokenDeletedStreamEvent(sample: {
  tokenId: string;
  orgId: string;
  userId: string;
  accountId: string;
  region: string;
  time: string;
}): Record<string, unknown> {
  const lastUsedAt = "2026-04-24T16:45:12.000Z";
  const key = keys.token(sample.tokenId);
  // Built by the token entity itself, so the sample is exactly what the store writes and the filter matches.
  const oldImage = tokenEntity.toItem(
    sampleToken(sample, {
      createdAt: "2026-03-02T08:15:00.000Z",
      lastUsedAt,
      // Expired 30 days after its last use; TTL removed it some days later.
      expiresAt: expiryAfter(new Date(lastUsedAt)),
    }),
  );
  const streamArn =
    `arn:aws:dynamodb:${sample.region}:${sample.accountId}:table/ApiTokenService-TableCD117FA1-1A2B3C4D5E6F` +
    "/stream/2026-05-01T00:00:00.000";
  return {
    Records: [
      {
        eventID: "c81e728d9d4c2f636f067f89cc14862c",
        eventName: "REMOVE",
        eventVersion: "1.1",
        eventSource: "aws:dynamodb",
        awsRegion: sample.region,
        dynamodb: {
          ApproximateCreationDateTime: Date.parse(sample.time) / 1000,
          Keys: marshall(key),
          OldImage: marshall(oldImage),
          SequenceNumber: "4421584500000000017450439091",
          SizeBytes: 412,
          StreamViewType: "OLD_IMAGE",
        },
        userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
        eventSourceARN: streamArn,
      },
    ],
  };
}

/**
 * The DynamoDB stream event (view NEW_IMAGE) the activity table's event source mapping hands
 * publish-token-events: one INSERT of an outbox item, the `token.created` record of a user token just made,
 * carrying its `Token Created` event, built by the activity record entity itself (so it is exactly what the
 * store writes and the mapping's filter matches). Running it puts that event on the configured bus (a
 * subscriber sees one more `Token Created`, with this fixed eventId, which it can drop as a duplicate).
 */
export function tokenEventsStreamEvent(sample: {
  tokenId: string;
  orgId: string;
  userId: string;
  accountId: string;
  region: string;
  time: string;
}): Record<string, unknown> {
  const token = sampleToken(sample, { createdAt: sample.time, lastUsedAt: null, expiresAt: expiryAfter(new Date(sample.time)) });
  const created = tokenEvents.created(token, sample.time);
  const record = {
    orgId: sample.orgId,
    id: "3f2b8c1d-6e4a-4b7f-9c0d-1a2b3c4d5e6f",
    at: sample.time,
    action: "token.created" as const,
    actor: { type: "user" as const, id: sample.userId, name: token.principal.name },
    tokenId: token.id,
    detail: { kind: token.kind, name: token.name, ownerId: token.ownerId },
    // A fixed eventId (the builder makes a random one), so the sample, and the template, stay the same.
    events: [{ ...created, detail: { ...created.detail, eventId: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d" } }],
  };
  const newImage = activityRecordEntity.toItem(record);
  const streamArn =
    `arn:aws:dynamodb:${sample.region}:${sample.accountId}:table/ApiTokenService-ActivityTable0B58B12C-6F5E4D3C2B1A` +
    "/stream/2026-05-01T00:00:00.000";
  return {
    Records: [
      {
        eventID: "eccbc87e4b5ce2fe28308fd9f2a7baf3",
        eventName: "INSERT",
        eventVersion: "1.1",
        eventSource: "aws:dynamodb",
        awsRegion: sample.region,
        dynamodb: {
          ApproximateCreationDateTime: Date.parse(sample.time) / 1000,
          Keys: marshall(activityRecordEntity.key(record)),
          NewImage: marshall(newImage),
          SequenceNumber: "4421584500000000017450439092",
          SizeBytes: 731,
          StreamViewType: "NEW_IMAGE",
        },
        eventSourceARN: streamArn,
      },
    ],
  };
}

/** The samples' user token, as the store keeps it: "Power BI export", Ada's, active. */
function sampleToken(
  sample: { tokenId: string; orgId: string; userId: string },
  times: Pick<TokenRecord, "createdAt" | "lastUsedAt" | "expiresAt">,
): TokenRecord {
  return {
    id: sample.tokenId,
    orgId: sample.orgId,
    kind: "user",
    ownerId: sample.userId,
    name: "Power BI export",
    // Placeholder: a SHA-256 no token hashes to (and never part of an event).
    secretHash: "0".repeat(64),
    hint: "x9Qa",
    ...times,
    status: TOKEN_ITEM.activeStatus,
    eventSequence: 1,
    principal: {
      name: "Ada Lovelace",
      permissions: ["reports:read", "reports:export"],
      groups: ["analytics"],
      sites: ["london"],
      memberStatus: "active",
    },
  };
}
