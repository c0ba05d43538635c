import type { FunctionDefinition, TableAccess } from "./function-definition.ts";

/**
 * The one route table: the CDK app makes an API Gateway route and a Lambda function for each entry, and the
 * local server serves the same paths by invoking the same handler modules. Paths use API Gateway's `{param}` form.
 */
export type RouteAuth =
  /** A person's session: API Gateway's JWT authorizer (locally: the local server checks the JWT the same way). */
  | "session"
  /** Other services of the platform: IAM (SigV4) in AWS; open locally. */
  | "iam"
  /** No authorizer: the handler authenticates the API token in the Authorization header itself. */
  | "none";

export interface RouteDefinition extends FunctionDefinition {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly path: string;
  readonly auth: RouteAuth;
  /**
   * Every API route reads the tokens table, but two: the OpenAPI document's route has none, and revoke-leaked
   * only counts reports in it (`leakReportCounters`).
   */
  readonly tableAccess: TableAccess;
  /** Re-checks the person's password with the identity provider (its environment and its IAM permission). */
  readonly checksPassword?: true;
}

/**
 * Lists and verification also write: the first request that finds a token expired records its
 * `token.expired` (API.md "Activity"), so they append to the activity log too.
 */
export const routes: readonly RouteDefinition[] = [
  {
    operation: "generate-user-token",
    method: "POST",
    path: "/v1/orgs/{orgId}/tokens",
    handlerModule: "functions/api/generate-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
    checksPassword: true,
    // Simultaneous generates of one person wait for each other's password checks (up to MAX_WAIT_MS, 24 s,
    // in functions/domain/password-throttle.ts) instead of failing. Under API Gateway's 30 s, and no longer
    // than PENDING_TIMEOUT_MS (30 s), after which a check's throttle place counts as abandoned.
    timeoutSeconds: 29,
  },
  {
    operation: "list-user-tokens",
    method: "GET",
    path: "/v1/orgs/{orgId}/tokens",
    handlerModule: "functions/api/list-user-tokens.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "rotate-user-token",
    method: "POST",
    path: "/v1/orgs/{orgId}/tokens/{tokenId}/rotate",
    handlerModule: "functions/api/rotate-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
    checksPassword: true,
    // Waits for the person's other password checks, as generate does.
    timeoutSeconds: 29,
  },
  {
    operation: "revoke-user-token",
    method: "DELETE",
    path: "/v1/orgs/{orgId}/tokens/{tokenId}",
    handlerModule: "functions/api/revoke-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "create-service-user",
    method: "POST",
    path: "/v1/orgs/{orgId}/service-users",
    handlerModule: "functions/api/create-service-user.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "list-service-users",
    method: "GET",
    path: "/v1/orgs/{orgId}/service-users",
    handlerModule: "functions/api/list-service-users.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "update-service-user",
    method: "PATCH",
    path: "/v1/orgs/{orgId}/service-users/{serviceUserId}",
    handlerModule: "functions/api/update-service-user.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "delete-service-user",
    method: "DELETE",
    path: "/v1/orgs/{orgId}/service-users/{serviceUserId}",
    handlerModule: "functions/api/delete-service-user.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "generate-service-user-token",
    method: "POST",
    path: "/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens",
    handlerModule: "functions/api/generate-service-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "list-service-user-tokens",
    method: "GET",
    path: "/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens",
    handlerModule: "functions/api/list-service-user-tokens.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "rotate-service-user-token",
    method: "POST",
    path: "/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens/{tokenId}/rotate",
    handlerModule: "functions/api/rotate-service-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "revoke-service-user-token",
    method: "DELETE",
    path: "/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens/{tokenId}",
    handlerModule: "functions/api/revoke-service-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "list-organization-tokens",
    method: "GET",
    path: "/v1/orgs/{orgId}/admin/tokens",
    handlerModule: "functions/api/list-organization-tokens.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "revoke-organization-token",
    method: "DELETE",
    path: "/v1/orgs/{orgId}/admin/tokens/{tokenId}",
    handlerModule: "functions/api/revoke-organization-token.ts",
    auth: "session",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "list-activity",
    method: "GET",
    path: "/v1/orgs/{orgId}/activity",
    handlerModule: "functions/api/list-activity.ts",
    auth: "session",
    tableAccess: "read",
    activityAccess: "read",
  },
  {
    // The person behind the session, under no organization: the index of their memberships and one batch read.
    operation: "get-me",
    method: "GET",
    path: "/v1/me",
    handlerModule: "functions/api/get-me.ts",
    auth: "session",
    tableAccess: "lookup",
    indexes: ["byPerson"],
    activityAccess: "none",
  },
  {
    operation: "verify-token",
    method: "POST",
    path: "/v1/verify",
    handlerModule: "functions/api/verify-token.ts",
    auth: "iam",
    tableAccess: "readWrite",
    activityAccess: "append",
    hotPath: true,
  },
  {
    operation: "login-with-token",
    method: "POST",
    path: "/v1/login",
    handlerModule: "functions/api/login-with-token.ts",
    auth: "none",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    // An integration's own token (API.md): authenticated by the API token in the header, like login. Counts as
    // use (a write), and records an expiry it finds.
    operation: "get-own-token",
    method: "GET",
    path: "/v1/token",
    handlerModule: "functions/api/get-own-token.ts",
    auth: "none",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "revoke-own-token",
    method: "DELETE",
    path: "/v1/token",
    handlerModule: "functions/api/revoke-own-token.ts",
    auth: "none",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    // Leaked-token reports (API.md): no authentication, answered 202 before any lookup. The function reads no
    // token: it writes its throttle counters (the tokens table, counter items only) and sends to the queue that
    // on-leak-report works through (the stack adds both grants).
    operation: "revoke-leaked",
    method: "POST",
    path: "/v1/revoke-leaked",
    handlerModule: "functions/api/revoke-leaked.ts",
    auth: "none",
    tableAccess: "leakReportCounters",
    activityAccess: "none",
  },
  {
    // The OpenAPI document (docs/openapi.json, bundled into the function), for anyone: the public contract.
    operation: "get-openapi",
    method: "GET",
    path: "/openapi.json",
    handlerModule: "functions/api/get-openapi.ts",
    auth: "none",
    tableAccess: "none",
    activityAccess: "none",
  },
];
