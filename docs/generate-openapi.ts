/**
 * Builds the OpenAPI 3.1 document of the HTTP API from the one route table (infra/routes.ts) and the contract's
 * zod/mini schemas (functions/platform/http/contract.ts, request-bodies.ts), with zod's own `toJSONSchema`:
 * request bodies as zod reads them ("input"), responses as the handlers write them ("output").
 * `npm run openapi` writes docs/openapi.json; test/unit/openapi.test.ts fails when that file is stale.
 * Runs at build time only: nothing here is bundled into a function.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import * as z from "zod/mini";
import { buildMarkdownReference } from "./openapi-markdown.ts";
import {
  type ContractErrorCode,
  ERROR_STATUS,
  type OperationContract,
  type OperationName,
  activityPageSchema,
  adminTokenPageSchema,
  createdTokenSchema,
  errorSchema,
  loginSchema,
  meSchema,
  openApiDocumentSchema,
  operations,
  serviceUserPageSchema,
  serviceUserSchema,
  serviceUserSchemaResponse,
  tokenListSchema,
  tokenSchema,
  adminTokenSchema,
  activityEventSchema,
  verifyInvalidSchema,
  verifyValidSchema,
} from "../functions/platform/http/contract.ts";
import {
  createServiceUserRequestBody,
  generateServiceUserTokenRequestBody,
  generateUserTokenRequestBody,
  updateServiceUserRequestBody,
  verifyRequestBody,
} from "../functions/platform/http/request-bodies.ts";
import { type RouteAuth, routes } from "../infra/routes.ts";

export const OPENAPI_PATH = fileURLToPath(new URL("../docs/openapi.json", import.meta.url));
/** The reference in Markdown, rendered from the document (openapi-markdown.ts). */
export const REFERENCE_PATH = fileURLToPath(new URL("../docs/api-reference.md", import.meta.url));
/** The document's types for the typed e2e client (openapi-fetch), generated beside it. */
export const CLIENT_TYPES_PATH = fileURLToPath(new URL("../test/support/openapi-types.ts", import.meta.url));

type JsonObject = Record<string, unknown>;

/** The routes the document describes: the route table, and `GET /v1/me` from API.md until the table has it. */
interface DocumentedRoute {
  readonly operation: OperationName;
  readonly method: string;
  readonly path: string;
  readonly auth: RouteAuth;
}
const GET_ME: DocumentedRoute = { operation: "get-me", method: "GET", path: "/v1/me", auth: "session" };

export function documentedRoutes(): DocumentedRoute[] {
  const table = routes.map((route) => {
    if (!(route.operation in operations)) throw new Error(`contract.ts has no entry for route ${route.operation}`);
    return { operation: route.operation as OperationName, method: route.method, path: route.path, auth: route.auth };
  });
  return table.some((route) => route.operation === GET_ME.operation) ? table : [...table, GET_ME];
}

/** Components, by name: what the generator puts under `components.schemas` and refers to. */
const RESPONSE_COMPONENTS = {
  Token: tokenSchema,
  AdminToken: adminTokenSchema,
  ServiceUser: serviceUserSchema,
  ActivityEvent: activityEventSchema,
  CreatedToken: createdTokenSchema,
  TokenList: tokenListSchema,
  ServiceUserResponse: serviceUserSchemaResponse,
  ServiceUserPage: serviceUserPageSchema,
  AdminTokenPage: adminTokenPageSchema,
  ActivityPage: activityPageSchema,
  VerifyValid: verifyValidSchema,
  VerifyInvalid: verifyInvalidSchema,
  Login: loginSchema,
  Me: meSchema,
  OpenApiDocument: openApiDocumentSchema,
} as const;
const REQUEST_COMPONENTS = {
  GenerateUserTokenRequest: generateUserTokenRequestBody,
  CreateServiceUserRequest: createServiceUserRequestBody,
  UpdateServiceUserRequest: updateServiceUserRequestBody,
  GenerateServiceUserTokenRequest: generateServiceUserTokenRequestBody,
  VerifyRequest: verifyRequestBody,
} as const;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** zod's JSON Schema of every schema of a registry, the named ones as `$ref`s to components. */
function componentSchemas(named: Record<string, z.ZodMiniType>, io: "input" | "output"): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    unrepresentable: "throw",
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutIds(schema as JsonObject)]));
}

/** Component schemas live in the document: no `$schema` or `$id` of their own. */
function withoutIds(schema: JsonObject): JsonObject {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** The component a schema was registered as (responses and request bodies are all registered). */
function componentName(named: Record<string, unknown>, schema: unknown): string {
  const found = Object.entries(named).find(([, candidate]) => candidate === schema);
  if (!found) throw new Error("a contract schema is not registered as a component in docs/generate-openapi.ts");
  return found[0];
}

const pascal = (code: string) => code.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
const errorComponentName = (codes: readonly ContractErrorCode[]) => `Error${codes.map(pascal).join("Or")}`;

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
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

const CODE_TEXT: Record<ContractErrorCode, string> = {
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

interface Described {
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
}
const DESCRIPTIONS: Record<OperationName, Described> = {
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

const EXAMPLE_TOKEN = {
  id: "0mx2u3l5eUK94BJ5",
  name: "Power BI export",
  kind: "user",
  ownerId: "auth0|5f1c2d",
  createdAt: "2026-11-27T10:00:00.000Z",
  lastUsedAt: null,
  expiresAt: "2026-12-27T10:00:00.000Z",
  hint: "Xy7Q",
};
const EXAMPLE_SERVICE_USER = {
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
  "get-me": {
    user: { id: "auth0|5f1c2d", name: "Ada Lovelace" },
    organizations: [{ orgId: "acme", name: "Acme", ssoEnforced: false, admin: true }],
  },
};
const REQUEST_EXAMPLES: Partial<Record<OperationName, Record<string, unknown>>> = {
  "generate-user-token": { name: "Power BI export", password: "correct horse battery staple" },
  "create-service-user": { name: "Nightly export", permissions: ["reports:read"] },
  "update-service-user": { permissions: ["reports:read", "exports:write"] },
  "generate-service-user-token": { name: "warehouse sync" },
  "verify-token": { token: "atk_user_…", orgId: "acme" },
};

const SECURITY: Record<RouteAuth, JsonObject[]> = {
  session: [{ session: [] }],
  iam: [{ iam: [] }],
  none: [{ apiToken: [] }],
};

const PATH_PARAMETERS: Record<string, JsonObject> = {
  orgId: {
    description: "The organization (API.md id: 1–128 letters, digits and `. _ : @ | -`).",
    schema: { type: "string", minLength: 1, maxLength: 128 },
  },
  serviceUserId: { description: "A service user of the organization.", schema: { type: "string", minLength: 1, maxLength: 128 } },
  tokenId: { description: "A token's `id` (as listed; never its secret).", schema: { type: "string", minLength: 1 } },
};

const PAGE_PARAMETERS: JsonObject[] = [
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

const NAME_RULES =
  "1–100 Unicode code points after trimming surrounding white space, well-formed Unicode, no control characters, " +
  "no bidirectional override or isolate controls (U+202A–U+202E, U+2066–U+2069), at least one visible character. Stored trimmed.";

const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 0 } } };

export function buildOpenApiDocument(): JsonObject {
  const errorComponents: Record<string, z.ZodMiniType> = {};
  const paths: Record<string, Record<string, JsonObject>> = {};

  for (const route of documentedRoutes()) {
    const contract: OperationContract = operations[route.operation];
    const described = DESCRIPTIONS[route.operation];
    const responses: Record<string, JsonObject> = {};
    if (contract.status === 204 || !contract.response) {
      responses[String(contract.status)] = { description: STATUS_TEXT[contract.status] };
    } else {
      const schema =
        route.operation === "verify-token"
          ? { oneOf: [ref("VerifyValid"), ref("VerifyInvalid")] }
          : ref(componentName(RESPONSE_COMPONENTS, contract.response));
      const example = SUCCESS_EXAMPLES[route.operation];
      responses[String(contract.status)] = {
        description: STATUS_TEXT[contract.status],
        content: { "application/json": { schema, ...(example ? { example } : {}) } },
      };
    }
    const byStatus = new Map<number, ContractErrorCode[]>();
    for (const code of contract.errors) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      const name = errorComponentName(codes);
      errorComponents[name] ??= errorSchema(codes as [ContractErrorCode, ...ContractErrorCode[]]);
      // API Gateway's own 401 (the JWT authorizer refused the session) has its own body.
      const schema = status === 401 && route.auth === "session" ? { anyOf: [ref(name), ref("ApiGatewayError")] } : ref(name);
      responses[String(status)] = {
        description: `${STATUS_TEXT[status]}. ${codes.map((code) => `\`${code}\`: ${CODE_TEXT[code]}`).join("; ")}.`,
        ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
        content: {
          "application/json": {
            schema,
            example: {
              error: { code: codes[0], message: "A sentence a person can act on.", requestId: "c0ffee00-0000-4000-8000-000000000000" },
            },
          },
        },
      };
    }
    if (route.auth === "iam") {
      responses["403"] = {
        description: "In AWS: API Gateway refused the request's IAM signature (SigV4). API Gateway's own body.",
        content: { "application/json": { schema: ref("ApiGatewayError") } },
      };
    }

    const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
      const parameter = PATH_PARAMETERS[name as string];
      if (!parameter) throw new Error(`no description of the path parameter ${name} in docs/generate-openapi.ts`);
      return { name, in: "path", required: true, ...parameter };
    });
    const requestExample = REQUEST_EXAMPLES[route.operation];
    const operation: JsonObject = {
      operationId: camel(route.operation),
      tags: [described.tag],
      summary: described.summary,
      ...(described.description ? { description: described.description } : {}),
      // The document itself is public: no credentials of any kind.
      security: route.operation === "get-openapi" ? [] : SECURITY[route.auth],
      ...(pathParameters.length > 0 || contract.paged
        ? { parameters: [...pathParameters, ...(contract.paged ? PAGE_PARAMETERS : [])] }
        : {}),
      ...(contract.request
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: ref(componentName(REQUEST_COMPONENTS, contract.request)),
                  ...(requestExample ? { example: requestExample } : {}),
                },
              },
            },
          }
        : {}),
      responses,
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }

  const requestSchemas = componentSchemas(REQUEST_COMPONENTS, "input");
  // The name rules are refinements, which JSON Schema cannot say: say them in words.
  for (const schema of Object.values(requestSchemas)) {
    const name = (schema.properties as Record<string, JsonObject> | undefined)?.name;
    if (name) name.description = NAME_RULES;
  }
  const schemas = {
    ...requestSchemas,
    ...componentSchemas({ ...RESPONSE_COMPONENTS, ...errorComponents }, "output"),
    ApiGatewayError: {
      type: "object",
      description: 'API Gateway\'s own rejection (in AWS only), e.g. `{ "message": "Unauthorized" }`.',
      properties: { message: { type: "string" } },
      required: ["message"],
    },
  };

  return {
    openapi: "3.1.0",
    info: {
      title: "API token service",
      version: "1.0.0",
      description:
        "API tokens for a multi-organization SaaS platform: user and service-user tokens, verification, expiry, revocation. " +
        "Generated from infra/routes.ts and functions/platform/http/contract.ts by `npm run openapi`; the prose contract is docs/api.md. " +
        "Every error the service itself answers has the body `{ error: { code, message, requestId } }`. Times are ISO-8601 UTC.",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [
      { url: "http://127.0.0.1:3000", description: "The local server (`npm start`)" },
      {
        url: "https://{apiId}.execute-api.{region}.amazonaws.com",
        description: "The deployed HTTP API",
        variables: { apiId: { default: "example" }, region: { default: "eu-west-1" } },
      },
    ],
    tags: [
      { name: "The caller", description: "Who is signed in." },
      { name: "User tokens", description: "A person's own API tokens in one organization." },
      { name: "Service users", description: "System identities and their tokens; requires `api-tokens:admin`." },
      { name: "Organization", description: "The organization-wide view and activity; requires `api-tokens:admin`." },
      { name: "Using a token", description: "Verification and login with an API token." },
      { name: "The API", description: "The contract itself." },
    ],
    paths,
    components: {
      securitySchemes: {
        session: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "A person's session: the identity provider's ID token (Cognito in AWS; `POST /local/idp/login` locally). Access tokens are refused; API tokens are never accepted here.",
        },
        apiToken: {
          type: "http",
          scheme: "bearer",
          description: "An API token (`atk_user_…` or `atk_svc_…`) in `Authorization: Bearer <token>`.",
        },
        iam: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description:
            "AWS IAM: the request is signed with Signature Version 4 (service `execute-api`) by a principal allowed to invoke the route. Not checked locally.",
        },
      },
      schemas: sortKeys(schemas),
    },
  };
}

const camel = (operation: string) => operation.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
const sortKeys = <T>(object: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export const serializeDocument = (document: JsonObject): string => `${JSON.stringify(document, null, 2)}\n`;

/** TypeScript types of the document (openapi-typescript), for `createClient<paths>()` of openapi-fetch. */
export async function buildClientTypes(document: JsonObject): Promise<string> {
  const nodes = await openapiTS(document as never, { exportType: true });
  return `/** Generated by \`npm run openapi\` from docs/openapi.json (openapi-typescript): do not edit. */\n${astToString(nodes)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const document = buildOpenApiDocument();
  writeFileSync(OPENAPI_PATH, serializeDocument(document));
  writeFileSync(CLIENT_TYPES_PATH, await buildClientTypes(document));
  writeFileSync(REFERENCE_PATH, buildMarkdownReference(document));
  console.log(`wrote ${OPENAPI_PATH}, ${REFERENCE_PATH} and ${CLIENT_TYPES_PATH}`);
}
