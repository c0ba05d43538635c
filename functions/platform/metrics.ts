import type { MiddlewareObj } from "@middy/core";
import type { ActivityAction } from "../domain/model.ts";
import { logger, SERVICE_NAME } from "./logger.ts";

export type MetricUnit = "Count" | "Milliseconds";

/** CloudWatch's embedded metric format takes at most 100 metrics per line and 100 values per metric. */
const EMF_LIMIT = 100;

/**
 * CloudWatch metrics in the embedded metric format (EMF): one JSON log line per invocation that recorded
 * something, which CloudWatch turns into metrics. No API call, so nothing waits on CloudWatch; publishing is
 * one synchronous write of a line built from what was recorded, after the answer is decided. An invocation
 * that recorded nothing writes nothing (no "no metrics" warnings).
 *
 * Dimension `service`, in the namespace the stack sets (`ApiTokenService`, or `ApiTokenService/<stage>` for a
 * stage). The stack's dashboard and alarms read exactly these names.
 */
export class Metrics {
  private stored = new Map<string, { unit: MetricUnit; values: number[] }>();

  constructor(
    private readonly options: {
      namespace: string;
      service: string;
      /** Local mode and tests: record nothing (the lines would only be noise there). */
      disabled: boolean;
      write: (line: string) => void;
      now?: () => number;
    },
  ) {}

  addMetric(name: string, unit: MetricUnit, value: number): void {
    if (this.options.disabled) return;
    const metric = this.stored.get(name);
    if (metric) metric.values.push(value);
    else this.stored.set(name, { unit, values: [value] });
  }

  hasStoredMetrics(): boolean {
    return this.stored.size > 0;
  }

  /** Writes what was recorded since the last publish (nothing if nothing was) and forgets it. */
  publishStoredMetrics(): void {
    if (this.stored.size === 0) return;
    const metrics = [...this.stored];
    this.stored = new Map();
    const timestamp = (this.options.now ?? Date.now)();
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
});

/**
 * The middy middleware every function uses: publishes after the answer is decided (after and onError), and
 * a failure to publish is logged and never changes that answer: a 201 carries a secret that would be lost,
 * and a retry would make a second token.
 */
export function publishMetrics<TEvent, TResult>(): MiddlewareObj<TEvent, TResult> {
  return { after: flushMetrics, onError: flushMetrics };
}

/** Publishes what was recorded; a failure is logged, never thrown. */
export function flushMetrics(): void {
  try {
    metrics.publishStoredMetrics();
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

export function recordVerification(valid: boolean, latencyMs: number): void {
  metrics.addMetric(valid ? "TokensVerified" : "VerificationsRefused", "Count", 1);
  metrics.addMetric("VerifyLatency", "Milliseconds", latencyMs);
}
