/**
 * Cold import times: each bundle imported in a fresh Node process (this Node, the project's 24), timed inside
 * that process from its start (`performance.now()`, whose origin is the process's start) to the end of the
 * import. The same spawn with an empty module is Node's bare start, which every figure has taken off.
 * Processes run one at a time, round-robin (one per bundle per round, the order rotated each round), so the
 * machine's noise hits every bundle alike; the figure is the median.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Bundle } from "./bundles.ts";
import { median, mustBeFinite, progress, round } from "./stats.ts";

/**
 * What every function reads at cold start, as the stack sets it (a union: each function reads its part).
 * Quiet: nothing a function writes is wanted, and the runner's output is only its timing line.
 */
export const FUNCTION_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: "eu-west-1",
  TABLE_NAME: "api-token-service-tokens",
  ACTIVITY_TABLE_NAME: "api-token-service-activity",
  SERVICE_NAME: "api-token-service",
  METRICS_NAMESPACE: "ApiTokenService",
  LOG_LEVEL: "SILENT",
  METRICS_DISABLED: "true",
  SESSION_USER_ID_CLAIM: "custom:platform_user_id",
  CURSOR_KEY: "bench-cursor-key-not-a-secret-0123456789",
  // The built-in Cognito pool's password check, as generate-user-token gets it in AWS.
  PASSWORD_CHECK: "cognito",
  COGNITO_USER_POOL_ID: "eu-west-1_bench0000",
  COGNITO_CLIENT_ID: "benchclient000000000000000",
  // revoke-leaked's queue and the token events' bus, as the stack sets them.
  LEAK_REPORTS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111111111111/api-token-service-leak-reports",
  EVENT_BUS_NAME: "default",
  DEAD_LETTER_TARGETS: JSON.stringify([
    {
      name: "on-user-upserted",
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/000000000000/on-user-upserted-dlq",
      functionName: "api-token-service-OnUserUpserted",
    },
  ]),
};

/** The child's whole program: import the module, report the time since the process started. */
const RUNNER = [
  "const started = performance.now();",
  "const loaded = await import(process.argv[2]);",
  "const finished = performance.now();",
  'process.stdout.write("\\n" + JSON.stringify({ ms: finished, runnerStartMs: started, handler: typeof loaded.handler }));',
  "",
].join("\n");

export interface ImportTimes {
  /** Median time from process start to the end of the import, per bundle name (the empty module's included). */
  readonly totalMs: ReadonlyMap<string, number>;
  readonly rounds: number;
}

export function measureImports(outDir: string, empty: Bundle, bundles: readonly Bundle[], rounds: number): ImportTimes {
  const runner = path.join(outDir, "import-runner.mjs");
  writeFileSync(runner, RUNNER);
  const env = { PATH: process.env.PATH ?? "", ...FUNCTION_ENV };
  const all = [empty, ...bundles];
  const samples = new Map<string, number[]>(all.map((bundle) => [bundle.name, []]));
  for (let r = 0; r < rounds; r++) {
    progress(`imports: round ${r + 1} of ${rounds} (${all.length} fresh processes)`);
    for (let i = 0; i < all.length; i++) {
      const bundle = all[(i + r) % all.length]!;
      samples.get(bundle.name)!.push(importOnce(runner, bundle, env, bundle !== empty));
    }
  }
  return {
    totalMs: new Map([...samples].map(([name, times]) => [name, mustBeFinite(`import of ${name}`, median(times))])),
    rounds,
  };
}

function importOnce(runner: string, bundle: Bundle, env: Record<string, string>, needsHandler: boolean): number {
  const run = spawnSync(process.execPath, [runner, pathToFileURL(bundle.file).href], { env, encoding: "utf8", timeout: 60_000 });
  if (run.status !== 0) {
    throw new Error(
      `bench: ${bundle.name}'s bundle failed to import (exit ${run.status ?? run.signal}): ${run.stderr.trim().slice(-2000)}`,
    );
  }
  // The runner's line is the last: anything a module wrote at import comes before it.
  const line = run.stdout.trimEnd().split("\n").at(-1) ?? "";
  let report: { ms: number; handler: string };
  try {
    report = JSON.parse(line);
  } catch {
    throw new Error(`bench: ${bundle.name}'s import gave no timing line (stdout ${JSON.stringify(run.stdout.slice(-500))}).`);
  }
  if (needsHandler && report.handler !== "function") throw new Error(`bench: ${bundle.name}'s bundle exports no handler function.`);
  return report.ms;
}

/** A bundle's cold import time: its median total less the bare start's median. */
export function initMs(times: ImportTimes, name: string, bareName: string): number {
  const total = times.totalMs.get(name);
  const bare = times.totalMs.get(bareName);
  if (total === undefined || bare === undefined) throw new Error(`bench: no import time for ${name}.`);
  return round(total - bare, 2);
}
