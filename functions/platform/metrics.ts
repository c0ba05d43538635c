import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { ActivityAction } from "../domain/model.ts";

/**
 * CloudWatch metrics as EMF log lines (no API calls on the request path), dimension `service`, in the
 * namespace the stack sets (`ApiTokenService`, or `ApiTokenService/<stage>` for a stage). The stack's
 * dashboard and alarms read exactly these names.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || "ApiTokenService",
  serviceName: "api-token-service",
});

const COUNTED: Partial<Record<ActivityAction, string>> = {
  "token.created": "TokensCreated",
  "token.revoked": "TokensRevoked",
  "token.expired": "TokensExpired",
};

/** Called by the store after a write that recorded `action` has committed. */
export function countActivity(action: ActivityAction): void {
  const name = COUNTED[action];
  if (name) metrics.addMetric(name, MetricUnit.Count, 1);
}

export function recordVerification(valid: boolean, latencyMs: number): void {
  metrics.addMetric(valid ? "TokensVerified" : "VerificationsRefused", MetricUnit.Count, 1);
  metrics.addMetric("VerifyLatency", MetricUnit.Milliseconds, latencyMs);
}
