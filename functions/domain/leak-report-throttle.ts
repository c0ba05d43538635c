import { createHash } from "node:crypto";
import { DomainError } from "./errors.ts";
import type { Clock } from "./ports.ts";

/**
 * Throttling of `POST /v1/revoke-leaked` (API.md: per source address, and a ceiling for the route). API Gateway
 * throttles per route, not per caller, so the service counts itself: fixed windows of a minute, one counter per
 * window and key, each an atomic increment that expires with its window (DynamoDB TTL).
 *
 * - `source`: the address a report is attributed to (the viewer's, see leak-report-sources.ts): 10 a minute.
 *   A scanner reports a leak in one request of up to 100 tokens; ten a minute is plenty for a person or a
 *   scanner, and little for someone who wants to flood the queue.
 * - `relay`: the TCP peer API Gateway saw, when it relays for a viewer (CloudFront's edge): 100 a minute, so
 *   one edge carries many viewers, and a client that forges the viewer header on a direct call gains at most that.
 * - `route`: all sources together, 1000 reports a minute (at most 100,000 tokens a minute for the worker).
 */
export const LEAK_REPORT_WINDOW_SECONDS = 60;
export const LEAK_REPORT_LIMITS = { source: 10, relay: 100, route: 1000 } as const;

export type LeakReportScope = keyof typeof LEAK_REPORT_LIMITS;

/** A counter to take: its scope and an opaque key (a hash, never an address). */
export interface LeakReportCounter {
  readonly scope: LeakReportScope;
  readonly key: string;
}

/** The counters' store (a port): adds one to each counter of the window and returns the new counts, in order. */
export interface LeakReportCounters {
  increment(counters: readonly LeakReportCounter[], window: { start: number; expiresAt: number }): Promise<number[]>;
}

/** An address as a counter's key: a hash of the window and the address, so no address is stored. */
export const addressKey = (address: string, windowStart: number): string =>
  createHash("sha256").update(`${windowStart}|${address}`, "utf8").digest("base64url").slice(0, 32);

/**
 * Counts one report against the source's counters and the route's; 429 `too_many_attempts` with `Retry-After`
 * (the seconds left in the window) when any is over its limit. Every counter is counted, refused or not.
 */
export async function admitLeakReport(
  deps: { counters: LeakReportCounters; clock: Clock },
  sources: readonly { scope: Exclude<LeakReportScope, "route">; address: string }[],
): Promise<void> {
  const now = deps.clock.now().getTime() / 1000;
  const start = Math.floor(now / LEAK_REPORT_WINDOW_SECONDS) * LEAK_REPORT_WINDOW_SECONDS;
  const end = start + LEAK_REPORT_WINDOW_SECONDS;
  const counters: LeakReportCounter[] = [
    ...sources.map(({ scope, address }) => ({ scope, key: addressKey(address, start) })),
    { scope: "route", key: "all" },
  ];
  const counts = await deps.counters.increment(counters, { start, expiresAt: end + LEAK_REPORT_WINDOW_SECONDS });
  if (counters.some((counter, i) => (counts[i] ?? 0) > LEAK_REPORT_LIMITS[counter.scope])) {
    throw new DomainError("too_many_attempts", "Too many leaked-token reports from here. Wait, then send the report again.", {
      retryAfterSeconds: Math.max(1, Math.ceil(end - now)),
    });
  }
}
