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
    description: 'Hourly: records the ends of rotations\' graces that no request found (API.md "Rotation")',
    everyHours: 1,
    handlerModule: "functions/schedules/record-due-work.ts",
    // Reads the index of work due (by name) and the tokens; records each grace's end with its activity.
    tableAccess: "readWrite",
    activityAccess: "append",
    indexes: ["byDueDay"],
    // 37 hourly pages of the index, and a transaction per token due.
    timeoutSeconds: 300,
  },
];
