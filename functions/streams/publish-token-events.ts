import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { OUTBOX_EVENTS, OUTBOX_FLAG } from "../adapters/dynamodb/entities/activity-record.ts";
import { EventBridgeTokenEvents } from "../adapters/eventbridge/eventbridge-token-events.ts";
import type { TokenEvent } from "../domain/model.ts";
import { readTokenEventsConfig } from "../platform/config.ts";
import { streamHandler } from "../platform/stream-handler.ts";

const config = readTokenEventsConfig();
const bus = new EventBridgeTokenEvents(config.busName, config.endpoint);

/**
 * The publisher of API.md "Token events out": the activity table's stream (new images), filtered in the event
 * source mapping to inserted outbox items (`publish`), each item's events put on the bus. The outbox is written
 * in the change's own transaction, so an event goes out if and only if its change happened, at least once: a
 * record whose put fails is reported back alone and retried, then parked in the dead-letter queue.
 */
export const handler = streamHandler({
  decode: outboxEntry,
  logKeys: (entry) => ({ orgId: entry.orgId, eventIds: entry.events.map((event) => event.detail.eventId).join(",") }),
  apply: async (entry) => {
    await bus.publish(entry.events);
    return `${entry.events.length} published`;
  },
});

/** The events of an inserted outbox item, or undefined for any other record (the filter lets none through). */
export function outboxEntry(record: DynamoDBRecord): { orgId: string; events: TokenEvent[] } | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || !image) return undefined;
  const item = unmarshall(image as Parameters<typeof unmarshall>[0]);
  const events = item[OUTBOX_EVENTS];
  if (item[OUTBOX_FLAG] !== true || !Array.isArray(events) || events.length === 0) return undefined;
  return { orgId: String(item.orgId), events: events as TokenEvent[] };
}
