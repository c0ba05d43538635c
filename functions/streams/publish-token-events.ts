import { outboxEntry } from "../adapters/dynamodb/outbox-stream.ts";
import { EventBridgeTokenEvents } from "../adapters/eventbridge/eventbridge-token-events.ts";
import { readTokenEventsConfig } from "../platform/config.ts";
import { countTokenEvents } from "../platform/metrics.ts";
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
    countTokenEvents({ published: entry.events.length });
    return `${entry.events.length} published`;
  },
});
