/**
 * The functions' own structured logger and EMF metrics (functions/platform/logger.ts, metrics.ts): levels,
 * keys, lines that never throw, CloudWatch's embedded metric format and its limits, nothing written when
 * nothing was recorded.
 */
import { describe, expect, test } from "vitest";
import { Logger, logLevelFrom } from "../../functions/platform/logger.ts";
import { bufferSecondsFrom, Metrics } from "../../functions/platform/metrics.ts";

const capture = () => {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line), parsed: () => lines.map((line) => JSON.parse(line)) };
};

describe("logger", () => {
  test("writes one JSON line per entry at or above its level, with the invocation's keys", () => {
    const out = capture();
    const logger = new Logger({ service: "svc", level: "INFO", write: out.write });
    logger.debug("hidden");
    logger.appendKeys({ requestId: "r1" });
    logger.info("request", { statusCode: 200 });
    logger.resetKeys();
    logger.error("failed", { errorName: "TypeError" });
    expect(out.parsed()).toEqual([
      { level: "INFO", message: "request", timestamp: expect.any(String), service: "svc", requestId: "r1", statusCode: 200 },
      { level: "ERROR", message: "failed", timestamp: expect.any(String), service: "svc", errorName: "TypeError" },
    ]);
    expect(logger.isEnabled("DEBUG")).toBe(false);
    expect(logger.isEnabled("WARN")).toBe(true);
  });

  test("SILENT writes nothing; a value JSON cannot hold, or a failing writer, never throws", () => {
    const silent = capture();
    new Logger({ service: "svc", level: "SILENT", write: silent.write }).error("x");
    expect(silent.lines).toEqual([]);

    const out = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    new Logger({ service: "svc", level: "DEBUG", write: out.write }).info("odd", { cyclic, big: 1n });
    expect(out.parsed()).toEqual([
      { level: "INFO", message: "odd", timestamp: expect.any(String), service: "svc", attributesDropped: true },
    ]);

    const throwing = new Logger({
      service: "svc",
      level: "DEBUG",
      write: () => {
        throw new Error("stdout closed");
      },
    });
    expect(() => throwing.error("still fine")).not.toThrow();
  });

  test("the level comes from LOG_LEVEL, else Lambda's AWS_LAMBDA_LOG_LEVEL, else INFO", () => {
    expect(logLevelFrom({})).toBe("INFO");
    expect(logLevelFrom({ AWS_LAMBDA_LOG_LEVEL: "WARN" })).toBe("WARN");
    expect(logLevelFrom({ LOG_LEVEL: "debug", AWS_LAMBDA_LOG_LEVEL: "WARN" })).toBe("DEBUG");
    expect(logLevelFrom({ LOG_LEVEL: "TRACE" })).toBe("DEBUG");
    expect(logLevelFrom({ LOG_LEVEL: "FATAL" })).toBe("ERROR");
    expect(logLevelFrom({ LOG_LEVEL: "loud" })).toBe("INFO");
  });
});

describe("metrics (CloudWatch embedded metric format)", () => {
  const metricsWith = (out: ReturnType<typeof capture>, disabled = false) =>
    new Metrics({
      namespace: "ApiTokenService/blue",
      service: "api-token-service",
      disabled,
      write: out.write,
      now: () => 1_700_000_000_000,
    });

  test("one line with the namespace, the service dimension and every value; then nothing until more is recorded", () => {
    const out = capture();
    const metrics = metricsWith(out);
    metrics.addMetric("TokensVerified", "Count", 1);
    metrics.addMetric("VerifyLatency", "Milliseconds", 2.5);
    metrics.addMetric("VerifyLatency", "Milliseconds", 3.5);
    metrics.publishStoredMetrics();
    metrics.publishStoredMetrics();
    expect(out.parsed()).toEqual([
      {
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: "ApiTokenService/blue",
              Dimensions: [["service"]],
              Metrics: [
                { Name: "TokensVerified", Unit: "Count" },
                { Name: "VerifyLatency", Unit: "Milliseconds" },
              ],
            },
          ],
        },
        service: "api-token-service",
        TokensVerified: 1,
        VerifyLatency: [2.5, 3.5],
      },
    ]);
  });

  test("nothing recorded, or disabled: no line at all (no 'no metrics' warning either)", () => {
    const out = capture();
    metricsWith(out).publishStoredMetrics();
    const disabled = metricsWith(out, true);
    disabled.addMetric("TokensVerified", "Count", 1);
    expect(disabled.hasStoredMetrics()).toBe(false);
    disabled.publishStoredMetrics();
    expect(out.lines).toEqual([]);
  });

  test("more than 100 values of a metric, or more than 100 metrics, are split over lines within EMF's limits", () => {
    const out = capture();
    const metrics = metricsWith(out);
    for (let i = 0; i < 250; i++) metrics.addMetric("TokensRevoked", "Count", 1);
    for (let i = 0; i < 101; i++) metrics.addMetric(`M${i}`, "Count", i);
    metrics.publishStoredMetrics();
    const lines = out.parsed();
    for (const line of lines) {
      const names = line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
      expect(names.length).toBeLessThanOrEqual(100);
      for (const name of names) expect([line[name]].flat().length).toBeLessThanOrEqual(100);
    }
    const total = (name: string) => lines.flatMap((line) => (name in line ? [line[name]].flat() : [])).length;
    expect(total("TokensRevoked")).toBe(250);
    expect(total("M100")).toBe(1);
    expect(lines.flatMap((line) => line._aws.CloudWatchMetrics[0].Metrics).length).toBeGreaterThanOrEqual(102);
  });

  test("a hot path's buffer: one line per 100 values, or once the oldest value has waited the buffer's time", () => {
    const out = capture();
    let now = 1_000;
    const metrics = new Metrics({ namespace: "N", service: "s", disabled: false, write: out.write, now: () => now, bufferMs: 10_000 });
    for (let call = 1; call <= 250; call++) {
      metrics.addMetric("TokensVerified", "Count", 1);
      metrics.addMetric("VerifyLatency", "Milliseconds", call);
      metrics.flush(); // after each invocation
    }
    // Two full lines of 100 (at the 100th and 200th call); 50 values still kept.
    expect(out.parsed().map((line) => line.VerifyLatency.length)).toEqual([100, 100]);
    expect(out.parsed()[1].VerifyLatency[0]).toBe(101);
    now += 9_999;
    metrics.flush();
    expect(out.lines).toHaveLength(2);
    now += 1;
    metrics.flush();
    const last = out.parsed()[2];
    expect(last.VerifyLatency).toHaveLength(50);
    // Stamped with when its first value was recorded.
    expect(last._aws.Timestamp).toBe(1_000);
    metrics.flush();
    expect(out.lines).toHaveLength(3);
  });

  test("without a buffer every invocation's values are written after it; METRICS_BUFFER_SECONDS is 0 to 60", () => {
    const out = capture();
    const metrics = metricsWith(out);
    metrics.addMetric("TokensVerified", "Count", 1);
    metrics.flush();
    expect(out.lines).toHaveLength(1);
    expect(bufferSecondsFrom(undefined)).toBe(0);
    expect(bufferSecondsFrom("")).toBe(0);
    expect(bufferSecondsFrom("10")).toBe(10);
    expect(bufferSecondsFrom("61")).toBe(0);
    expect(bufferSecondsFrom("-1")).toBe(0);
    expect(bufferSecondsFrom("soon")).toBe(0);
  });
});
