import type { ActivityRecord, TokenEvent } from "../../../domain/model.ts";
import { keys, queries, startKeys } from "../keys.ts";
import type { Entity, Item } from "./entity.ts";

/** An activity record, in the activity table: only ever added, never overwritten, updated or deleted. */
export const activityRecordEntity = {
  type: "activity",
  key: (record: Pick<ActivityRecord, "orgId" | "at" | "id">) => keys.activity(record.orgId, record.at, record.id),
  /** An organization's records, by time. */
  query: (orgId: string) => queries.activity(orgId),
  /** Where the list resumes after a record's time and id. */
  startKey: (orgId: string, at: string, eventId: string) => startKeys.activity(orgId, at, eventId),
  toItem: (record: ActivityRecord): Item => {
    const { events, ...rest } = record;
    return {
      ...keys.activity(record.orgId, record.at, record.id),
      type: activityRecordEntity.type,
      ...rest,
      ...(events && events.length > 0 ? outbox(events) : {}),
    };
  },
  fromItem: (item: Item): ActivityRecord => ({
    orgId: item.orgId as string,
    id: item.id as string,
    at: item.at as string,
    action: item.action as ActivityRecord["action"],
    actor: item.actor as ActivityRecord["actor"],
    ...(item.tokenId ? { tokenId: item.tokenId as string } : {}),
    ...(item.detail ? { detail: item.detail as Record<string, unknown> } : {}),
  }),
} as const satisfies Entity<ActivityRecord> & Record<string, unknown>;

/**
 * The outbox attributes of an activity-table item (API.md "Token events out"): the events to publish, and the
 * flag the publisher's stream filter matches (`OUTBOX_FLAG`), so items without events never invoke it.
 */
export const OUTBOX_FLAG = "publish";
export const OUTBOX_EVENTS = "events";
export const outbox = (events: readonly TokenEvent[]): Item => ({ [OUTBOX_FLAG]: true, [OUTBOX_EVENTS]: events });
