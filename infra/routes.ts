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

export interface RouteDefinition {
  /** Also the function's logical name: one Lambda per operation. */
  readonly operation: string;
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly path: string;
  /** Handler module, relative to the repository root. It exports `handler`. */
  readonly handlerModule: string;
  readonly auth: RouteAuth;
  /** What the function may do with the table: least privilege per function. */
  readonly tableAccess: "read" | "readWrite";
}

export const routes: readonly RouteDefinition[] = [
  {
    operation: "generate-user-token",
    method: "POST",
    path: "/v1/orgs/{orgId}/tokens",
    handlerModule: "functions/api/generate-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
  },
  {
    operation: "list-user-tokens",
    method: "GET",
    path: "/v1/orgs/{orgId}/tokens",
    handlerModule: "functions/api/list-user-tokens.ts",
    auth: "session",
    tableAccess: "readWrite",
  },
  {
    operation: "revoke-user-token",
    method: "DELETE",
    path: "/v1/orgs/{orgId}/tokens/{tokenId}",
    handlerModule: "functions/api/revoke-user-token.ts",
    auth: "session",
    tableAccess: "readWrite",
  },
  {
    operation: "verify-token",
    method: "POST",
    path: "/v1/verify",
    handlerModule: "functions/api/verify-token.ts",
    auth: "iam",
    tableAccess: "readWrite",
  },
  {
    operation: "login-with-token",
    method: "POST",
    path: "/v1/login",
    handlerModule: "functions/api/login-with-token.ts",
    auth: "none",
    tableAccess: "readWrite",
  },
];
