import type { FunctionDefinition } from "../function-definition.ts";

/**
 * The functions that are neither a route nor an event handler: the Lambda authorizer other APIs attach, the
 * tokens table's stream consumer, and the operator functions run from the AWS console (each with a shareable
 * test event, see `console-test-events.ts`).
 */
export interface ExtraFunctionDefinition extends FunctionDefinition {
  /** Each sets its own timeout. */
  readonly timeoutSeconds: number;
}

/** The Lambda REQUEST authorizer behind the `TokenAuthorizer` construct: verifies API tokens like POST /v1/verify. */
export const tokenAuthorizerFunction = {
  operation: "token-authorizer",
  handlerModule: "functions/authorizers/token-authorizer.ts",
  // Verification records use (lastUsedAt, expiry) and the first-found `token.expired`.
  tableAccess: "readWrite",
  activityAccess: "append",
  // API Gateway waits at most 10 s for an authorizer.
  timeoutSeconds: 10,
  hotPath: true,
} as const satisfies ExtraFunctionDefinition;

/**
 * The tokens table's DynamoDB stream (OLD_IMAGE), through an event source mapping filtered to TTL deletions:
 * records `token.expired` for the tokens nobody found expired before TTL removed them.
 */
export const onTokenDeletedFunction = {
  operation: "on-token-deleted",
  handlerModule: "functions/streams/on-token-deleted.ts",
  // One transaction per deleted token: PutItem of its marker item (conditional) and the activity record.
  tableAccess: "readWrite",
  activityAccess: "append",
  // A batch of up to 100 TTL deletions, one transaction each (bisected on failure, see the stack).
  timeoutSeconds: 60,
} as const satisfies ExtraFunctionDefinition;

/**
 * The activity table's DynamoDB stream (NEW_IMAGE), through an event source mapping filtered to inserted outbox
 * items: puts the token events on the service's bus (API.md "Token events out"). Reads no table: the stream
 * records carry the events.
 */
export const publishTokenEventsFunction = {
  operation: "publish-token-events",
  handlerModule: "functions/streams/publish-token-events.ts",
  tableAccess: "none",
  activityAccess: "none",
  // A batch of up to 100 outbox records, a PutEvents each (bisected on failure, see the stack).
  timeoutSeconds: 60,
} as const satisfies ExtraFunctionDefinition;

/**
 * The leak reports' queue (SQS, through an event source mapping): revokes each live token a
 * `POST /v1/revoke-leaked` report named. Reads a token, revokes it (the token and its set: UpdateItem) with its
 * activity, or records its expiry; nothing more.
 */
export const onLeakReportFunction = {
  operation: "on-leak-report",
  handlerModule: "functions/queues/on-leak-report.ts",
  tableAccess: "revoke",
  activityAccess: "append",
  // Up to 10 reports of up to 100 tokens each, one read and at most one transaction per token.
  timeoutSeconds: 60,
} as const satisfies ExtraFunctionDefinition;

/** Operator: revoke every active user token of one person in one organization (recorded in the activity log). */
export const revokeUserTokensFunction = {
  operation: "revoke-user-tokens",
  handlerModule: "functions/operations/revoke-user-tokens.ts",
  tableAccess: "readWrite",
  activityAccess: "append",
  timeoutSeconds: 30,
} as const satisfies ExtraFunctionDefinition;

/**
 * Operator: hand the events parked in a lifecycle handler's dead-letter queue back to that handler. Not
 * on-token-deleted's queue: its messages point into the tokens table's stream (which keeps records 24 hours);
 * they are not events a handler could be invoked with again.
 */
export const redriveDeadLettersFunction = {
  operation: "redrive-dead-letters",
  handlerModule: "functions/operations/redrive-dead-letters.ts",
  // Only SQS and Lambda: it never touches a table.
  tableAccess: "none",
  activityAccess: "none",
  // Up to 100 messages, each an invocation and a delete; its received messages stay hidden for 60 s.
  timeoutSeconds: 60,
} as const satisfies ExtraFunctionDefinition;

/**
 * Operator: give membership items written before the `byPerson` index existed its attributes (README "Deploy",
 * upgrade notes). The one function that may Scan the tokens table; it updates membership items only.
 */
export const backfillPersonIndexFunction = {
  operation: "backfill-person-index",
  handlerModule: "functions/operations/backfill-person-index.ts",
  tableAccess: "readWrite",
  activityAccess: "none",
  scan: true,
  // Up to 100 scan pages of 1,000 items, each found membership one conditional update (16 in flight).
  timeoutSeconds: 300,
} as const satisfies ExtraFunctionDefinition;

export const operatorFunctions = [revokeUserTokensFunction, redriveDeadLettersFunction, backfillPersonIndexFunction] as const;
