import type { MiddlewareObj } from "@middy/core";
import type { ActivityAction } from "../domain/model.ts";
import { logger, SERVICE_NAME } from "./logger.ts";

export type MetricUnit = "Count" | "Milliseconds";

/** CloudWatch's embedded metric format takes at most 100 metrics per line and 100 values per metric. */
const EMF_LIMIT = 100;

/**
 * CloudWatch metrics in the embedded metric format (EMF): JSON log lines that CloudWatch turns into metrics.
 * No API call, so nothing waits on CloudWatch; publishing writes lines built from what was recorded, after the
 * answer is decided. Nothing recorded, nothing written (no "no metrics" warnings).
 *
 * A hot path (verify, the token authorizer) buffers: `METRICS_BUFFER_SECONDS` (the stack sets it for those
 * functions) keeps an execution environment's values and writes them as one line when a metric has 100 values
 * (EMF's limit) or the oldest is that many seconds old, checked after each invocation. A line per call would
 * cost as much in log ingestion as the DynamoDB read (README, Performance); one per 100 calls costs about 1%.
 * The price: when Lambda retires an environment, at most its last few seconds of values are never written.
 *
 * Dimension `service`, in the namespace the stack sets (`ApiTokenService`, or `ApiTokenService/<stage>` for a
 * stage). The stack's dashboard and alarms read exactly these names.
 */
export class Metrics {
  private stored = new Map<string, { unit: MetricUnit; values: number[] }>();
  /** When the oldest stored value was recorded (its line's timestamp). */
  private firstStoredAt = 0;

  constructor(
    private readonly options: {
      namespace: string;
      service: string;
      /** Local mode and tests: record nothing (the lines would only be noise there). */
      disabled: boolean;
      write: (line: string) => void;
      now?: () => number;
      /** Keep values up to this long (0: publish after every invocation). */
      bufferMs?: number;
    },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  addMetric(name: string, unit: MetricUnit, value: number): void {
    if (this.options.disabled) return;
    if (this.stored.size === 0) this.firstStoredAt = this.now();
    const metric = this.stored.get(name);
    if (metric) metric.values.push(value);
    else this.stored.set(name, { unit, values: [value] });
  }

  hasStoredMetrics(): boolean {
    return this.stored.size > 0;
  }

  /**
   * After an invocation: publishes now, unless buffering and neither a metric is full (100 values) nor the
   * oldest value has waited `bufferMs`.
   */
  flush(): void {
    const bufferMs = this.options.bufferMs ?? 0;
    if (
      bufferMs > 0 &&
      this.now() - this.firstStoredAt < bufferMs &&
      ![...this.stored.values()].some((m) => m.values.length >= EMF_LIMIT)
    ) {
      return;
    }
    this.publishStoredMetrics();
  }

  /** Writes what was recorded since the last publish (nothing if nothing was) and forgets it. */
  publishStoredMetrics(): void {
    if (this.stored.size === 0) return;
    const metrics = [...this.stored];
    this.stored = new Map();
    const timestamp = this.firstStoredAt;
    for (let start = 0; start < metrics.length; start += EMF_LIMIT) {
      const chunk = metrics.slice(start, start + EMF_LIMIT);
      for (let offset = 0; chunk.some(([, metric]) => metric.values.length > offset); offset += EMF_LIMIT) {
        const present = chunk.filter(([, metric]) => metric.values.length > offset);
        const line: Record<string, unknown> = {
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [
              {
                Namespace: this.options.namespace,
                Dimensions: [["service"]],
                Metrics: present.map(([name, metric]) => ({ Name: name, Unit: metric.unit })),
              },
            ],
          },
          service: this.options.service,
        };
        for (const [name, metric] of present) {
          const values = metric.values.slice(offset, offset + EMF_LIMIT);
          line[name] = values.length === 1 ? values[0] : values;
        }
        this.options.write(JSON.stringify(line));
      }
    }
  }
}

export const metrics = new Metrics({
  namespace: process.env.METRICS_NAMESPACE || "ApiTokenService",
  service: SERVICE_NAME,
  disabled: process.env.METRICS_DISABLED === "true",
  write: (line) => process.stdout.write(`${line}\n`),
  bufferMs: bufferSecondsFrom(process.env.METRICS_BUFFER_SECONDS) * 1000,
});

/** `METRICS_BUFFER_SECONDS`: 0 to 60 seconds; unset, empty or anything else is 0 (publish every invocation). */
export function bufferSecondsFrom(value: string | undefined): number {
  const seconds = value === undefined || value === "" ? 0 : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 && seconds <= 60 ? seconds : 0;
}

/**
 * The middy middleware every function uses: publishes after the answer is decided (after and onError), and
 * a failure to publish is logged and never changes that answer: a 201 carries a secret that would be lost,
 * and a retry would make a second token.
 */
export function publishMetrics<TEvent, TResult>(): MiddlewareObj<TEvent, TResult> {
  return { after: flushMetrics, onError: flushMetrics };
}

/** Publishes what was recorded (or keeps it, when buffering); a failure is logged, never thrown. */
export function flushMetrics(): void {
  try {
    metrics.flush();
  } catch (error) {
    try {
      logger.error("metrics not published", {
        errorName: (error as Error | undefined)?.name,
        errorMessage: (error as Error | undefined)?.message,
      });
    } catch {
      // Nothing left to tell it to.
    }
  }
}

const COUNTED: Partial<Record<ActivityAction, string>> = {
  "token.created": "TokensCreated",
  "token.revoked": "TokensRevoked",
  "token.expired": "TokensExpired",
};

/** Called by the store after a write that recorded `action` has committed. */
export function countActivity(action: ActivityAction): void {
  const name = COUNTED[action];
  if (name) metrics.addMetric(name, "Count", 1);
}

/** The token events a publisher put on the bus, and the expiry warnings the hourly job wrote (API.md "Token events out"). */
export function countTokenEvents(what: { published?: number; expiryWarnings?: number }): void {
  if (what.published) metrics.addMetric("TokenEventsPublished", "Count", what.published);
  if (what.expiryWarnings) metrics.addMetric("ExpiryWarnings", "Count", what.expiryWarnings);
}

export function recordVerification(valid: boolean, latencyMs: number): void {
  metrics.addMetric(valid ? "TokensVerified" : "VerificationsRefused", "Count", 1);
  metrics.addMetric("VerifyLatency", "Milliseconds", latencyMs);
}
