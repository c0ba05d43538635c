import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { TokenEvent } from "../../domain/model.ts";
import { TOKEN_EVENT_SOURCE } from "../../domain/token-events.ts";

/** EventBridge takes at most 10 entries per PutEvents. */
const MAX_ENTRIES = 10;

/**
 * The service's event bus (API.md "Token events out"): PutEvents, source `api-tokens`, the event's own
 * detail-type and detail, its time the change's. A partial failure (EventBridge answers 200 and names the failed
 * entries) is an error too, so the outbox record is retried whole: subscribers drop the repeats by `eventId`.
 */
export class EventBridgeTokenEvents {
  private readonly client: EventBridgeClient;

  constructor(
    private readonly busName: string,
    /** Local mode only: the local server's stand-in for EventBridge. */
    endpoint?: string,
  ) {
    this.client = new EventBridgeClient({
      maxAttempts: 4,
      ...(endpoint ? { endpoint, region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
    });
  }

  async publish(events: readonly TokenEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_ENTRIES) {
      const batch = events.slice(start, start + MAX_ENTRIES);
      const answer = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: TOKEN_EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            Time: new Date(String(event.detail.at)),
          })),
        }),
      );
      if ((answer.FailedEntryCount ?? 0) > 0) {
        const codes = (answer.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
        throw new Error(`EventBridge refused ${answer.FailedEntryCount} of ${batch.length} events: ${[...new Set(codes)].join(", ")}`);
      }
    }
  }
}
