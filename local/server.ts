import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import { z } from "zod";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { registerLocalIdentityProvider } from "../functions/adapters/identity/local-password-check.ts";
import { parseBearer } from "../functions/platform/http/bearer.ts";
import { hasLoneSurrogate } from "../functions/platform/http/request-body.ts";
import { routes, type RouteDefinition } from "../infra/routes.ts";
import { eventRules } from "../infra/event-rules.ts";
import { schedules } from "../infra/schedules.ts";
import { DUE_LOOKBACK_HOURS } from "../functions/domain/due-work.ts";
import { TOKEN_EVENT_SOURCE } from "../functions/domain/token-events.ts";
import { LocalEventBus, type PlatformEvent } from "./eventbridge.ts";
import { lambdaContext, loadHandler, type LambdaHandler } from "./lambda-invoke.ts";
import { localTokenEventsPump } from "./token-events-pump.ts";
import { IdentityProviderError, type LocalIdentityProvider } from "./identity-provider.ts";
import { oidcRoutes } from "./oidc.ts";
import { localSiteConfig, webSiteRoutes } from "./web-site.ts";

/**
 * The local stand-in for API Gateway + EventBridge: serves the route table by invoking the same handler
 * modules with payload-2.0 events (after checking sessions the way the JWT authorizer does), routes
 * `PutEvents` to the event handlers by the same patterns, and hosts the local identity provider and test clock.
 */
export interface LocalServerOptions {
  host: string;
  port: number;
  repositoryRoot: string;
  identityProvider: LocalIdentityProvider;
  clock: { now(): Date; advance(seconds: number): Date };
  /**
   * The exact redirect URIs the local identity provider's OpenID Connect endpoints accept (also as
   * post-logout redirect URIs); default: this server's own `/` and `/auth/callback`.
   */
  oidcRedirectUris?: readonly string[];
  /** The built web page (web/build.ts) to serve at `/` and its deep links; none: the API alone. */
  webSiteDir?: string;
  /** Called after the clock moved, e.g. to persist the offset. */
  onClockAdvanced?: () => Promise<void>;
  /**
   * The token events' outbox (the activity table's stream in DynamoDB Local), which `GET /local/published-events`
   * drains through the publisher function first. The publisher puts on this server's `/local/eventbridge`
   * (EVENT_BUS_ENDPOINT in its environment). None: nothing is published.
   */
  tokenEvents?: { dynamoDbEndpoint: string; activityTableName: string };
  log: (entry: Record<string, unknown>) => void;
}

/** API Gateway HTTP APIs accept payloads up to 10 MB; the handlers enforce the contract's 16 KiB. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const MAX_CLOCK_ADVANCE_SECONDS = 10 * 365 * 86_400;
const clockAdvance = z.strictObject({ advanceSeconds: z.int().min(0).max(MAX_CLOCK_ADVANCE_SECONDS) });

export interface RunningLocalServer {
  readonly url: string;
  readonly server: Server;
  readonly eventBus: LocalEventBus;
  close(): Promise<void>;
}

export async function startLocalServer(options: LocalServerOptions): Promise<RunningLocalServer> {
  const router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true });
  type Handle = (req: IncomingMessage, body: Buffer, params: Record<string, string | undefined>, requestId: string) => Promise<Reply>;
  const add = (method: HTTPMethod, path: string, handle: Handle) => router.on(method, path, handle as never);

  for (const route of routes) {
    const handler = await loadHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
      options.repositoryRoot,
      route.handlerModule,
    );
    add(route.method, toRouterPath(route.path), (req, body, params, requestId) =>
      invokeRoute(route, handler, req, body, params, requestId, options),
    );
  }

  const eventBus = new LocalEventBus({
    clock: options.clock,
    log: options.log,
    keep: (event) => event.source === TOKEN_EVENT_SOURCE,
    targets: await Promise.all(
      eventRules.map(async (rule) => {
        const handler = await loadHandler<PlatformEvent, void>(options.repositoryRoot, rule.handlerModule);
        return {
          name: rule.operation,
          pattern: rule.pattern,
          invoke: (event: PlatformEvent) => handler(event, lambdaContext(rule.operation, randomUUID())),
        };
      }),
    ),
  });
  const pump =
    options.tokenEvents && localTokenEventsPump({ ...options.tokenEvents, repositoryRoot: options.repositoryRoot, log: options.log });
  add("GET", "/local/published-events", async (req) => {
    const after = new URL(req.url ?? "/", "http://local").searchParams.get("after") ?? "0";
    if (!/^(0|[1-9]\d{0,8})$/.test(after)) {
      return localError(400, "invalid_request", "`after` is the `cursor` of an earlier answer (a whole number), or absent.");
    }
    await pump?.drain();
    const { events, total } = eventBus.published(Number(after));
    return {
      status: 200,
      body: {
        events: events.map((event) => ({ source: event.source, detailType: event["detail-type"], detail: event.detail })),
        cursor: String(Math.max(total, Number(after))),
      },
    };
  });
  add("POST", "/local/eventbridge", async (req, body) => {
    const result = await eventBus.handlePutEvents(flatHeaders(req), body.toString("utf8"));
    return { status: result.status, body: result.body, contentType: "application/x-amz-json-1.1" };
  });

  const idp = options.identityProvider;
  add("POST", "/local/idp/users", async (_req, body) => ({ status: 201, body: await idp.createUser(parseJson(body)) }));
  add("POST", "/local/idp/login", async (_req, body) => ({ status: 200, body: await idp.login(parseJson(body)) }));
  add("GET", "/local/idp/.well-known/jwks.json", async () => ({ status: 200, body: idp.jwks() }));
  // OpenID Connect for the web page (authorization code + PKCE), as Cognito's managed login serves it in AWS.
  for (const uri of options.oidcRedirectUris ?? []) {
    const parsed = URL.parse(uri);
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.hash !== "" || uri.includes("#")) {
      throw new Error(`oidcRedirectUris: ${JSON.stringify(uri)} is not an absolute http(s) URL without a fragment`);
    }
  }
  let ownOrigin = "";
  const redirectUris = () => options.oidcRedirectUris ?? [`${ownOrigin}/`, `${ownOrigin}/auth/callback`];
  for (const route of oidcRoutes({ identityProvider: idp, redirectUris })) {
    add(route.method, route.path, (req, body) => route.handle(req, body));
  }
  if (options.webSiteDir) {
    const site = webSiteRoutes({ dir: options.webSiteDir, config: () => localSiteConfig(ownOrigin, idp) });
    for (const route of site) add(route.method, route.path, (_req, _body, params) => route.handle(params));
  }
  // The password re-check of generate asks this identity provider in-process (LocalPasswordCheck), as the
  // Cognito adapter calls AdminInitiateAuth in AWS. There is no HTTP route for it: one would be an open,
  // unthrottled password oracle.
  registerLocalIdentityProvider(idp);

  // The scheduled jobs: run after every clock move, as if the skipped hours had passed (each looks back far enough).
  const jobs = await Promise.all(
    schedules.map(async (job) => ({
      job,
      handler: await loadHandler<{ lookbackHours: number }, unknown>(options.repositoryRoot, job.handlerModule),
    })),
  );
  add("POST", "/local/clock", async (_req, body) => {
    const input = clockAdvance.safeParse(parseJson(body));
    if (!input.success) {
      return localError(
        400,
        "invalid_request",
        `Send { "advanceSeconds": N } with N a whole number from 0 to ${MAX_CLOCK_ADVANCE_SECONDS}.`,
      );
    }
    const seconds = input.data.advanceSeconds;
    const now = options.clock.advance(seconds);
    await options.onClockAdvanced?.();
    // Each job reaches back over the skipped time as well as its usual look-back: every run the skipped hours held.
    const lookbackHours = Math.ceil(seconds / 3600) + DUE_LOOKBACK_HOURS;
    for (const { job, handler } of jobs) await handler({ lookbackHours }, lambdaContext(job.operation, randomUUID(), job.timeoutSeconds));
    options.log({ level: "info", message: "test clock advanced", advanceSeconds: seconds, now: now.toISOString() });
    return { status: 200, body: { now: now.toISOString() } };
  });
  add("GET", "/local/clock", async () => ({ status: 200, body: { now: options.clock.now().toISOString() } }));

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    serve(req, res, requestId).catch((error: unknown) => lastResort(res, requestId, error));
  });

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string) {
    try {
      // A request target that is no URL at all (`//[`) is no route either.
      const url = URL.parse(req.url ?? "/", "http://local");
      const found = url ? router.find(req.method as HTTPMethod, url.pathname) : null;
      if (!found) {
        await drainRequest(req);
        // The path is not echoed back: people paste tokens into URLs.
        return send(
          res,
          localError(404, "not_found", "No such route. See docs/api.md for the routes this service serves.", requestId),
          options.clock.now(),
        );
      }
      const body = await readBody(req);
      if (body === undefined)
        return send(res, localError(413, "payload_too_large", "The request body is too large.", requestId), options.clock.now());
      send(res, await (found.handler as unknown as Handle)(req, body, found.params, requestId), options.clock.now());
    } catch (error) {
      if (error instanceof IdentityProviderError) {
        const status = error.code === "user_exists" ? 409 : error.code === "invalid_credentials" ? 401 : 400;
        return send(res, localError(status, error.code, error.message, requestId), options.clock.now());
      }
      lastResort(res, requestId, error);
    }
  }

  /** API.md's 500 for anything unexpected: the message names the request id, never the cause. */
  function lastResort(res: ServerResponse, requestId: string, error: unknown) {
    try {
      options.log({
        level: "error",
        message: "local server error",
        requestId,
        errorName: error instanceof Error ? error.name : typeof error,
        errorMessage: error instanceof Error ? error.message : "non-Error value thrown",
      });
    } catch {
      // A broken log sink must not leave the request unanswered.
    }
    try {
      if (res.headersSent) return void res.destroy();
      send(
        res,
        localError(
          500,
          "internal_error",
          `Something went wrong in the local server. Quote request id ${requestId} if you report it.`,
          requestId,
        ),
      );
    } catch {
      res.destroy();
    }
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  ownOrigin = `http://${options.host}:${port}`;
  return {
    url: `http://${options.host}:${port}`,
    server,
    eventBus,
    close: async () => {
      eventBus.close();
      pump?.close();
      registerLocalIdentityProvider(undefined);
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

interface Reply {
  status: number;
  body?: unknown;
  /** A handler's body is passed through untouched. */
  rawBody?: string;
  headers?: Record<string, string>;
  contentType?: string;
}

/** `/v1/orgs/{orgId}/tokens` → `/v1/orgs/:orgId/tokens` */
const toRouterPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

async function invokeRoute(
  route: RouteDefinition,
  handler: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>,
  req: IncomingMessage,
  body: Buffer,
  params: Record<string, string | undefined>,
  requestId: string,
  options: LocalServerOptions,
): Promise<Reply> {
  let authorizer: Record<string, unknown> | undefined;
  if (route.auth === "session") {
    // What API Gateway's JWT authorizer does: no valid session, no invocation.
    const session = parseBearer(req.headers.authorization);
    const claims = session ? await options.identityProvider.verifySession(session).catch(() => undefined) : undefined;
    if (!claims) {
      return localError(401, "unauthenticated", "Sign in and send your session as `Authorization: Bearer <ID token>`.", requestId);
    }
    authorizer = { jwt: { claims, scopes: null } };
  } else if (route.auth === "iam") {
    // Locally verify needs no credentials (API.md); in AWS API Gateway fills in the caller's IAM identity.
    authorizer = {
      iam: {
        accessKey: "LOCAL",
        accountId: "000000000000",
        callerId: "local",
        userArn: "arn:aws:iam::000000000000:user/local",
        userId: "local",
      },
    };
  }
  const url = new URL(req.url ?? "/", "http://local");
  const now = options.clock.now();
  const headers = flatHeaders(req);
  const event = {
    version: "2.0",
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    ...(Object.keys(params).length > 0 ? { pathParameters: params as Record<string, string> } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: `${route.method} ${route.path}`,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(authorizer ? { authorizer } : {}),
    },
    // Text when the bytes are UTF-8; otherwise base64, so the handler sees the bytes as sent (and refuses them)
    // rather than text with U+FFFD where the invalid bytes were.
    ...(body.length === 0
      ? { isBase64Encoded: false }
      : isUtf8(body)
        ? { body: body.toString("utf8"), isBase64Encoded: false }
        : { body: body.toString("base64"), isBase64Encoded: true }),
  } as APIGatewayProxyEventV2;
  const result = await handler(event, lambdaContext(route.operation, requestId, route.timeoutSeconds));
  return {
    status: result.statusCode ?? 200,
    rawBody: result.body ?? "",
    headers: { ...(result.headers as Record<string, string> | undefined), "apigw-requestid": requestId },
  };
}

/** Payload 2.0 headers: lower-case names, repeated values joined with commas. */
function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function drainRequest(req: IncomingMessage) {
  for await (const _ of req) {
    // discard
  }
}

/** The local endpoints' JSON bodies: UTF-8 text with no lone surrogates, like the API's (API.md "Conventions"). */
function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  if (!isUtf8(body)) throw new IdentityProviderError("invalid_request", "The request body is not valid UTF-8.");
  const text = body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new IdentityProviderError("invalid_request", "The request body is not valid JSON.");
  }
  if (hasLoneSurrogate(text, parsed)) {
    throw new IdentityProviderError(
      "invalid_request",
      "The request body holds a string that is not well-formed Unicode (a lone surrogate).",
    );
  }
  return parsed;
}

function localError(status: number, code: string, message: string, requestId: string = randomUUID()): Reply {
  return { status, body: { error: { code, message, requestId } } };
}

function send(res: ServerResponse, reply: Reply, now: Date = new Date()) {
  const body = reply.rawBody ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
  res.writeHead(reply.status, {
    // The service's time is the test clock's: the web page counts "in N days" from it.
    date: now.toUTCString(),
    ...(body.length > 0 ? { "content-type": reply.contentType ?? "application/json" } : {}),
    ...reply.headers,
  });
  res.end(body);
}
