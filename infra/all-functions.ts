import { eventRules } from "./event-rules.ts";
import type { FunctionDefinition } from "./function-definition.ts";
import {
  backfillPersonIndexFunction,
  onLeakReportFunction,
  onTokenDeletedFunction,
  publishTokenEventsFunction,
  redriveDeadLettersFunction,
  revokeUserTokensFunction,
  tokenAuthorizerFunction,
} from "./ops/operator-functions.ts";
import { routes } from "./routes.ts";
import { schedules } from "./schedules.ts";

/**
 * Every function the stack makes, grouped by how it is invoked. The stack makes its function plans from these
 * groups (api-token-service-stack.ts), and `npm run bench` bundles every one of them from the same lists.
 */
export const functionGroups = {
  /** API Gateway routes (synchronous). */
  routes,
  /** EventBridge rules (asynchronous, with an on-failure queue). */
  eventHandlers: eventRules,
  /** EventBridge Scheduler (asynchronous, with an on-failure queue): the hourly job. */
  scheduled: schedules,
  /**
   * A table's stream (an event source mapping each): the tokens table's TTL deletions, the activity table's
   * outbox. The stack wires each one by name to its stream.
   */
  streamConsumers: [onTokenDeletedFunction, publishTokenEventsFunction],
  /** The leak reports' queue (an event source mapping). */
  queueConsumers: [onLeakReportFunction],
  /** The token authorizer (API Gateway) and the operator functions (the console): synchronous. */
  invokedDirectly: [tokenAuthorizerFunction, revokeUserTokensFunction, redriveDeadLettersFunction, backfillPersonIndexFunction],
} as const satisfies Record<string, readonly FunctionDefinition[]>;

/** Every function definition, in the order the stack makes them. */
export const allFunctionDefinitions: readonly FunctionDefinition[] = Object.values(functionGroups).flat();
