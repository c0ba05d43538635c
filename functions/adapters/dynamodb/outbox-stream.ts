import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { TokenEvent } from "../../domain/model.ts";
import { OUTBOX_EVENTS, OUTBOX_FLAG } from "./entities/activity-record.ts";

/** The events of an inserted outbox item, or undefined for any other record (the filter lets none through). */
export function outboxEntry(record: DynamoDBRecord): { orgId: string; events: TokenEvent[] } | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || !image) return undefined;
  const item = unmarshall(image as Parameters<typeof unmarshall>[0]);
  const events = item[OUTBOX_EVENTS];
  if (item[OUTBOX_FLAG] !== true || !Array.isArray(events) || events.length === 0) return undefined;
  return { orgId: String(item.orgId), events: events as TokenEvent[] };
}
