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
  CODE_TEXT,
  DESCRIPTIONS,
  NAME_RULES,
  PAGE_PARAMETERS,
  PATH_PARAMETERS,
  REQUEST_EXAMPLES,
  RETRY_AFTER,
  SECURITY,
  STATUS_TEXT,
  SUCCESS_EXAMPLES,
} from "./openapi-text.ts";
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
  ownTokenSchema,
  leakReportReceivedSchema,
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
  rotateServiceUserTokenRequestBody,
  rotateUserTokenRequestBody,
  generateUserTokenRequestBody,
  revokeLeakedRequestBody,
  updateServiceUserRequestBody,
  verifyRequestBody,
} from "../functions/platform/http/request-bodies.ts";
import { type RouteAuth, routes } from "../infra/routes.ts";

/** Routes anyone may call without credentials of any kind: the document itself, and leaked-token reports. */
const PUBLIC_OPERATIONS = new Set(["get-openapi", "revoke-leaked"]);

export const OPENAPI_PATH = fileURLToPath(new URL("../docs/openapi.json", import.meta.url));
/** The reference in Markdown, rendered from the document (openapi-markdown.ts). */
export const REFERENCE_PATH = fileURLToPath(new URL("../docs/api-reference.md", import.meta.url));
/** The document's types for the typed e2e client (openapi-fetch), generated beside it. */
export const CLIENT_TYPES_PATH = fileURLToPath(new URL("../web/src/api/openapi-types.ts", import.meta.url));

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
  OwnToken: ownTokenSchema,
  LeakReportReceived: leakReportReceivedSchema,
  OpenApiDocument: openApiDocumentSchema,
} as const;
const REQUEST_COMPONENTS = {
  GenerateUserTokenRequest: generateUserTokenRequestBody,
  CreateServiceUserRequest: createServiceUserRequestBody,
  UpdateServiceUserRequest: updateServiceUserRequestBody,
  GenerateServiceUserTokenRequest: generateServiceUserTokenRequestBody,
  RotateUserTokenRequest: rotateUserTokenRequestBody,
  RotateServiceUserTokenRequest: rotateServiceUserTokenRequestBody,
  VerifyRequest: verifyRequestBody,
  RevokeLeakedRequest: revokeLeakedRequestBody,
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

export function buildOpenApiDocument(): JsonObject {
  const errorComponents: Record<string, z.ZodMiniType> = {};
  // Each error response is written once, under components.responses, and every operation refers to it: the
  // same 400/401/403/500 bodies are shared by most routes (and the typed client's types stay one per response).
  const errorResponses: Record<string, JsonObject> = {};
  const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
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
      const viaGateway = status === 401 && route.auth === "session";
      const responseName = viaGateway ? `${name}OrApiGateway` : name;
      const schema = viaGateway ? { anyOf: [ref(name), ref("ApiGatewayError")] } : ref(name);
      responses[String(status)] = responseRef(responseName);
      errorResponses[responseName] ??= {
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
      responses["403"] = responseRef("IamSignatureRefused");
      errorResponses.IamSignatureRefused ??= {
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
      security: PUBLIC_OPERATIONS.has(route.operation) ? [] : SECURITY[route.auth],
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
      responses: sortKeys(errorResponses),
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
