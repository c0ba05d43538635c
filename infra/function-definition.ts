/**
 * The one shape of a function definition: the routes (routes.ts), the lifecycle event handlers
 * (event-rules.ts), the tokens table's stream consumer, the token authorizer and the operator functions
 * (ops/operator-functions.ts) all extend it, and the stack makes every one of them in one loop
 * (constructs/operation-functions.ts).
 */
export interface FunctionDefinition {
  /** The operation's name: the function's description, logical name and the key of its console test events. */
  readonly operation: string;
  /** Handler module, relative to the repository root. It exports `handler`. */
  readonly handlerModule: string;
  /** What the function may do with the tokens table: least privilege per function ("none": no table at all). */
  readonly tableAccess: TableAccess;
  /**
   * What it may do with the activity log: "append" (PutItem only) where it records actions, "read" (Query
   * only) for the activity route. No function may update or delete a record.
   */
  readonly activityAccess: ActivityAccess;
  /** The function's timeout, when the shared 10 s is not right. */
  readonly timeoutSeconds?: number;
  /**
   * A hot path (verify, the token authorizer): Lambda's own per-invocation START/REPORT lines are left out of
   * its log group (system log level WARN). At a verification per call they would cost more in log ingestion
   * than the DynamoDB read (README, Performance); duration, errors and throttles stay in Lambda's free metrics.
   */
  readonly hotPath?: boolean;
}

export type TableAccess = "none" | "read" | "readWrite";
export type ActivityAccess = "none" | "append" | "read";
