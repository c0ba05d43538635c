/**
 * The shareable Lambda console test events: for every function, a realistic payload an operator can run
 * from the Lambda console's "Test" tab. They are built from the route table and the event rules, so a new
 * route or rule without a sample here fails synthesis (and the infra tests) instead of shipping untested.
 *
 * No real secret appears anywhere: session, API token, password and signature are placeholders in angle
 * brackets, which the functions reject as malformed until an operator pastes a real value.
 */
import { eventRules, type EventRuleDefinition } from "../event-rules.ts";
import { schedules } from "../schedules.ts";
import { leakReportQueueEvent, tokenDeletedStreamEvent, tokenEventsStreamEvent } from "./record-test-events.ts";
import { routes, type RouteDefinition } from "../routes.ts";
import {
  backfillPersonIndexFunction,
  onLeakReportFunction,
  onTokenDeletedFunction,
  publishTokenEventsFunction,
  redriveDeadLettersFunction,
  revokeUserTokensFunction,
  tokenAuthorizerFunction,
} from "./operator-functions.ts";

/** The registry the Lambda console reads shareable test events from (it creates it on first use). */
export const TEST_EVENT_REGISTRY_NAME = "lambda-testevent-schemas";

export interface ConsoleTestEvent {
  /** What the console lists: letters, digits, `.`, `_`, `-`, at most 25 characters. */
  readonly name: string;
  readonly event: Record<string, unknown>;
}

/** The values every sample shares, so the samples tell one consistent story. */
export const SAMPLE = {
  accountId: "123456789012",
  region: "eu-west-1",
  apiId: "a1b2c3d4e5",
  orgId: "acme",
  userId: "ada-lovelace",
  /** The pool's own id of the person (Cognito's `sub` and, with email sign-in, its username). */
  cognitoSub: "7c1e2f3a-5b6d-4e8f-9a0b-1c2d3e4f5a6b",
  serviceUserId: "su_0lzm3k8q0Xb4T9wPq2Rn",
  tokenId: "7Fq2LmZp9XwR3tKd",
  time: "2026-05-27T09:30:00.000Z",
  sourceIp: "203.0.113.10",
} as const;

const PATH_PARAMETERS: Readonly<Record<string, string>> = {
  orgId: SAMPLE.orgId,
  serviceUserId: SAMPLE.serviceUserId,
  tokenId: SAMPLE.tokenId,
};

interface RouteSample {
  readonly body?: Record<string, unknown>;
  readonly query?: Readonly<Record<string, string>>;
}

/** One sample request per route operation (API.md's request bodies). */
const ROUTE_SAMPLES: Readonly<Record<string, RouteSample>> = {
  "generate-user-token": { body: { name: "Power BI export", password: "<your account password>" } },
  "list-user-tokens": {},
  "rotate-user-token": { body: { password: "<your account password>", graceSeconds: 3600 } },
  "revoke-user-token": {},
  "create-service-user": { body: { name: "Nightly BI sync", permissions: ["reports:read", "reports:export"] } },
  "list-service-users": { query: { limit: "50" } },
  "update-service-user": { body: { name: "Nightly BI sync (EU)", permissions: ["reports:read"] } },
  "delete-service-user": {},
  "generate-service-user-token": { body: { name: "Airflow production" } },
  "list-service-user-tokens": {},
  "rotate-service-user-token": { body: { graceSeconds: 3600 } },
  "revoke-service-user-token": {},
  "list-organization-tokens": { query: { limit: "50" } },
  "revoke-organization-token": {},
  "list-activity": { query: { limit: "50" } },
  "get-me": {},
  "verify-token": { body: { token: "<API token>", orgId: SAMPLE.orgId } },
  "login-with-token": {},
  "get-own-token": {},
  "revoke-own-token": {},
  "revoke-leaked": { body: { tokens: ["<a leaked API token>"] } },
  "get-openapi": {},
};

/** One sample `detail` per lifecycle event type (API.md "User-lifecycle events"). */
const EVENT_DETAILS: Readonly<Record<string, Record<string, unknown>>> = {
  "User Upserted": {
    orgId: SAMPLE.orgId,
    userId: SAMPLE.userId,
    name: "Ada Lovelace",
    permissions: ["reports:read", "api-tokens:admin"],
    groups: ["analytics"],
    sites: ["london"],
    occurredAt: SAMPLE.time,
  },
  "User Deactivated": { orgId: SAMPLE.orgId, userId: SAMPLE.userId, occurredAt: SAMPLE.time },
  "User Reactivated": { orgId: SAMPLE.orgId, userId: SAMPLE.userId, occurredAt: SAMPLE.time },
  "User Removed From Organization": { orgId: SAMPLE.orgId, userId: SAMPLE.userId, occurredAt: SAMPLE.time },
  "Organization Settings Changed": { orgId: SAMPLE.orgId, ssoEnforced: true, occurredAt: SAMPLE.time },
  "Organization Deleted": { orgId: SAMPLE.orgId, occurredAt: SAMPLE.time },
};

const epoch = Date.parse(SAMPLE.time);
const requestTime = "27/May/2026:09:30:00 +0000";

function requestContext(
  method: string,
  rawPath: string,
  routeKey: string,
  authorizer: Record<string, unknown> | undefined,
  apiId: string = SAMPLE.apiId,
) {
  return {
    accountId: SAMPLE.accountId,
    apiId,
    ...(authorizer ? { authorizer } : {}),
    domainName: `${apiId}.execute-api.${SAMPLE.region}.amazonaws.com`,
    domainPrefix: apiId,
    http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: SAMPLE.sourceIp, userAgent: "aws-console-test-event" },
    requestId: "dGVzdC1ldmVudA=",
    routeKey,
    stage: "$default",
    time: requestTime,
    timeEpoch: epoch,
  };
}

/** What API Gateway puts in `requestContext.authorizer` for each kind of route. */
function authorizerContext(auth: RouteDefinition["auth"], userIdClaim: string): Record<string, unknown> | undefined {
  switch (auth) {
    case "session":
      // The JWT authorizer's claims of a Cognito ID token (HTTP APIs pass every claim as a string).
      return {
        jwt: {
          // The platform's user id in the deployment's userIdClaim (sub, or the pool's custom attribute).
          claims: {
            sub: SAMPLE.cognitoSub,
            [userIdClaim]: SAMPLE.userId,
            email: "ada@example.com",
            "cognito:username": SAMPLE.cognitoSub,
            iss: `https://cognito-idp.${SAMPLE.region}.amazonaws.com/${SAMPLE.region}_EXAMPLE`,
            aud: "exampleclientid1234567890",
            token_use: "id",
            auth_time: String(epoch / 1000 - 600),
            iat: String(epoch / 1000 - 600),
            exp: String(epoch / 1000 + 3000),
          },
          scopes: null,
        },
      };
    case "iam":
      // A platform service calling with SigV4 from its own role.
      return {
        iam: {
          accessKey: "ASIAEXAMPLEEXAMPLE00",
          accountId: SAMPLE.accountId,
          callerId: "AROAEXAMPLEEXAMPLE00:reporting-service",
          cognitoIdentity: null,
          principalOrgId: "o-example1234",
          userArn: `arn:aws:sts::${SAMPLE.accountId}:assumed-role/reporting-service/reporting-service`,
          userId: "AROAEXAMPLEEXAMPLE00:reporting-service",
        },
      };
    case "none":
      return undefined;
  }
}

const AUTHORIZATION_HEADERS: Readonly<Record<RouteDefinition["auth"], string>> = {
  session: "Bearer <ID token>",
  iam:
    `AWS4-HMAC-SHA256 Credential=<access key id>/20260527/${SAMPLE.region}/execute-api/aws4_request, ` +
    "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=<signature>",
  // login-with-token and the own-token routes authenticate the API token in the header themselves.
  none: "Bearer <API token>",
};

/** An API Gateway HTTP API (payload format 2.0) event for the route, as its Lambda integration receives it. */
export function apiGatewayEvent(route: RouteDefinition, userIdClaim = "sub"): Record<string, unknown> {
  const sample = ROUTE_SAMPLES[route.operation];
  if (!sample) throw new Error(`console-test-events: no sample request for route ${route.operation}; add one to ROUTE_SAMPLES.`);
  const pathParameters: Record<string, string> = {};
  const rawPath = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = PATH_PARAMETERS[name];
    if (value === undefined) throw new Error(`console-test-events: no sample value for path parameter {${name}}.`);
    pathParameters[name] = value;
    return value;
  });
  const routeKey = `${route.method} ${route.path}`;
  const body = sample.body === undefined ? undefined : JSON.stringify(sample.body);
  const rawQueryString = new URLSearchParams(sample.query ?? {}).toString();
  const headers: Record<string, string> = {
    accept: "application/json",
    authorization: AUTHORIZATION_HEADERS[route.auth],
    host: `${SAMPLE.apiId}.execute-api.${SAMPLE.region}.amazonaws.com`,
    "user-agent": "aws-console-test-event",
    "x-forwarded-for": SAMPLE.sourceIp,
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
    ...(route.auth === "iam" ? { "x-amz-date": "20260527T093000Z", "x-amz-security-token": "<session token>" } : {}),
    ...(body === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body, "utf8")) }),
  };
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(sample.query ? { queryStringParameters: { ...sample.query } } : {}),
    requestContext: requestContext(route.method, rawPath, routeKey, authorizerContext(route.auth, userIdClaim)),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

/** An EventBridge event that matches the rule's pattern, as the rule's target receives it. */
export function eventBridgeEvent(rule: EventRuleDefinition): Record<string, unknown> {
  const detailType = rule.pattern["detail-type"][0]!;
  const detail = EVENT_DETAILS[detailType];
  if (!detail) throw new Error(`console-test-events: no sample detail for "${detailType}"; add one to EVENT_DETAILS.`);
  return {
    version: "0",
    id: "5f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
    "detail-type": detailType,
    source: rule.pattern.source[0]!,
    account: SAMPLE.accountId,
    time: SAMPLE.time.replace(".000", ""),
    region: SAMPLE.region,
    resources: [],
    detail,
  };
}

/**
 * The REQUEST authorizer event (payload 2.0) API Gateway sends to the token authorizer, here for a route
 * of some other API of the platform.
 */
export function authorizerEvent(): Record<string, unknown> {
  const routeKey = "GET /v1/reports";
  const rawPath = "/v1/reports";
  const apiId = "f9e8d7c6b5";
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:${SAMPLE.region}:${SAMPLE.accountId}:${apiId}/$default/GET/v1/reports`,
    identitySource: ["Bearer <API token>"],
    routeKey,
    rawPath,
    rawQueryString: "",
    headers: {
      accept: "application/json",
      authorization: "Bearer <API token>",
      host: `${apiId}.execute-api.${SAMPLE.region}.amazonaws.com`,
      "user-agent": "aws-console-test-event",
      "x-forwarded-for": SAMPLE.sourceIp,
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: requestContext("GET", rawPath, routeKey, undefined, apiId),
    pathParameters: {},
    stageVariables: {},
  };
}

/** Every function's console test events, keyed by its operation name (the function's description). */
export function consoleTestEvents(options: { userIdClaim?: string } = {}): Readonly<Record<string, readonly ConsoleTestEvent[]>> {
  const events: Record<string, ConsoleTestEvent[]> = {};
  const add = (operation: string, ...list: ConsoleTestEvent[]) => {
    if (events[operation]) throw new Error(`console-test-events: ${operation} appears twice.`);
    for (const { name } of list) {
      if (!/^[A-Za-z0-9._-]{1,25}$/.test(name)) throw new Error(`console-test-events: "${name}" is not a valid test event name.`);
    }
    events[operation] = list;
  };
  for (const route of routes) add(route.operation, { name: "api-gateway-request", event: apiGatewayEvent(route, options.userIdClaim) });
  for (const rule of eventRules) add(rule.operation, { name: "eventbridge-event", event: eventBridgeEvent(rule) });
  add(tokenAuthorizerFunction.operation, { name: "authorizer-request", event: authorizerEvent() });
  add(onTokenDeletedFunction.operation, { name: "ttl-deletion", event: tokenDeletedStreamEvent(SAMPLE) });
  add(publishTokenEventsFunction.operation, { name: "outbox-insert", event: tokenEventsStreamEvent(SAMPLE) });
  add(onLeakReportFunction.operation, { name: "leak-report", event: leakReportQueueEvent(SAMPLE) });
  add(revokeUserTokensFunction.operation, {
    // A dry run lists what would be revoked; set dryRun to false to revoke.
    name: "dry-run",
    event: {
      orgId: SAMPLE.orgId,
      userId: SAMPLE.userId,
      operator: "jane.doe@example.com",
      reason: "Laptop reported stolen (ticket OPS-1234)",
      dryRun: true,
    },
  });
  add(redriveDeadLettersFunction.operation, {
    // A dry run peeks at the queue; set dryRun to false to redrive. `handler` is an event rule's operation.
    name: "dry-run",
    event: { handler: "on-user-deactivated", maxMessages: 10, dryRun: true },
  });
  for (const job of schedules) {
    // What EventBridge Scheduler sends: the job reads nothing from it, so running it from the console is a run.
    add(job.operation, { name: "scheduled-run", event: {} });
  }
  add(backfillPersonIndexFunction.operation, {
    // A dry run counts the memberships without the person index's attributes; set dryRun to false to set them.
    name: "dry-run",
    event: { dryRun: true, maxPages: 100 },
  });
  return events;
}

/** A JSON schema of the example, as EventBridge's schema discovery would describe it. */
function schemaOf(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) return { type: "array", items: value.length > 0 ? schemaOf(value[0]) : {} };
  if (value === null) return { nullable: true };
  switch (typeof value) {
    case "string":
      return { type: "string" };
    case "number":
      return { type: Number.isInteger(value) ? "integer" : "number" };
    case "boolean":
      return { type: "boolean" };
    case "object": {
      const entries = Object.entries(value as Record<string, unknown>);
      return { type: "object", properties: Object.fromEntries(entries.map(([key, item]) => [key, schemaOf(item)])) };
    }
    default:
      return {};
  }
}

/**
 * The schema document the Lambda console stores a function's shareable test events in (registry
 * `lambda-testevent-schemas`, schema `_<function name>-schema`, type OpenApi3): each event is one
 * `components.examples.<name>.value`.
 */
export function testEventSchemaContent(events: readonly ConsoleTestEvent[]): string {
  if (events.length === 0) throw new Error("console-test-events: a schema needs at least one event.");
  return JSON.stringify({
    openapi: "3.0.0",
    info: { version: "1.0.0", title: "Event" },
    paths: {},
    components: {
      schemas: { Event: schemaOf(events[0]!.event) },
      examples: Object.fromEntries(events.map(({ name, event }) => [name, { value: event }])),
    },
  });
}
