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
  /**
   * The tokens table's indexes it queries that are granted by name only (`grantedByName` in the table
   * definition): Query on each of them, on its own ARN. Indexes without that flag come with any access that
   * includes Query.
   */
  readonly indexes?: readonly string[];
  /**
   * Scan the tokens table (with a filter): only operator functions that must visit every item (a backfill).
   * No route or event handler scans.
   */
  readonly scan?: boolean;
  /** The function's timeout, when the shared 10 s is not right. */
  readonly timeoutSeconds?: number;
  /**
   * A hot path (verify, the token authorizer): no log line per invocation. Lambda's own START/REPORT lines are
   * left out (system log level WARN; duration, errors and throttles stay in Lambda's free metrics) and metrics
   * are buffered (OperationFunction's `hotPath`). At a verification per call those lines would cost more in log
   * ingestion than the DynamoDB read (README, Performance).
   */
  readonly hotPath?: boolean;
}

/**
 * "lookup": read items by key only (GetItem, BatchGetItem), no Query of the table or of its indexes (add the
 * indexes it queries in `indexes`); "read" adds Query; "readWrite" adds the writes. "revoke": GetItem and UpdateItem
 * only (read a token, revoke it and drop it from its set, or mark its expiry). "leakReportCounters": UpdateItem
 * of the leaked-token report counters only (items whose key begins with LEAK_REPORT_COUNTER_PREFIX), nothing else.
 */
export type TableAccess = "none" | "lookup" | "read" | "readWrite" | "revoke" | "leakReportCounters";
export type ActivityAccess = "none" | "append" | "read";
