import middy, { type MiddlewareObj } from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { DomainError } from "../../domain/errors.ts";
import type { MembershipRecord } from "../../domain/model.ts";
import type { SessionPerson } from "../../domain/ports.ts";
import { requireActiveMember, requireAdmin, type MembershipLookup } from "../../domain/access.ts";
import { readSessionConfig } from "../config.ts";
import { logger } from "../logger.ts";
import { publishMetrics } from "../metrics.ts";
import { JSON_HEADERS, toErrorResponse } from "./errors.ts";
import { assertUtf8Charset, hasLoneSurrogate, requestBodyLength, requestBodyText } from "./request-body.ts";

/** API.md: bodies over 16 KiB get 413. */
export const MAX_BODY_BYTES = 16 * 1024;

export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2["requestContext"] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** What the middleware established before the operation runs. */
export interface ApiRequest<TInput, TCaller = undefined> {
  readonly event: HttpEvent;
  readonly requestId: string;
  /** The person behind the session (management routes): `person.userId`. */
  readonly userId: string;
  /** What the session says about that person (management routes), for the password re-check. */
  readonly person: SessionPerson;
  /** The caller's active membership of the organization in the path (routes under `/v1/orgs/{orgId}`; not `person` ones). */
  readonly membership: MembershipRecord;
  readonly input: TInput;
  /** What the operation's own `authenticate` returned (routes authenticated by an API token). */
  readonly caller: TCaller;
  readonly pathParameters: Record<string, string>;
}

type Access =
  /** No caller identity checked here: IAM in AWS (verify) or the API token itself (login). */
  | { readonly access: "open" }
  /** A person's session and nothing more: routes about the person, under no organization (`GET /v1/me`). */
  | { readonly access: "person" }
  /**
   * A person's session, and active membership of `{orgId}` in the path ("member"), holding `api-tokens:admin`
   * there too ("admin"): the domain's access rules, reading memberships from `members` (the route's wiring
   * passes the store).
   */
  | { readonly access: "member" | "admin"; readonly members: MembershipLookup };

/**
 * Turns the parsed JSON object into the operation's input, or throws `invalid_request`. Routes use
 * `zodBody(schema)`; verify has a hand-written one so the hot path's bundle carries no schema library.
 */
export type BodyParser<T> = (body: Record<string, unknown>) => T;

export type HttpOperation<TInput, TCaller> = Access & {
  /**
   * For routes that authenticate the caller themselves (an API token in the header): runs before the body
   * is read, so a bad credential is 401 even when the body is bad too (API.md's order).
   */
  readonly authenticate?: (event: HttpEvent) => Promise<TCaller>;
  /** Without one the route takes no body (or `{}`). */
  readonly body?: BodyParser<TInput>;
  readonly successStatus?: number;
  /**
   * A hot-path route (verify): its successful requests log at DEBUG, not INFO. They are counted in metrics;
   * a line per call would cost more than the call (CloudWatch ingestion) and bury the failures.
   */
  readonly quietSuccess?: boolean;
  readonly run: (request: ApiRequest<NoInfer<TInput>, NoInfer<TCaller>>) => Promise<unknown>;
};

interface Internal extends Record<string, unknown> {
  requestId: string;
  startedAt: number;
  person?: SessionPerson;
  membership?: MembershipRecord;
  caller?: unknown;
  input?: unknown;
}
type Mw = MiddlewareObj<HttpEvent, HttpResult, Error, Context, Internal>;

/**
 * Every HTTP function is built here, so all share one middleware stack in one order:
 * metrics (published after the response, never failing it) → header normalizer → request context + error mapping →
 * session or API token (401) → membership and admin permission (403; not on person routes) → body (413, 400).
 * That order is API.md's precedence of errors.
 */
export function httpHandler<TInput, TCaller = undefined>(operation: HttpOperation<TInput, TCaller>) {
  const { authenticate } = operation;
  const middlewares: Mw[] = [
    publishMetrics() as Mw,
    httpHeaderNormalizer() as unknown as Mw,
    requestContext(operation.quietSuccess ?? false),
    ...(operation.access === "open"
      ? []
      : [sessionAccess(operation.access === "person" ? undefined : { access: operation.access, members: operation.members })]),
    ...(authenticate
      ? [
          {
            before: async (request) => {
              state(request).caller = await authenticate(request.event);
            },
          } as Mw,
        ]
      : []),
    jsonBody(operation.body),
  ];
  const stack = middy<HttpEvent, HttpResult, Error, Context, Internal>({ timeoutEarlyInMillis: 0 })
    .use(middlewares)
    .handler(async (event, context) => {
      const internal = (context as Context & { [INTERNAL]?: Internal })[INTERNAL]!;
      const result = await operation.run({
        event,
        requestId: internal.requestId,
        userId: internal.person?.userId as string,
        person: internal.person as SessionPerson,
        membership: internal.membership as MembershipRecord,
        input: internal.input as never,
        caller: internal.caller as never,
        pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
      });
      const statusCode = operation.successStatus ?? 200;
      return statusCode === 204
        ? { statusCode, headers: { "cache-control": "no-store" } }
        : { statusCode, headers: JSON_HEADERS, body: JSON.stringify(result) };
    });
  // Middy rethrows what an onError middleware throws (or what none answered). A Lambda that throws gets API
  // Gateway's own plain 500, so whatever escapes the stack still becomes API.md's error shape here.
  return async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    try {
      return await stack(event, context);
    } catch (error) {
      const { statusCode, headers, body } = toErrorResponse(error, requestIdOf(event, context));
      try {
        logger.error("request failed outside the middleware stack", { errorName: (error as Error | undefined)?.name, statusCode });
      } catch {
        // The answer matters more than the log line.
      }
      return { statusCode, headers, body };
    }
  };
}

/** API Gateway's request id (the one the caller sees), else the Lambda's: also when the event is malformed. */
const requestIdOf = (event: HttpEvent | undefined, context: Context | undefined): string =>
  event?.requestContext?.requestId ?? context?.awsRequestId ?? "unknown";

/** Middy's `internal` is not visible to the handler, so the state rides on the Lambda context object. */
const INTERNAL = Symbol("apiRequest");
const state = (request: { context: Context }): Internal => (request.context as Context & { [INTERNAL]: Internal })[INTERNAL];

function requestContext(quietSuccess: boolean): Mw {
  return {
    before: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      (request.context as Context & { [INTERNAL]: Internal })[INTERNAL] = { requestId, startedAt: Date.now() };
      logger.resetKeys();
      logger.appendKeys({ requestId, route: request.event.routeKey });
    },
    after: (request) => {
      const statusCode = request.response?.statusCode ?? 200;
      if (quietSuccess && statusCode < 400) {
        if (logger.isEnabled("DEBUG")) logRequest(statusCode, state(request), undefined, "debug");
      } else {
        logRequest(statusCode, state(request));
      }
    },
    onError: (request) => {
      // No state when a middleware before this one failed (the header normalizer, metrics).
      const internal = state(request) ?? { requestId: requestIdOf(request.event, request.context), startedAt: Date.now() };
      const response = toErrorResponse(request.error, internal.requestId);
      if (!response.expected) {
        // Name, message and stack only: never the event, which carries tokens and passwords.
        const error = request.error as Error;
        logger.error("request failed", { errorName: error?.name, errorMessage: error?.message, stack: error?.stack });
      }
      request.response = { statusCode: response.statusCode, headers: response.headers, body: response.body };
      logRequest(response.statusCode, internal, JSON.parse(response.body).error.code);
    },
  };
}

function logRequest(statusCode: number, internal: Internal, errorCode?: string, level: "info" | "debug" = "info") {
  logger[level]("request", {
    statusCode,
    ...(errorCode ? { errorCode } : {}),
    durationMs: Date.now() - internal.startedAt,
  });
}

/**
 * The session comes from API Gateway's JWT authorizer (or the local server playing its part). The person is
 * the value of the claim `SESSION_USER_ID_CLAIM` names (API.md Conventions; `sub` unless configured).
 * That setting is read here, when a session route's handler is built (its cold start): a bad value fails
 * the function loudly at once and costs no request anything. Tests set it (vi.stubEnv) before they build a
 * handler, or import a handler module afresh.
 */
function sessionAccess(organization: { access: "member" | "admin"; members: MembershipLookup } | undefined): Mw {
  const { userIdClaim } = readSessionConfig();
  const requireAccess = organization?.access === "admin" ? requireAdmin : requireActiveMember;
  return {
    before: async (request) => {
      const claims = request.event.requestContext.authorizer?.jwt?.claims;
      if (claims === undefined || claims === null) {
        throw new DomainError("unauthenticated", "Sign in and send your session as `Authorization: Bearer <ID token>`.");
      }
      // Only ID tokens are sessions (API.md). API Gateway's JWT authorizer also lets a Cognito *access* token
      // of the same client through (it matches `client_id` where an ID token has `aud`), so refuse it here.
      if (claims.token_use !== undefined && claims.token_use !== "id") {
        throw new DomainError(
          "unauthenticated",
          "Only an ID token is a session: send `Authorization: Bearer <ID token>`, not an access token.",
        );
      }
      const userId = Object.hasOwn(claims, userIdClaim) ? claims[userIdClaim] : undefined;
      if (typeof userId !== "string" || userId.length === 0) {
        throw new DomainError(
          "unauthenticated",
          `Your session does not say who you are: its ID token has no \`${userIdClaim}\` claim. Sign in again with this platform's identity provider.`,
        );
      }
      // The pool user the session is of (Cognito ID tokens), so the password re-check needs no search for it.
      const signInName = claims["cognito:username"];
      const internal = state(request);
      internal.person = { userId, ...(typeof signInName === "string" && signInName.length > 0 ? { signInName } : {}) };
      // A person route (no organization in the path) needs the session only; the others the membership too (403).
      if (organization) internal.membership = await requireAccess(organization.members, request.event.pathParameters?.orgId ?? "", userId);
    },
  };
}

function jsonBody(parse: BodyParser<unknown> | undefined): Mw {
  return {
    before: (request) => {
      const bodyLength = requestBodyLength(request.event);
      if (bodyLength > MAX_BODY_BYTES) {
        throw new DomainError("payload_too_large", `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
      }
      const contentType = request.event.headers?.["content-type"];
      // Before the bytes are decoded: a body declared in another charset must not be read as UTF-8.
      if (bodyLength > 0 && contentType) assertUtf8Charset(contentType);
      const raw = requestBodyText(request.event);
      if (raw.trim() !== "" && contentType && !/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
        throw new DomainError("invalid_request", "Send the body as JSON with `content-type: application/json`.");
      }
      let parsed: unknown = {};
      if (raw.trim() !== "") {
        try {
          parsed = JSON.parse(raw);
        } catch {
          throw new DomainError("invalid_request", "The request body is not valid JSON.");
        }
        if (hasLoneSurrogate(raw, parsed)) {
          throw new DomainError(
            "invalid_request",
            "The request body holds a string that is not well-formed Unicode (a lone surrogate such as \\ud800).",
          );
        }
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new DomainError("invalid_request", "The request body must be a JSON object.");
      }
      if (!parse) {
        if (Object.keys(parsed).length > 0) {
          throw new DomainError("invalid_request", `This route takes no body; unknown field(s): ${Object.keys(parsed).join(", ")}.`);
        }
        return;
      }
      state(request).input = parse(parsed as Record<string, unknown>);
    },
  };
}

/** `?limit=` (1–200, default 50) and `?cursor=` of the lists that can grow (API.md). */
export function pagination(event: HttpEvent): { limit: number; cursor: string | undefined } {
  const query = event.queryStringParameters ?? {};
  const rawLimit = query.limit;
  const limit = rawLimit === undefined ? 50 : /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
  if (!(limit >= 1 && limit <= 200)) {
    throw new DomainError("invalid_request", "Invalid request: limit must be a whole number from 1 to 200.");
  }
  const cursor = query.cursor;
  if (cursor !== undefined && cursor.length === 0) {
    throw new DomainError("invalid_request", "Invalid request: cursor must not be empty; leave it out for the first page.");
  }
  return { limit, cursor };
}
