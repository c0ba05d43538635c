import { Duration, type StackProps } from "aws-cdk-lib";
import type { Node } from "constructs";
import { readTokenEventsConfig } from "../functions/platform/config.ts";
import { metricsNamespaceFor, type LogLevel } from "./constructs/operation-function.ts";
import { DEFAULT_RESULTS_CACHE_TTL } from "./constructs/token-authorizer.ts";
import { TEST_EVENT_REGISTRY_NAME } from "./ops/console-test-events.ts";

export interface ApiTokenServiceStackProps extends StackProps {
  /**
   * The stage this copy of the service is (`dev`, `prod`, `blue`): it names the stack
   * (`ApiTokenService-dev`, see infra/app.ts) and the metrics namespace (`ApiTokenService/dev`); every other
   * physical name derives from the stack name. Context key `stage`; default none (the first deployment's names).
   */
  readonly stage?: string;
  /**
   * The bus the platform's lifecycle events arrive on, in this account. Context key `eventBusName`;
   * default "default". Leave it out with `eventSourceAccounts`.
   */
  readonly eventBusName?: string;
  /**
   * Accounts whose event buses may send the platform's lifecycle events here (a bus in another account):
   * the stack then makes a bus of its own that admits exactly their `platform.*` events, and the rules
   * listen there. Context key `eventSourceAccounts` (a list or comma-separated); default none.
   */
  readonly eventSourceAccounts?: readonly string[];
  /**
   * The bus the service publishes its token events on (API.md "Token events out"): a name (a bus in this
   * account and region) or a bus ARN (also another account's, whose resource policy must then let this account
   * put events). Context key `tokenEventBusName`; default "default". Independent of `eventBusName`, which is
   * where the platform's events arrive and must be in this account.
   */
  readonly tokenEventBusName?: string;
  /**
   * Accounts whose principals may call `POST /v1/verify` (IAM-authorized): the stack makes a role they may
   * assume that can invoke that route and nothing else. Same-account callers attach the managed policy
   * the stack always makes. Context key `verifyCallerAccounts` (a list or comma-separated); default none.
   */
  readonly verifyCallerAccounts?: readonly string[];
  /**
   * The session JWT claim that holds the platform's user id (what the platform's events call `userId`).
   * With the built-in user pool it is `custom:<attribute>` (an immutable custom attribute the stack adds,
   * set when a person is created in the pool) or `sub`; with an external issuer any claim.
   * Context key `userIdClaim`; default `custom:platform_user_id` with the built-in pool, `sub` otherwise.
   */
  readonly userIdClaim?: string;
  /**
   * The built-in pool's OAuth settings for a browser sign-in (authorization code with PKCE, never the implicit
   * flow): where Cognito may send people back after sign-in and sign-out, and the prefix of the pool's
   * Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`). Context keys `authCallbackUrls`,
   * `authLogoutUrls` (lists or comma-separated), `authDomainPrefix`. The web page's own URLs
   * (`https://<distribution>/auth/callback` and `https://<distribution>/`) are added by the stack whenever it
   * deploys the page; without the page and without callback URLs the app client has no OAuth at all (sign-in
   * with the SDK or CLI only).
   *
   * The domain prefix is unique across all of AWS, so it is one per stage: with a `stage` the domain is
   * `<authDomainPrefix>-<stage>` (one prefix in cdk.json serves every stage), without one `<authDomainPrefix>`.
   * It must be lower-case letters, digits and hyphens (not at either end), at most 63 characters with the
   * stage, and must not contain `aws`, `amazon` or `cognito` (Cognito's rules; synthesis checks them). When the
   * page is deployed and no prefix is given, the stack makes one that is unique by construction:
   * `api-tokens-<the stack's id>` (a UUID CloudFormation gives the stack, stable for its life).
   */
  readonly authCallbackUrls?: readonly string[];
  readonly authLogoutUrls?: readonly string[];
  readonly authDomainPrefix?: string;
  /**
   * An existing OIDC issuer for session JWTs, instead of the Cognito user pool the stack makes.
   * Give it together with `jwtAudience`. Context keys `jwtIssuer`, `jwtAudience`.
   */
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string | readonly string[];
  /**
   * The API tokens web page, hosted privately in S3 behind CloudFront (with `/v1/*` on the same distribution,
   * forwarded to the HTTP API), and the Cognito managed login it signs in with. Context key `webSite`;
   * default true (the page is part of the product); `false` for an API-only deployment. The page's URL is
   * the `SiteUrl` output.
   */
  readonly webSite?: boolean;
  /**
   * With an external issuer (`jwtIssuer`) the page signs in there, so it needs the issuer's endpoints (from its
   * `/.well-known/openid-configuration`) and the page's public client (authorization code + PKCE, no secret;
   * register `<SiteUrl>/auth/callback` and `<SiteUrl>/` with it as redirect and post-logout URLs). Context keys
   * `webAuthorizationEndpoint`, `webTokenEndpoint`, `webEndSessionEndpoint` (RP-initiated logout), all
   * `https://` URLs, and `webClientId` (default: `jwtAudience` when it is exactly one client id). Required
   * with `jwtIssuer` unless `webSite=false`; unused with the built-in pool.
   */
  readonly webAuthorizationEndpoint?: string;
  readonly webTokenEndpoint?: string;
  readonly webEndSessionEndpoint?: string;
  readonly webClientId?: string;
  /** Browser origins allowed by CORS. Context key `corsAllowOrigins` (a list or comma-separated); default none. */
  readonly corsAllowOrigins?: readonly string[];
  /**
   * The stage's default route throttling: steady requests per second and burst, per route.
   * Context keys `apiThrottleRateLimit` (default 500) and `apiThrottleBurstLimit` (default 1000).
   */
  readonly apiThrottle?: { readonly rateLimit?: number; readonly burstLimit?: number };
  /** Subscribed to the alarm topic. Context key `alarmEmail`; default none. */
  readonly alarmEmail?: string;
  /**
   * How long API Gateway caches the token authorizer's answers (the worst-case revocation delay on APIs
   * that use it): at most 60 s. Context key `tokenAuthorizerCacheTtlSeconds`; default 30.
   */
  readonly tokenAuthorizerCacheTtl?: Duration;
  /** The functions' application log level. Context key `logLevel`; default "INFO". */
  readonly logLevel?: LogLevel;
  /**
   * Deletion protection on the tables and the user pool. It blocks the rollback of a failed first deploy
   * (CloudFormation cannot delete what it made), so turn it on once the stack exists. Context key
   * `deletionProtection`; default false (the resources are still retained on stack deletion).
   */
  readonly deletionProtection?: boolean;
  /** Source maps in the bundles (readable stack traces, larger bundles). Context key `sourceMaps`; default false. */
  readonly sourceMaps?: boolean;
  /**
   * Upgrades only (README "Upgrade notes"): keep the retired `byDueHour` index one more deploy, which then adds
   * `byDueDay` alone (one index change per update). No function reads it. Context key `keepByDueHourIndex`.
   */
  readonly keepByDueHourIndex?: boolean;
}

/** The built-in pool's claim for the platform user id: an immutable custom attribute the stack adds. */
export const DEFAULT_POOL_USER_ID_CLAIM = "custom:platform_user_id";

const DEFAULT_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

/** Who signs the session JWTs: the user pool the stack makes, or an existing OIDC issuer. */
export type SessionIssuer =
  | {
      readonly kind: "cognito";
      readonly callbackUrls: readonly string[];
      readonly logoutUrls: readonly string[];
      readonly domainPrefix: string | undefined;
    }
  | {
      readonly kind: "external";
      readonly issuer: string;
      readonly audience: readonly string[];
      /** Where the web page signs in (when the page is deployed). */
      readonly webPage?: ExternalWebPageAuth;
    };

/** The external issuer's OAuth endpoints and the page's public client. */
export interface ExternalWebPageAuth {
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly endSessionEndpoint: string;
}

/** Every option of the stack, from its props or else from context, parsed and checked once. */
export interface StackOptions {
  readonly stage: string | undefined;
  readonly metricsNamespace: string;
  /** The bus the lifecycle events arrive on, when it is not a bus of the stack's own (eventSourceAccounts). */
  readonly eventBusName: string;
  readonly eventSourceAccounts: readonly string[];
  /** Where the token events go: a bus name or ARN, as the publisher's EVENT_BUS_NAME takes it. */
  readonly tokenEventBusName: string;
  readonly verifyCallerAccounts: readonly string[];
  readonly sessionIssuer: SessionIssuer;
  readonly userIdClaim: string;
  /** Whether the stack deploys the web page (S3 + CloudFront) and the managed login it signs in with. */
  readonly webSite: boolean;
  readonly corsAllowOrigins: readonly string[];
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly alarmEmail: string | undefined;
  readonly tokenAuthorizerCacheTtl: Duration;
  readonly logLevel: LogLevel;
  readonly deletionProtection: boolean;
  readonly sourceMaps: boolean;
  readonly keepByDueHourIndex: boolean;
}

/**
 * The stack's options: each prop, or else its context key (`-c key=value` arrives as a string; lists may be
 * comma-separated). Throws on a value the stack cannot deploy, naming the key.
 */
export function parseStackOptions(node: Node, props: ApiTokenServiceStackProps = {}): StackOptions {
  const context = new ContextReader(node);
  if (node.tryGetContext("createTestEventRegistry") !== undefined) {
    throw new Error(
      `Context createTestEventRegistry is gone: the stack now makes sure the ${TEST_EVENT_REGISTRY_NAME} registry ` +
        "exists (creating it where it is missing, never deleting it). Deploy without the option.",
    );
  }
  const stage = props.stage ?? context.string("stage");
  if (stage !== undefined) assertStageName(stage);
  const eventSourceAccounts = accountList(props.eventSourceAccounts ?? context.list("eventSourceAccounts"), "eventSourceAccounts");
  const verifyCallerAccounts = accountList(props.verifyCallerAccounts ?? context.list("verifyCallerAccounts"), "verifyCallerAccounts");
  const eventBusName = props.eventBusName ?? context.string("eventBusName");
  if (eventBusName !== undefined && eventSourceAccounts.length > 0) {
    throw new Error(
      "eventBusName and eventSourceAccounts exclude each other: with eventSourceAccounts the stack makes the bus the events arrive on.",
    );
  }
  if (eventBusName?.startsWith("arn:")) {
    throw new Error(
      "Context eventBusName is the bus in this account the platform's events arrive on: its name, not an ARN " +
        `(${JSON.stringify(eventBusName)}). The bus the token events go to, which may be another account's, is tokenEventBusName.`,
    );
  }
  const tokenEventBusName = props.tokenEventBusName ?? context.string("tokenEventBusName") ?? "default";
  assertTokenEventBus(tokenEventBusName);
  const webSite = props.webSite ?? context.optionalBoolean("webSite") ?? true;
  const sessionIssuer = parseSessionIssuer(props, context, { stage, webSite });
  const userIdClaim =
    props.userIdClaim ?? context.string("userIdClaim") ?? (sessionIssuer.kind === "cognito" ? DEFAULT_POOL_USER_ID_CLAIM : "sub");
  assertUserIdClaim(userIdClaim, sessionIssuer.kind === "cognito");
  const cacheTtlSeconds = context.number("tokenAuthorizerCacheTtlSeconds");
  return {
    stage,
    metricsNamespace: metricsNamespaceFor(stage),
    eventBusName: eventBusName ?? "default",
    eventSourceAccounts,
    tokenEventBusName,
    verifyCallerAccounts,
    sessionIssuer,
    userIdClaim,
    webSite,
    corsAllowOrigins: props.corsAllowOrigins ?? context.list("corsAllowOrigins"),
    throttle: {
      rateLimit: props.apiThrottle?.rateLimit ?? context.number("apiThrottleRateLimit") ?? DEFAULT_THROTTLE.rateLimit,
      burstLimit: props.apiThrottle?.burstLimit ?? context.number("apiThrottleBurstLimit") ?? DEFAULT_THROTTLE.burstLimit,
    },
    alarmEmail: props.alarmEmail ?? context.string("alarmEmail"),
    // Its upper bound (60 s) is the TokenAuthorizer construct's own check, for every user of the construct.
    tokenAuthorizerCacheTtl:
      props.tokenAuthorizerCacheTtl ?? (cacheTtlSeconds === undefined ? DEFAULT_RESULTS_CACHE_TTL : Duration.seconds(cacheTtlSeconds)),
    logLevel: props.logLevel ?? context.logLevel(),
    deletionProtection: props.deletionProtection ?? context.boolean("deletionProtection"),
    sourceMaps: props.sourceMaps ?? context.boolean("sourceMaps"),
    keepByDueHourIndex: props.keepByDueHourIndex ?? context.optionalBoolean("keepByDueHourIndex") ?? false,
  };
}

function parseSessionIssuer(
  props: ApiTokenServiceStackProps,
  context: ContextReader,
  site: { stage: string | undefined; webSite: boolean },
): SessionIssuer {
  const issuer = props.jwtIssuer ?? context.string("jwtIssuer");
  const audience = props.jwtAudience === undefined ? context.list("jwtAudience") : toList(props.jwtAudience);
  if ((issuer === undefined) !== (audience.length === 0)) {
    throw new Error("jwtIssuer and jwtAudience go together: give both (an existing OIDC issuer) or neither (Cognito).");
  }
  if (issuer !== undefined) {
    return { kind: "external", issuer, audience, ...(site.webSite ? { webPage: parseExternalWebPageAuth(props, context, audience) } : {}) };
  }
  const callbackUrls = props.authCallbackUrls ?? context.list("authCallbackUrls");
  const logoutUrls = props.authLogoutUrls ?? context.list("authLogoutUrls");
  if (callbackUrls.length === 0 && logoutUrls.length > 0) throw new Error("authLogoutUrls needs authCallbackUrls.");
  const prefix = props.authDomainPrefix ?? context.string("authDomainPrefix");
  const domainPrefix = prefix === undefined || site.stage === undefined ? prefix : `${prefix}-${site.stage}`;
  if (domainPrefix !== undefined) assertDomainPrefix(domainPrefix, site.stage);
  return { kind: "cognito", callbackUrls, logoutUrls, domainPrefix };
}

function parseExternalWebPageAuth(
  props: ApiTokenServiceStackProps,
  context: ContextReader,
  audience: readonly string[],
): ExternalWebPageAuth {
  const endpoint = (key: "webAuthorizationEndpoint" | "webTokenEndpoint" | "webEndSessionEndpoint"): string => {
    const value = props[key] ?? context.string(key);
    if (value === undefined) {
      throw new Error(
        `With jwtIssuer the web page signs in at that issuer: give webAuthorizationEndpoint, webTokenEndpoint and ` +
          `webEndSessionEndpoint (from its /.well-known/openid-configuration), or deploy without the page (webSite=false). ${key} is missing.`,
      );
    }
    if (!/^https:\/\/[^/\s]+(\/\S*)?$/.test(value))
      throw new Error(`Context ${key} must be an https:// URL, not ${JSON.stringify(value)}.`);
    return value;
  };
  const clientId = props.webClientId ?? context.string("webClientId") ?? (audience.length === 1 ? audience[0] : undefined);
  if (clientId === undefined) {
    throw new Error("With jwtIssuer and more than one jwtAudience, give webClientId: the web page's public client at that issuer.");
  }
  return {
    clientId,
    authorizationEndpoint: endpoint("webAuthorizationEndpoint"),
    tokenEndpoint: endpoint("webTokenEndpoint"),
    endSessionEndpoint: endpoint("webEndSessionEndpoint"),
  };
}

/** Cognito's rules for a domain prefix (with the stage added), checked here so a deploy does not fail on them. */
export function assertDomainPrefix(domainPrefix: string, stage: string | undefined): void {
  const withStage = stage === undefined ? "" : ` (with the stage: authDomainPrefix-${stage})`;
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix)) {
    throw new Error(
      `Context authDomainPrefix must make a Cognito domain prefix${withStage} of at most 63 lower-case letters, digits or '-', ` +
        `not starting or ending with '-', not ${JSON.stringify(domainPrefix)}.`,
    );
  }
  const reserved = ["aws", "amazon", "cognito"].find((word) => domainPrefix.includes(word));
  if (reserved)
    throw new Error(`Context authDomainPrefix must not contain "${reserved}" (Cognito refuses it): ${JSON.stringify(domainPrefix)}.`);
}

/** Context values as `cdk -c key=value` and cdk.json give them: strings, or JSON values. */
class ContextReader {
  constructor(private readonly node: Node) {}

  string(key: string): string | undefined {
    const value: unknown = this.node.tryGetContext(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  }

  list(key: string): string[] {
    return toList(this.node.tryGetContext(key));
  }

  /** A non-negative number (`-c key=100` arrives as a string). */
  number(key: string): number | undefined {
    const value: unknown = this.node.tryGetContext(key);
    if (value === undefined || value === "") return undefined;
    const number = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(number) || number < 0) throw new Error(`Context ${key} must be a non-negative number, not ${String(value)}.`);
    return number;
  }

  boolean(key: string): boolean {
    const value: unknown = this.node.tryGetContext(key);
    return value === true || value === "true";
  }

  /** true/false (or "true"/"false"); undefined when not given; anything else is an error. */
  optionalBoolean(key: string): boolean | undefined {
    const value: unknown = this.node.tryGetContext(key);
    if (value === undefined || value === "") return undefined;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    throw new Error(`Context ${key} must be true or false, not ${String(value)}.`);
  }

  logLevel(): LogLevel {
    const value = this.string("logLevel") ?? "INFO";
    if (!["DEBUG", "INFO", "WARN", "ERROR"].includes(value))
      throw new Error(`Context logLevel must be DEBUG, INFO, WARN or ERROR, not ${value}.`);
    return value as LogLevel;
  }
}

/** Stage names become part of the stack name and of physical names: short, lower case, DNS-like. */
export function assertStageName(stage: string): void {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(
      `Context stage must be 1-20 lower-case letters, digits or '-', starting with a letter (e.g. dev, prod, blue), not ${JSON.stringify(stage)}.`,
    );
  }
}

/** A bus name or ARN as the publisher reads it (readTokenEventsConfig): a bad one fails synthesis, not every call. */
function assertTokenEventBus(bus: string): void {
  try {
    readTokenEventsConfig({ EVENT_BUS_NAME: bus });
  } catch {
    throw new Error(
      "Context tokenEventBusName must be an event bus name (1-256 letters, digits, '.', '-', '_' or '/') or an event bus " +
        `ARN (arn:aws:events:<region>:<account>:event-bus/<name>), not ${JSON.stringify(bus)}.`,
    );
  }
}

function assertUserIdClaim(claim: string, builtInPool: boolean): void {
  if (!/^[A-Za-z0-9_:.-]{1,100}$/.test(claim)) throw new Error(`Context userIdClaim is not a claim name: ${JSON.stringify(claim)}.`);
  if (builtInPool && claim !== "sub" && !/^custom:[A-Za-z0-9_]{1,20}$/.test(claim)) {
    throw new Error(
      `With the built-in user pool, userIdClaim is sub or custom:<attribute> (1-20 letters, digits or _), not ${claim}: ` +
        "the stack adds that attribute to the pool.",
    );
  }
}

function accountList(accounts: readonly string[], key: string): string[] {
  for (const account of accounts) {
    if (!/^\d{12}$/.test(account)) throw new Error(`Context ${key} takes 12-digit AWS account ids, not ${JSON.stringify(account)}.`);
  }
  return [...new Set(accounts)];
}

function toList(value: unknown): string[] {
  if (typeof value === "string")
    return value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  if (Array.isArray(value)) return value.map(String);
  return [];
}
