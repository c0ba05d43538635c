/**
 * Example client for `POST /v1/verify` of the API token service, for services that run in AWS.
 *
 * In AWS the route is protected by API Gateway's IAM authorization (HTTP API, route auth `AWS_IAM`):
 * every request must be signed with AWS Signature Version 4 for the service `execute-api`, with the
 * credentials of a role that is allowed to invoke the route:
 *   { "Effect": "Allow", "Action": "execute-api:Invoke",
 *     "Resource": "arn:aws:execute-api:<region>:<account>:<apiId>/$default/POST/v1/verify" }
 * This file does exactly that and nothing more, so it can be copied into another code base as it is.
 * `apiUrl` is the stack's `ApiUrl` output (stack `ApiTokenService`).
 *
 * Needs Node 18+ (global `fetch`) and three packages:
 *   npm install @smithy/signature-v4 @aws-crypto/sha256-js @aws-sdk/credential-provider-node
 *
 *   const client = createVerifyClient({ apiUrl: "https://abc123.execute-api.eu-west-1.amazonaws.com", region: "eu-west-1" });
 *   const result = await client.verify(tokenFromTheCaller, "org-123");
 *   if (!result.valid) return deny(result.reason);
 *   // result.principal, result.permissions, result.groups, result.sites …
 *
 * Try it from a shell (the token comes from the environment, never from the command line, so it stays out
 * of shell history and `ps`):
 *   read -rs API_TOKEN && export API_TOKEN
 *   npx tsx docs/examples/verify-client.ts https://abc123.execute-api.eu-west-1.amazonaws.com eu-west-1 [orgId]
 * It prints the result as JSON and exits 0 for a valid token, 1 for an invalid one, 2 on an error.
 *
 * The contract is API.md's "Using a token" section; the types below mirror it (and the service's own
 * `VerifyResult`, which a type test in this repository keeps them equal to).
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

// ---------------------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------------------

/** A user token (a person's own) or a service-user token (made by an admin for a system). */
export type TokenKind = "user" | "service_user";

/**
 * Why a token is not valid. When several apply, the service answers the first of:
 * malformed, not_found, wrong_org, revoked, expired.
 * - `malformed`: not a token of this service at all (wrong shape or checksum; no database read was made).
 * - `not_found`: no such token (or an expired one that has since been deleted).
 * - `wrong_org`: the token belongs to another organization than the `orgId` you asked about.
 * - `revoked` / `expired`: it was a token, and no longer works.
 */
export type InvalidReason = "malformed" | "not_found" | "wrong_org" | "revoked" | "expired";

/** A token that works. Its access is the principal's access *now*, not a copy taken when the token was made. */
export interface ValidToken {
  valid: true;
  /** The organization the token belongs to (equal to the `orgId` you passed, if you passed one). */
  orgId: string;
  tokenId: string;
  kind: TokenKind;
  /** Who the token acts for. `type` always equals `kind`. */
  principal: { type: TokenKind; id: string; name: string };
  permissions: string[];
  /** Always empty for service-user tokens (no group or site access control for them). */
  groups: string[];
  /** Always empty for service-user tokens. */
  sites: string[];
  /** True only for user tokens. */
  canLogin: boolean;
}

export interface InvalidToken {
  valid: false;
  reason: InvalidReason;
}

/** The 200 answer of `POST /v1/verify`: narrow it with `result.valid`. */
export type VerifyResult = ValidToken | InvalidToken;

// ---------------------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------------------

/** AWS credentials, as every AWS SDK credential provider returns them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials (a role: Lambda, ECS, EC2, SSO, assume-role); then it must be signed too. */
  sessionToken?: string;
  expiration?: Date;
}

/** Called before every request; should cache and refresh by itself (the default provider chain does). */
export type CredentialsProvider = () => Promise<AwsCredentials>;

export interface VerifyClientOptions {
  /**
   * The API's base URL, without `/v1/verify`: the stack's API endpoint output, e.g.
   * `https://abc123.execute-api.eu-west-1.amazonaws.com`, or a custom domain (with its base path, if any).
   */
  apiUrl: string;
  /** The region the API is deployed in (part of what is signed). */
  region: string;
  /**
   * Default: the Node.js default provider chain (environment variables, SSO, shared config and
   * credentials files, web identity, ECS and EC2 instance roles), the same as the AWS SDK's clients use.
   */
  credentials?: AwsCredentials | CredentialsProvider;
  /** Abort a request that takes longer than this. Default 5000 ms. */
  timeoutMs?: number;
}

export interface VerifyClient {
  /**
   * Verifies an API token. Resolves with the service's answer, valid or not; rejects with a `VerifyError`
   * when the service (or API Gateway in front of it) answers anything but 200, and with fetch's own error
   * when the service cannot be reached or the timeout passes.
   * @param orgId when given, a token of any other organization is `wrong_org`; leave it out to check the
   *   token in its own organization (and read that organization from the result).
   */
  verify(token: string, orgId?: string): Promise<VerifyResult>;
}

/**
 * A non-200 answer. Carries what is needed to act on it and to quote it to the service's owners, and never
 * the token (nor the request body that holds it).
 */
export class VerifyError extends Error {
  override readonly name = "VerifyError";
  /** The HTTP status. */
  readonly status: number;
  /**
   * The service's error code (API.md "Status codes and error codes"), e.g. `invalid_request` or
   * `unavailable`. Undefined when the answer is not the service's own: API Gateway's rejections, such as
   * 403 `{"message":"Forbidden"}` when the signature is wrong or the caller's role may not invoke the route.
   */
  readonly code: string | undefined;
  /** The service's request id, or API Gateway's (`apigw-requestid`) when the service did not answer. */
  readonly requestId: string | undefined;
  /** Seconds, from `Retry-After`, when the answer says when to try again (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  // Plain fields rather than constructor parameter properties, so that this file also runs under Node's
  // own type stripping (`node verify-client.ts`), which does not support them.
  constructor(message: string, details: { status: number; code?: string; requestId?: string; retryAfterSeconds?: number }) {
    super(message);
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

export function createVerifyClient(options: VerifyClientOptions): VerifyClient {
  // Built once: the URL does not change, and the default provider caches credentials and refreshes them
  // shortly before they expire, so creating it per request would fetch credentials every time.
  const endpoint = new URL(`${options.apiUrl.replace(/\/+$/, "")}/v1/verify`);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const signer = new SignatureV4({
    service: "execute-api",
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
  });

  return {
    async verify(token, orgId) {
      const body = JSON.stringify(orgId === undefined ? { token } : { token, orgId });

      // The signer signs every header it is given, adds `x-amz-date`, `x-amz-content-sha256` (the body's
      // SHA-256) and, for temporary credentials, `x-amz-security-token`, and puts the result in
      // `authorization`. `host` must be among the signed headers; `URL.host` carries the port only when it
      // is not the scheme's default, which is exactly the Host header that fetch will send.
      const signed = await signer.sign({
        method: "POST",
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        path: endpoint.pathname,
        query: {},
        headers: { host: endpoint.host, "content-type": "application/json" },
        body,
      });

      // fetch sets Host from the URL itself (the same value that was signed), and headers it adds on its
      // own (content-length, user-agent, accept…) are simply not signed, which SigV4 allows.
      const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== "host"));
      const response = await fetch(endpoint, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });

      const text = await response.text();
      const json = parseJson(text);
      if (response.status !== 200) throw toVerifyError(response, json);
      if (!isVerifyResult(json)) {
        throw new VerifyError("POST /v1/verify answered 200 with a body that is not a verification result.", {
          status: 200,
          requestId: gatewayRequestId(response),
        });
      }
      return json;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading the answer
// ---------------------------------------------------------------------------------------------------------

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A light check of the contract's shape: enough to narrow on `valid` safely, not a full schema. */
function isVerifyResult(value: unknown): value is VerifyResult {
  if (typeof value !== "object" || value === null) return false;
  const body = value as Record<string, unknown>;
  if (body.valid === false) return typeof body.reason === "string";
  return (
    body.valid === true &&
    typeof body.orgId === "string" &&
    typeof body.tokenId === "string" &&
    typeof body.principal === "object" &&
    body.principal !== null &&
    Array.isArray(body.permissions) &&
    Array.isArray(body.groups) &&
    Array.isArray(body.sites) &&
    typeof body.canLogin === "boolean"
  );
}

const gatewayRequestId = (response: Response) => response.headers.get("apigw-requestid") ?? undefined;

/**
 * The service's errors are `{"error":{"code","message","requestId"}}`; API Gateway's own are
 * `{"message": "..."}`. Either way only the status, the code, one line of message and the request id are
 * kept: nothing of what was sent.
 */
function toVerifyError(response: Response, json: unknown): VerifyError {
  const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
  const retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : undefined;
  const body = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const error = (typeof body.error === "object" && body.error !== null ? body.error : undefined) as Record<string, unknown> | undefined;

  if (error && typeof error.code === "string") {
    const requestId = typeof error.requestId === "string" ? error.requestId : gatewayRequestId(response);
    const message = typeof error.message === "string" ? oneLine(error.message) : "";
    return new VerifyError(
      `POST /v1/verify answered ${response.status} ${error.code}: ${message}${requestId ? ` (request id ${requestId})` : ""}`,
      { status: response.status, code: error.code, requestId, retryAfterSeconds },
    );
  }
  const requestId = gatewayRequestId(response);
  const message = typeof body.message === "string" ? oneLine(body.message) : response.statusText;
  return new VerifyError(
    `POST /v1/verify answered ${response.status}: ${message}${requestId ? ` (API Gateway request id ${requestId})` : ""}`,
    { status: response.status, requestId, retryAfterSeconds },
  );
}

/** The first line, at most 300 characters (a signature mismatch can come with a long explanation). */
const oneLine = (message: string) => (message.split("\n", 1)[0] ?? "").slice(0, 300);

// ---------------------------------------------------------------------------------------------------------
// Command line: only when this file is run directly (`npx tsx docs/examples/verify-client.ts …`), not when
// it is imported.
// ---------------------------------------------------------------------------------------------------------

async function main(args: string[]): Promise<number> {
  const [apiUrl, region, orgId] = args;
  const token = process.env.API_TOKEN;
  if (!apiUrl || !region || !token) {
    console.error(
      "usage: API_TOKEN=<token> npx tsx docs/examples/verify-client.ts <apiUrl> <region> [orgId]\n" +
        "  The token is read from the environment variable API_TOKEN (so it stays out of shell history and ps):\n" +
        "  read -rs API_TOKEN && export API_TOKEN\n" +
        "  AWS credentials come from the default provider chain (AWS_PROFILE, environment, SSO, instance role…).",
    );
    return 2;
  }
  try {
    const result = await createVerifyClient({ apiUrl, region }).verify(token, orgId);
    console.log(JSON.stringify(result, null, 2));
    return result.valid ? 0 : 1;
  } catch (error) {
    // fetch's own failures say why in `cause` (ECONNREFUSED, ENOTFOUND, a timeout…).
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
    console.error(error instanceof Error ? `${error.name}: ${error.message}${cause}` : String(error));
    return 2;
  }
}

function runDirectly(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (runDirectly()) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
