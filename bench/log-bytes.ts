/**
 * What a deployed verify function writes to CloudWatch Logs per call (its structured log lines and its EMF
 * metrics line), measured in a fresh process with the deployed settings (log-bytes-child.ts), since the
 * bench's own process runs the functions quietly. Log bytes are a cost (ingestion), so cost.ts uses them.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { HOT_PATH_METRICS_BUFFER_SECONDS } from "../infra/constructs/operation-function.ts";
import type { BenchDatabase } from "./dynamodb.ts";
import { ORG_ID } from "./dynamodb.ts";

export interface LogBytes {
  /** Per successful verification of a hot token, over HTTP (API Gateway's event) and invoked directly. */
  validHttp: number;
  validDirect: number;
  /** Per refused verification (the token is not found). */
  refusedHttp: number;
}

export async function measureLogBytes(db: BenchDatabase, startEnv: NodeJS.ProcessEnv, calls: number): Promise<LogBytes> {
  const hot = await db.newUserToken("bench log bytes");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "log-bytes-child.ts")], {
    env: {
      ...startEnv,
      // As the stack sets them (infra/constructs/operation-function.ts), pointed at the bench's tables.
      LOG_LEVEL: "INFO",
      METRICS_NAMESPACE: "ApiTokenService",
      METRICS_DISABLED: "",
      METRICS_BUFFER_SECONDS: String(HOT_PATH_METRICS_BUFFER_SECONDS),
      TABLE_NAME: db.tables.tokens,
      ACTIVITY_TABLE_NAME: db.tables.activity,
      DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: "local",
      BENCH_HOT_TOKEN: hot.secret,
      BENCH_ORG_ID: ORG_ID,
      BENCH_CALLS: String(calls),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const last = stderr.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !last.startsWith("{")) throw new Error(`bench: the log-bytes process failed (${code}): ${stderr.slice(-2000)}`);
  return JSON.parse(last) as LogBytes;
}
