import type { ActivityRecord, Page } from "../../domain/model.ts";
import type { ActivityLog } from "../../domain/ports.ts";
import { activityRecordEntity } from "./entities/activity-record.ts";
import type { Pager } from "./paging.ts";
import type { StoreTable } from "./table.ts";

/**
 * The DynamoDB adapter of `ActivityLog`: reads only. Records are appended by the other adapters, each in the
 * transaction of the change it records (writes.ts `appendActivity`).
 */
export class DynamoDbActivityLog implements ActivityLog {
  constructor(
    private readonly table: StoreTable,
    private readonly pager: Pager,
  ) {}

  async listActivity(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ActivityRecord>> {
    return this.pager.page(
      {
        list: "activity",
        orgId,
        query: {
          TableName: this.table.tables.activity,
          ...activityRecordEntity.query(orgId),
          ScanIndexForward: false,
          ConsistentRead: true,
        },
        convert: activityRecordEntity.fromItem,
        position: (record) => [record.at, record.id],
        startKey: ([at, eventId]) => activityRecordEntity.startKey(orgId, at!, eventId!),
        positionLength: 2,
      },
      limit,
      cursor,
    );
  }
}
