/**
 * The OpenAPI document's words and examples: what each status, error code and operation means, the example
 * bodies (test/unit/openapi.test.ts checks each against its schema), the parameters' descriptions and the
 * security of each kind of route. docs/generate-openapi.ts assembles the document from these, the route table
 * and the contract's schemas.
 */
import type { ContractErrorCode, OperationName } from "../functions/platform/http/contract.ts";
import type { RouteAuth } from "../infra/routes.ts";

type JsonObject = Record<string, unknown>;

export const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content: no body",
  400: "The request is malformed: bad JSON, wrong types, unknown fields, a bad name, or a bad `limit`/`cursor`",
  401: "No valid session or API token",
  403: "Not allowed",
  404: "No such item among those this route lets the caller act on",
  409: "A token limit is reached",
  413: "The request body is over 16 KiB",
  429: "Too many wrong passwords: token generation is locked for a while (see `Retry-After`)",
  500: "An unexpected failure; the message names the request id, never the cause",
  503: "The database could not complete the request after retries; nothing was changed",
};

export const CODE_TEXT: Record<ContractErrorCode, string> = {
  invalid_request: "malformed JSON, wrong types, unknown fields, bad name",
  unauthenticated: "no session, bad signature, expired session (or, on token routes, no valid API token)",
  forbidden: "the caller is not an active member of the organization, or lacks `api-tokens:admin` for an admin route",
  invalid_password: "the password given to generate a user token is wrong or missing (and the organization does not enforce SSO)",
  login_not_allowed: "a service-user token was used to log in",
  not_found: "no such token or service user among those this route lets the caller act on",
  token_limit_reached:
    "the user already has 10 active user tokens in this organization, or the organization already has 20 active service-user tokens",
  payload_too_large: "request body over 16 KiB",
  too_many_attempts: "too many wrong passwords for this person in a short window",
  internal_error: "an unexpected failure (a bug, or an identity provider that did not answer)",
  unavailable: "the database could not complete the request after retries; nothing was changed",
};

export interface Described {
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
}
export const DESCRIPTIONS: Record<OperationName, Described> = {
  "generate-user-token": {
    tag: "User tokens",
    summary: "Generate a user API token",
    description:
      "Makes a user API token for the caller in this organization. `password` is required unless the organization enforces SSO (then it is ignored). " +
      "The secret is in this response only. 5 failed password checks in 15 minutes lock generation for 15 minutes (429).",
  },
  "list-user-tokens": {
    tag: "User tokens",
    summary: "List the caller's user tokens",
    description: "The caller's active user tokens in this organization, newest first, whole (at most 10).",
  },
  "rotate-user-token": {
    tag: "User tokens",
    summary: "Regenerate (rotate) one of the caller's user tokens",
    description:
      "A new token with the same name; the old one keeps working for `graceSeconds` (0–86400, default 0: it stops at once), never past its own expiry, " +
      "and is listed with `graceEndsAt` meanwhile without counting toward the limit. The password is needed as for generating (and locked alike). " +
      "A token in its grace cannot be rotated (404); rotating ends at once the grace of the token it replaced.",
  },
  "revoke-user-token": {
    tag: "User tokens",
    summary: "Revoke one of the caller's user tokens",
    description: "Revoking twice: 404 the second time.",
  },
  "create-service-user": { tag: "Service users", summary: "Create a service user", description: "Requires `api-tokens:admin`." },
  "list-service-users": {
    tag: "Service users",
    summary: "List service users",
    description:
      "A page of the organization's service users, in creation order, and the organization's active service-user tokens against the limit.",
  },
  "update-service-user": {
    tag: "Service users",
    summary: "Rename a service user or change its permissions",
    description: "Takes effect on the next verification of its tokens. Give `name`, `permissions` or both.",
  },
  "delete-service-user": { tag: "Service users", summary: "Delete a service user", description: "All its tokens are revoked." },
  "generate-service-user-token": {
    tag: "Service users",
    summary: "Generate a service-user token",
    description: "No password: service-user tokens are made by admins for systems. At most 20 active per organization.",
  },
  "rotate-service-user-token": {
    tag: "Service users",
    summary: "Regenerate (rotate) a service user's token",
    description:
      "A new token with the same name and service user; the old one keeps working for `graceSeconds` (0–86400, default 0), never past its own expiry. " +
      "No password. A token in its grace cannot be rotated (404).",
  },
  "list-service-user-tokens": {
    tag: "Service users",
    summary: "List a service user's tokens",
    description: "Whole: at most 20, newest first.",
  },
  "revoke-service-user-token": { tag: "Service users", summary: "Revoke a service user's token" },
  "list-organization-tokens": {
    tag: "Organization",
    summary: "List every active token of the organization",
    description: "Both kinds, newest first, with the owner's name. Requires `api-tokens:admin`.",
  },
  "revoke-organization-token": {
    tag: "Organization",
    summary: "Revoke any token of the organization",
    description: "An admin revokes anyone's token in the organization.",
  },
  "list-activity": {
    tag: "Organization",
    summary: "The organization's activity",
    description:
      "Newest first. Actions caused by lifecycle events or by expiry have the actor `{ type: system, id: system, name: System }` and say why in `detail.reason`.",
  },
  "verify-token": {
    tag: "Using a token",
    summary: "Verify an API token",
    description:
      "Always 200 for a well-formed request: `valid: true` with the principal's current access, or `valid: false` with the first reason of malformed, not_found, wrong_org, revoked, expired. " +
      "A successful verification counts as use. In AWS the route is protected with IAM (SigV4); locally it needs no credentials.",
  },
  "login-with-token": {
    tag: "Using a token",
    summary: "Log in with a user API token",
    description: "Takes no body or `{}`. A service-user token gets 403 `login_not_allowed`; anything invalid 401. Counts as use.",
  },
  "get-own-token": {
    tag: "Using a token",
    summary: "What am I: the API token's own view",
    description:
      "Authenticated by the API token itself (`Authorization: Bearer <API token>`), of either kind. Counts as use, as a verification does. " +
      "Anything that is not a live API token (malformed, unknown, revoked, expired, a session JWT) gets 401.",
  },
  "revoke-own-token": {
    tag: "Using a token",
    summary: "Revoke the API token itself",
    description:
      'Authenticated by the API token itself. The activity log records `token.revoked` with the token\'s owner as actor and `detail.reason: "self"`. 401 for anything not live.',
  },
  "revoke-leaked": {
    tag: "Using a token",
    summary: "Report leaked API tokens",
    description:
      "No authentication: anyone who finds a leaked token (a secret scanner, a stranger) can stop it. Always 202 `{ received }` for a well-formed report, " +
      'whatever each string was: the answer comes before any lookup. Each live token is then revoked within seconds (activity actor System, `detail.reason: "leaked"`). ' +
      "Throttled: 10 reports a minute per source address, 100 a minute per relaying address (a CloudFront edge), 1000 a minute for the route; beyond, 429 with `Retry-After`.",
  },
  "get-openapi": {
    tag: "The API",
    summary: "This OpenAPI document",
    description: "The API's OpenAPI 3.1 document, for anyone: no authentication.",
  },
  "get-me": {
    tag: "The caller",
    summary: "The caller and their organizations",
    description:
      "The organizations where the caller is an active member, sorted by `orgId` (`admin`: holds `api-tokens:admin` there). A person with no active membership gets 200 with an empty list.",
  },
};

export const EXAMPLE_TOKEN = {
  id: "0mx2u3l5eUK94BJ5",
  name: "Power BI export",
  kind: "user",
  ownerId: "auth0|5f1c2d",
  createdAt: "2026-11-27T10:00:00.000Z",
  lastUsedAt: null,
  expiresAt: "2026-12-27T10:00:00.000Z",
  hint: "Xy7Q",
};
export const EXAMPLE_SERVICE_USER = {
  id: "su_0mx2u3l5eUK94BJ5cbi",
  name: "Nightly export",
  permissions: ["reports:read"],
  createdAt: "2026-11-27T10:00:00.000Z",
  createdBy: "auth0|5f1c2d",
  activeTokenCount: 1,
};
/** One example per success body; test/unit/openapi.test.ts checks each against its schema. */
export const SUCCESS_EXAMPLES: Partial<Record<OperationName, Record<string, unknown>>> = {
  "generate-user-token": { token: EXAMPLE_TOKEN, secret: `atk_user_0mx2u3l5eUK94BJ5${"a".repeat(26)}b3Xy7Q` },
  "list-user-tokens": { tokens: [EXAMPLE_TOKEN] },
  "rotate-user-token": { token: EXAMPLE_TOKEN, secret: `atk_user_0mx2u3l5eUK94BJ5${"e".repeat(26)}f5Xy7Q` },
  "rotate-service-user-token": {
    token: { ...EXAMPLE_TOKEN, kind: "service_user", ownerId: EXAMPLE_SERVICE_USER.id, name: "warehouse sync" },
    secret: `atk_svc_0mx2u3l5eUK94BJ5${"g".repeat(26)}h6Xy7Q`,
  },
  "create-service-user": { serviceUser: { ...EXAMPLE_SERVICE_USER, activeTokenCount: 0 } },
  "list-service-users": { serviceUsers: [EXAMPLE_SERVICE_USER], serviceTokens: { active: 1, limit: 20 }, nextCursor: null },
  "update-service-user": { serviceUser: EXAMPLE_SERVICE_USER },
  "generate-service-user-token": {
    token: { ...EXAMPLE_TOKEN, kind: "service_user", ownerId: EXAMPLE_SERVICE_USER.id, name: "warehouse sync" },
    secret: `atk_svc_0mx2u3l5eUK94BJ5${"c".repeat(26)}d4Xy7Q`,
  },
  "list-service-user-tokens": { tokens: [{ ...EXAMPLE_TOKEN, kind: "service_user", ownerId: EXAMPLE_SERVICE_USER.id }] },
  "list-organization-tokens": { tokens: [{ ...EXAMPLE_TOKEN, ownerName: "Ada Lovelace" }], nextCursor: "WyJ0b2siXQ.c2lnbmF0dXJl" },
  "list-activity": {
    events: [
      {
        at: "2026-11-27T10:00:00.000Z",
        action: "token.created",
        actor: { type: "user", id: "auth0|5f1c2d", name: "Ada Lovelace" },
        tokenId: EXAMPLE_TOKEN.id,
        detail: { name: "Power BI export", kind: "user" },
      },
    ],
    nextCursor: null,
  },
  "verify-token": {
    valid: true,
    orgId: "acme",
    tokenId: EXAMPLE_TOKEN.id,
    kind: "user",
    principal: { type: "user", id: "auth0|5f1c2d", name: "Ada Lovelace" },
    permissions: ["reports:read"],
    groups: ["finance"],
    sites: ["berlin"],
    canLogin: true,
  },
  "login-with-token": { orgId: "acme", user: { id: "auth0|5f1c2d", name: "Ada Lovelace" } },
  "revoke-leaked": { received: 2 },
  "get-own-token": {
    token: { ...EXAMPLE_TOKEN, lastUsedAt: "2026-11-28T08:00:00.000Z", expiresAt: "2026-12-28T08:00:00.000Z" },
    orgId: "acme",
    principal: { type: "user", id: "auth0|5f1c2d", name: "Ada Lovelace" },
  },
  "get-me": {
    user: { id: "auth0|5f1c2d", name: "Ada Lovelace" },
    organizations: [{ orgId: "acme", name: "Acme", ssoEnforced: false, admin: true }],
  },
};
export const REQUEST_EXAMPLES: Partial<Record<OperationName, Record<string, unknown>>> = {
  "generate-user-token": { name: "Power BI export", password: "correct horse battery staple" },
  "create-service-user": { name: "Nightly export", permissions: ["reports:read"] },
  "update-service-user": { permissions: ["reports:read", "exports:write"] },
  "generate-service-user-token": { name: "warehouse sync" },
  "rotate-user-token": { password: "correct horse battery staple", graceSeconds: 3600 },
  "rotate-service-user-token": { graceSeconds: 86400 },
  "verify-token": { token: "atk_user_…", orgId: "acme" },
  "revoke-leaked": { tokens: ["atk_user_…", "atk_svc_…"] },
};

export const SECURITY: Record<RouteAuth, JsonObject[]> = {
  session: [{ session: [] }],
  iam: [{ iam: [] }],
  none: [{ apiToken: [] }],
};

export const PATH_PARAMETERS: Record<string, JsonObject> = {
  orgId: {
    description: "The organization (API.md id: 1–128 letters, digits and `. _ : @ | -`).",
    schema: { type: "string", minLength: 1, maxLength: 128 },
  },
  serviceUserId: { description: "A service user of the organization.", schema: { type: "string", minLength: 1, maxLength: 128 } },
  tokenId: { description: "A token's `id` (as listed; never its secret).", schema: { type: "string", minLength: 1 } },
};

export const PAGE_PARAMETERS: JsonObject[] = [
  {
    name: "limit",
    in: "query",
    required: false,
    description: "Items per page, 1–200.",
    schema: { type: "integer", minimum: 1, maximum: 200, default: 50 },
  },
  {
    name: "cursor",
    in: "query",
    required: false,
    description:
      "The `nextCursor` of the previous page; leave out for the first page. Opaque; works only for the list and organization it came from.",
    schema: { type: "string", minLength: 1 },
  },
];

export const NAME_RULES =
  "1–100 Unicode code points after trimming surrounding white space, well-formed Unicode, no control characters, " +
  "no bidirectional override or isolate controls (U+202A–U+202E, U+2066–U+2069), at least one visible character. Stored trimmed.";

export const RETRY_AFTER = {
  "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 0 } },
};
