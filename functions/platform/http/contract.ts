import * as z from "zod/mini";
import { ID_PATTERN } from "../../domain/ids.ts";
import { SERVICE_USER_TOKEN_LIMIT } from "../../domain/model.ts";
import { TOKEN_PREFIXES } from "../../domain/token-secret.ts";
import {
  createServiceUserRequestBody,
  generateServiceUserTokenRequestBody,
  generateUserTokenRequestBody,
  revokeLeakedRequestBody,
  rotateServiceUserTokenRequestBody,
  rotateUserTokenRequestBody,
  updateServiceUserRequestBody,
  verifyRequestBody,
} from "./request-bodies.ts";

/**
 * The HTTP contract of API.md as zod/mini schemas: what every route answers, success and error. The OpenAPI
 * generator (docs/generate-openapi.ts) turns these into docs/openapi.json; the handlers type their returned bodies
 * with `ResponseBody<operation>` (an `import type`, so no handler bundle carries these schemas and the verify
 * hot path parses nothing more), so a handler that answers another shape fails `tsc`.
 * Strict on purpose (strictObject, enums, formats): the e2e contract check (test/support/contract.ts)
 * rejects a body with a field too many, a wrong kind or a time that is not ISO-8601 UTC.
 */

const instant = z.iso.datetime();
const id = z.string().check(z.regex(ID_PATTERN));
const tokenId = z.string().check(z.regex(/^[0-9A-Za-z]{16}$/));
const tokenKind = z.enum(["user", "service_user"]);
const text = z.string().check(z.minLength(1));
const strings = z.array(z.string());
const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const secret = z.string().check(z.regex(new RegExp(`^(?:${Object.values(TOKEN_PREFIXES).map(escapeRegExp).join("|")})[0-9A-Za-z]{48}$`)));
const nextCursor = z.nullable(text);

/** API.md `Token`. */
export const tokenSchema = z.strictObject({
  id: tokenId,
  name: text,
  kind: tokenKind,
  ownerId: id,
  createdAt: instant,
  lastUsedAt: z.nullable(instant),
  expiresAt: instant,
  /** The last 4 characters of the secret. */
  hint: z.string().check(z.regex(/^[0-9A-Za-z]{4}$/)),
  /** Replaced by a rotation: it keeps working until then (API.md "Rotation"). */
  graceEndsAt: z.optional(instant),
});

/** The organization-wide view's `Token & { ownerName }`. */
export const adminTokenSchema = z.strictObject({ ...tokenSchema.shape, ownerName: text });

/** API.md `ServiceUser`. */
export const serviceUserSchema = z.strictObject({
  id,
  name: text,
  permissions: strings,
  createdAt: instant,
  createdBy: id,
  activeTokenCount: z.int().check(z.gte(0)),
});

/** The 201 of a generate: the only response that ever holds the secret. */
export const createdTokenSchema = z.strictObject({ token: tokenSchema, secret });

export const tokenListSchema = z.strictObject({ tokens: z.array(tokenSchema) });

export const serviceUserSchemaResponse = z.strictObject({ serviceUser: serviceUserSchema });

export const serviceUserPageSchema = z.strictObject({
  serviceUsers: z.array(serviceUserSchema),
  serviceTokens: z.strictObject({ active: z.int().check(z.gte(0)), limit: z.literal(SERVICE_USER_TOKEN_LIMIT) }),
  nextCursor,
});

export const adminTokenPageSchema = z.strictObject({ tokens: z.array(adminTokenSchema), nextCursor });

export const activityEventSchema = z.strictObject({
  at: instant,
  action: z.enum([
    "token.created",
    "token.revoked",
    "token.expired",
    "token.login",
    "token.rotated",
    "service_user.created",
    "service_user.updated",
    "service_user.deleted",
  ]),
  actor: z.strictObject({ type: z.enum(["user", "service_user", "system"]), id, name: text }),
  tokenId: z.optional(tokenId),
  detail: z.optional(z.record(z.string(), z.unknown())),
});

export const activityPageSchema = z.strictObject({ events: z.array(activityEventSchema), nextCursor });

export const verifyValidSchema = z.strictObject({
  valid: z.literal(true),
  orgId: id,
  tokenId,
  kind: tokenKind,
  principal: z.strictObject({ type: tokenKind, id, name: text }),
  permissions: strings,
  groups: strings,
  sites: strings,
  canLogin: z.boolean(),
});
export const verifyInvalidSchema = z.strictObject({
  valid: z.literal(false),
  reason: z.enum(["malformed", "not_found", "wrong_org", "revoked", "expired"]),
});
export const verifyResultSchema = z.union([verifyValidSchema, verifyInvalidSchema]);

export const loginSchema = z.strictObject({ orgId: id, user: z.strictObject({ id, name: text }) });

/** `GET /v1/token` (API.md "An integration's own token"). */
export const ownTokenSchema = z.strictObject({
  token: tokenSchema,
  orgId: id,
  principal: z.strictObject({ type: tokenKind, id, name: text }),
});

/** `POST /v1/revoke-leaked`: how many strings the report held, whatever they were. */
export const leakReportReceivedSchema = z.strictObject({ received: z.int().check(z.gte(1), z.lte(100)) });

/** `GET /v1/me` (API.md "The caller"). */
export const meSchema = z.strictObject({
  user: z.strictObject({ id, name: z.nullable(text) }),
  organizations: z.array(z.strictObject({ orgId: id, name: z.nullable(text), ssoEnforced: z.boolean(), admin: z.boolean() })),
});

/** `GET /openapi.json`: this document itself (described loosely: it describes itself). */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().check(z.regex(/^3\.1\.\d+$/)),
  info: z.looseObject({ title: text, version: text }),
  paths: z.record(z.string(), z.unknown()),
});

/** Every error code the service answers with, and its status (functions/platform/http/errors.ts maps them). */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  invalid_password: 403,
  login_not_allowed: 403,
  not_found: 404,
  token_limit_reached: 409,
  payload_too_large: 413,
  too_many_attempts: 429,
  internal_error: 500,
  unavailable: 503,
} as const;
export type ContractErrorCode = keyof typeof ERROR_STATUS;

/** API.md's error shape, with the codes a response may carry. */
export const errorSchema = (codes: readonly [ContractErrorCode, ...ContractErrorCode[]]) =>
  z.strictObject({ error: z.strictObject({ code: z.enum(codes), message: text, requestId: text }) });

/** Every route can answer these: the body is checked on every route, and every route reads the table. */
const COMMON_ERRORS = ["invalid_request", "payload_too_large", "unavailable", "internal_error"] as const;
const SESSION = ["unauthenticated", "forbidden"] as const;

export interface OperationContract {
  /** The success status and its body (none for 204). */
  readonly status: 200 | 201 | 202 | 204;
  readonly response?: z.ZodMiniType;
  readonly request?: z.ZodMiniType;
  /** `?limit=` and `?cursor=` (API.md "Conventions"). */
  readonly paged?: boolean;
  readonly errors: readonly ContractErrorCode[];
}

/** Per operation of infra/routes.ts (and `get-me`, which API.md adds): success status, bodies, error codes. */
export const operations = {
  "generate-user-token": {
    status: 201,
    request: generateUserTokenRequestBody,
    response: createdTokenSchema,
    errors: [...SESSION, ...COMMON_ERRORS, "too_many_attempts", "invalid_password", "token_limit_reached"],
  },
  "list-user-tokens": { status: 200, response: tokenListSchema, errors: [...SESSION, ...COMMON_ERRORS] },
  "rotate-user-token": {
    status: 201,
    request: rotateUserTokenRequestBody,
    response: createdTokenSchema,
    errors: [...SESSION, ...COMMON_ERRORS, "too_many_attempts", "invalid_password", "not_found"],
  },
  "revoke-user-token": { status: 204, errors: [...SESSION, ...COMMON_ERRORS, "not_found"] },
  "create-service-user": {
    status: 201,
    request: createServiceUserRequestBody,
    response: serviceUserSchemaResponse,
    errors: [...SESSION, ...COMMON_ERRORS],
  },
  "list-service-users": { status: 200, response: serviceUserPageSchema, paged: true, errors: [...SESSION, ...COMMON_ERRORS] },
  "update-service-user": {
    status: 200,
    request: updateServiceUserRequestBody,
    response: serviceUserSchemaResponse,
    errors: [...SESSION, ...COMMON_ERRORS, "not_found"],
  },
  "delete-service-user": { status: 204, errors: [...SESSION, ...COMMON_ERRORS, "not_found"] },
  "generate-service-user-token": {
    status: 201,
    request: generateServiceUserTokenRequestBody,
    response: createdTokenSchema,
    errors: [...SESSION, ...COMMON_ERRORS, "not_found", "token_limit_reached"],
  },
  "rotate-service-user-token": {
    status: 201,
    request: rotateServiceUserTokenRequestBody,
    response: createdTokenSchema,
    errors: [...SESSION, ...COMMON_ERRORS, "not_found"],
  },
  "list-service-user-tokens": { status: 200, response: tokenListSchema, errors: [...SESSION, ...COMMON_ERRORS, "not_found"] },
  "revoke-service-user-token": { status: 204, errors: [...SESSION, ...COMMON_ERRORS, "not_found"] },
  "list-organization-tokens": { status: 200, response: adminTokenPageSchema, paged: true, errors: [...SESSION, ...COMMON_ERRORS] },
  "revoke-organization-token": { status: 204, errors: [...SESSION, ...COMMON_ERRORS, "not_found"] },
  "list-activity": { status: 200, response: activityPageSchema, paged: true, errors: [...SESSION, ...COMMON_ERRORS] },
  "verify-token": { status: 200, request: verifyRequestBody, response: verifyResultSchema, errors: [...COMMON_ERRORS] },
  "login-with-token": { status: 200, response: loginSchema, errors: ["unauthenticated", "login_not_allowed", ...COMMON_ERRORS] },
  "get-own-token": { status: 200, response: ownTokenSchema, errors: ["unauthenticated", ...COMMON_ERRORS] },
  "revoke-own-token": { status: 204, errors: ["unauthenticated", ...COMMON_ERRORS] },
  "revoke-leaked": {
    status: 202,
    request: revokeLeakedRequestBody,
    response: leakReportReceivedSchema,
    errors: [...COMMON_ERRORS, "too_many_attempts"],
  },
  "get-openapi": { status: 200, response: openApiDocumentSchema, errors: [] },
  "get-me": { status: 200, response: meSchema, errors: ["unauthenticated", ...COMMON_ERRORS] },
} as const satisfies Record<string, OperationContract>;

export type OperationName = keyof typeof operations;

/** What a handler's `run` returns for an operation: `Promise<ResponseBody<"list-user-tokens">>`. */
export type ResponseBody<TOperation extends OperationName> = (typeof operations)[TOperation] extends {
  response: infer TSchema extends z.ZodMiniType;
}
  ? z.output<TSchema>
  : // biome-ignore lint/suspicious/noConfusingVoidType: a 204 route's `run` resolves to nothing.
    void;
