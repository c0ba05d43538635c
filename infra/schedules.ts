import type { FunctionDefinition } from "./function-definition.ts";

/**
 * The service's scheduled jobs: the stack makes an EventBridge Scheduler schedule for each (invoking its
 * function asynchronously, with an on-failure queue), and the local server runs each one after its test clock
 * moves (POST /local/clock), as if the hours skipped had passed.
 */
export interface ScheduleDefinition extends FunctionDefinition {
  readonly description: string;
  /** How often it runs, in hours. */
  readonly everyHours: number;
  readonly timeoutSeconds: number;
}

export const schedules: readonly ScheduleDefinition[] = [
  {
    operation: "record-due-work",
    description:
      "Hourly: records the expiries and the ends of rotations' graces that no request found, and publishes the expiry " +
      'warnings (API.md "Activity", "Rotation", "Token events out")',
    everyHours: 1,
    handlerModule: "functions/schedules/record-due-work.ts",
    // Reads the index of work due (by name) and the tokens; records each expiry and grace's end with its activity,
    // and writes each expiry warning to the outbox (the activity table).
    tableAccess: "readWrite",
    activityAccess: "append",
    indexes: ["byDueDay"],
    // The day buckets the 36-hour look-back touches (2-3 days x 4 shards: 8-12 queries of the index), and a
    // conditional write per token due.
    timeoutSeconds: 300,
  },
];
