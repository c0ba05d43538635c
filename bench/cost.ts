/**
 * What a million verifications cost on AWS, per path, worked out from the bench's measured figures (reads and
 * writes per call, the verify duration, the bytes written to logs) and AWS's public list prices below. The
 * README's Performance section prints this table; the bench regenerates it with results.json.
 */
import { ACCESS_LOG_FIELDS } from "../infra/constructs/service-api.ts";

/** Public on-demand list prices, us-east-1 (USD), as published on the services' pricing pages in 2026. */
export const PRICES = {
  /** API Gateway HTTP API: per million requests (first 300 million a month). */
  httpApiPerMillionRequests: 1.0,
  /** Lambda: per million requests. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda on arm64 (Graviton): per GB-second of billed duration (first 7.5 billion GB-s a month); billed per 1 ms. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** DynamoDB on-demand: per million read request units (a strongly consistent read of up to 4 KB is one). */
  dynamoDbPerMillionReadUnits: 0.125,
  /** DynamoDB on-demand: per million write request units (a write of up to 1 KB is one). */
  dynamoDbPerMillionWriteUnits: 0.625,
  /** CloudWatch Logs: per GB ingested (Standard log class). */
  logsPerGbIngested: 0.5,
} as const;

/** The verify function's memory (infra/constructs/operation-function.ts: every function gets 256 MB). */
export const VERIFY_MEMORY_GB = 256 / 1024;
/** The TokenAuthorizer's default result cache, in seconds (tokenAuthorizerCacheTtlSeconds). */
export const AUTHORIZER_CACHE_SECONDS = 30;

export interface CostInputs {
  readsPerCall: number;
  writesPerCall: number;
  /** Mean duration of one verification, in ms (billed rounded up to whole ms per invocation). */
  durationMs: number;
  /** Bytes the function writes to its log group per successful verification. */
  logBytesPerCall: number;
}

export interface PathCost {
  readonly path: string;
  readonly perMillion: number;
  readonly parts: Record<string, number>;
}

/** One line of the HTTP API's access log (its JSON format, infra/constructs/service-api.ts), typical values. */
export function accessLogLineBytes(): number {
  const typical: Record<string, string> = {
    requestId: "JkS6Ej0UIAMEYsw=",
    requestTime: "30/Nov/2026:04:06:05 +0000",
    ip: "203.0.113.42",
    routeKey: "POST /v1/verify",
    protocol: "HTTP/1.1",
    status: "200",
    responseLength: "287",
    latency: "9",
    integrationLatency: "8",
    integrationError: "-",
    authorizerError: "-",
    error: "-",
  };
  const line = Object.fromEntries(Object.keys(ACCESS_LOG_FIELDS).map((key) => [key, typical[key] ?? "-"]));
  return Buffer.byteLength(`${JSON.stringify(line)}\n`);
}

const perMillionLogs = (bytes: number) => ((bytes * 1_000_000) / 1e9) * PRICES.logsPerGbIngested;

/** Lambda invocation, billed duration, DynamoDB reads and writes, and the function's log bytes: per million calls. */
function functionParts(inputs: CostInputs): Record<string, number> {
  const billedSeconds = Math.ceil(inputs.durationMs) / 1000;
  return {
    "Lambda requests": PRICES.lambdaPerMillionRequests,
    "Lambda duration": billedSeconds * VERIFY_MEMORY_GB * PRICES.lambdaArmPerGbSecond * 1_000_000,
    "DynamoDB reads": inputs.readsPerCall * PRICES.dynamoDbPerMillionReadUnits,
    "DynamoDB writes": inputs.writesPerCall * PRICES.dynamoDbPerMillionWriteUnits,
    "function logs": perMillionLogs(inputs.logBytesPerCall),
  };
}

const total = (parts: Record<string, number>) => Object.values(parts).reduce((sum, part) => sum + part, 0);

export function verificationCosts(inputs: CostInputs): PathCost[] {
  const fn = functionParts(inputs);
  const http = {
    "API Gateway (HTTP API)": PRICES.httpApiPerMillionRequests,
    ...fn,
    "API access logs": perMillionLogs(accessLogLineBytes()),
  };
  // The authorizer runs only on a cache miss: at most once per token and cache TTL, whatever the call rate.
  // Example: a token that calls once a second misses once in 30 calls.
  const missesPerCall = 1 / AUTHORIZER_CACHE_SECONDS;
  const authorizer = Object.fromEntries(Object.entries(fn).map(([name, value]) => [name, value * missesPerCall]));
  return [
    { path: "POST /v1/verify (HTTP API, IAM)", perMillion: total(http), parts: http },
    { path: "direct invoke (lambda:InvokeFunction)", perMillion: total(fn), parts: fn },
    { path: `TokenAuthorizer, ${AUTHORIZER_CACHE_SECONDS} s cache, a token calling 1/s`, perMillion: total(authorizer), parts: authorizer },
  ];
}
