import type { ActivityRecord } from "../../../domain/model.ts";
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
  toItem: (record: ActivityRecord): Item => ({
    ...keys.activity(record.orgId, record.at, record.id),
    type: activityRecordEntity.type,
    ...record,
  }),
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
