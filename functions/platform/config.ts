/**
 * The functions' configuration, read from the environment the CDK stack (or the local server) sets, and
 * checked at cold start so a misconfigured function fails loudly on its first invocation. Errors name the
 * variables, never their values (some are secrets).
 *
 * Checked by hand rather than with a schema: every function reads this, the verify function included, and a
 * schema library would be a twentieth of its bundle (about 23 KB of zod/mini) for seven variables. The
 * password-check settings, which only two functions read, keep their zod/mini schema (password-check.ts).
 */
export interface BaseConfig {
  readonly TABLE_NAME: string;
  /** The activity log's own table (append and read only). */
  readonly ACTIVITY_TABLE_NAME: string;
  /** Local mode only: DynamoDB Local's address. Unset in AWS. */
  readonly DYNAMODB_ENDPOINT?: string;
  /** `test` lets the local server move time forward (POST /local/clock); never set in AWS. */
  readonly CLOCK: "system" | "test";
  /**
   * The secret that seals list cursors (HMAC). Only the list functions get it: the CDK stack passes a secret
   * it generated (Secrets Manager), the local server a development key. Required by `requireCursorKey()`.
   */
  readonly CURSOR_KEY?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const isUrl = (value: string) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);

function invalid(what: string, fields: readonly string[]): Error {
  return new Error(`Invalid ${what} configuration in the environment: ${fields.join(", ")}`);
}

export function readBaseConfig(env: Env = process.env): BaseConfig {
  const problems = [
    ...((env.TABLE_NAME ?? "").length < 3 ? ["TABLE_NAME"] : []),
    ...((env.ACTIVITY_TABLE_NAME ?? "").length < 3 ? ["ACTIVITY_TABLE_NAME"] : []),
    ...(env.DYNAMODB_ENDPOINT !== undefined && !isUrl(env.DYNAMODB_ENDPOINT) ? ["DYNAMODB_ENDPOINT"] : []),
    ...(env.CLOCK !== undefined && env.CLOCK !== "system" && env.CLOCK !== "test" ? ["CLOCK"] : []),
    ...(env.CURSOR_KEY !== undefined && env.CURSOR_KEY.length < 32 ? ["CURSOR_KEY"] : []),
  ];
  if (problems.length > 0) throw invalid("base", problems);
  return {
    TABLE_NAME: env.TABLE_NAME as string,
    ACTIVITY_TABLE_NAME: env.ACTIVITY_TABLE_NAME as string,
    ...(env.DYNAMODB_ENDPOINT !== undefined ? { DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT } : {}),
    CLOCK: (env.CLOCK as BaseConfig["CLOCK"] | undefined) ?? "system",
    ...(env.CURSOR_KEY !== undefined ? { CURSOR_KEY: env.CURSOR_KEY } : {}),
  };
}

/**
 * A claim name: printable ASCII without spaces (`sub`, `custom:platform_user_id`, or a namespaced URL such
 * as `https://example.com/user_id` for issuers that require one), never a claim that cannot name a person.
 */
const CLAIM_NAME = /^[\x21-\x7e]{1,256}$/;
const NOT_A_PERSON_CLAIM = new Set(["iss", "aud", "exp", "nbf", "iat", "jti", "auth_time", "token_use", "client_id", "scope"]);

export interface SessionConfig {
  /** The claim that names the person (`SESSION_USER_ID_CLAIM`, default `sub`). */
  readonly userIdClaim: string;
}

/**
 * Read by the functions that take a person's session (the management routes), not by verify.
 * `SESSION_USER_ID_CLAIM` is the JWT claim that carries the platform's user id (API.md Conventions): `sub`
 * for an external issuer; with the built-in Cognito pool, whose `sub` Cognito generates, a custom attribute
 * such as `custom:platform_user_id`. Unset or empty: `sub`.
 */
export function readSessionConfig(env: Env = process.env): SessionConfig {
  const claim = env.SESSION_USER_ID_CLAIM;
  if (!claim) return { userIdClaim: "sub" };
  if (!CLAIM_NAME.test(claim) || NOT_A_PERSON_CLAIM.has(claim)) throw invalid("session", ["SESSION_USER_ID_CLAIM"]);
  return { userIdClaim: claim };
}

/** For the list functions, at cold start: without the key they could not hand out or take back a cursor. */
export function requireCursorKey(): string {
  const { CURSOR_KEY } = readBaseConfig();
  if (!CURSOR_KEY) throw invalid("cursor", ["CURSOR_KEY"]);
  return CURSOR_KEY;
}

/**
 * Where `POST /v1/revoke-leaked` sends its reports (the function that takes them, read at its cold start):
 * `LEAK_REPORTS_QUEUE_URL`, the SQS queue the CDK stack makes (in AWS); or `LEAK_REPORTS_SINK=in-process`,
 * the local server's stand-in, which runs the worker in the same process right after the answer.
 */
export type LeakReportConfig = { readonly queueUrl: string } | { readonly inProcess: true };

export function readLeakReportConfig(env: Env = process.env): LeakReportConfig {
  const queueUrl = env.LEAK_REPORTS_QUEUE_URL;
  if (queueUrl !== undefined) {
    if (!/^https:\/\//.test(queueUrl) || !isUrl(queueUrl)) throw invalid("leak report", ["LEAK_REPORTS_QUEUE_URL"]);
    return { queueUrl };
  }
  if (env.LEAK_REPORTS_SINK === "in-process") return { inProcess: true };
  throw invalid("leak report", ["LEAK_REPORTS_QUEUE_URL"]);
}

/**
 * Where the token events go (API.md "Token events out"), read by the publisher at its cold start:
 * `EVENT_BUS_NAME`, a bus name or ARN the CDK stack passes (`default` unless configured); locally also
 * `EVENT_BUS_ENDPOINT`, the local server's stand-in for EventBridge.
 */
export interface TokenEventsConfig {
  readonly busName: string;
  readonly endpoint?: string;
}

/** A bus name, or a bus ARN (another account's too). The stack checks `tokenEventBusName` with this at synthesis. */
const BUS_NAME = /^(arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[\w.\-/]{1,256}$/;

export function readTokenEventsConfig(env: Env = process.env): TokenEventsConfig {
  const busName = env.EVENT_BUS_NAME ?? "";
  const endpoint = env.EVENT_BUS_ENDPOINT;
  const problems = [
    ...(BUS_NAME.test(busName) ? [] : ["EVENT_BUS_NAME"]),
    ...(endpoint !== undefined && !isUrl(endpoint) ? ["EVENT_BUS_ENDPOINT"] : []),
  ];
  if (problems.length > 0) throw invalid("token events", problems);
  return { busName, ...(endpoint !== undefined ? { endpoint } : {}) };
}
