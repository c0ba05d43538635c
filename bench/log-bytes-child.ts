/**
 * Run by bench/log-bytes.ts in a fresh process with the environment a deployed verify function has (INFO logs,
 * metrics on): imports the verify handler, makes hot-token and refused verifications, and counts the bytes the
 * function writes to stdout (its log group in AWS) per call. The figures go to the parent as one JSON line on
 * stderr; what the function writes goes nowhere.
 */
import type { Context } from "aws-lambda";
import { verifyEvent } from "./verify-event.ts";

const { handler } = await import("../functions/api/verify-token.ts");
// The same module instance the handler records into: what a phase left buffered is written and counted with it.
const { metrics } = await import("../functions/platform/metrics.ts");
const context = { awsRequestId: "bench-log-bytes", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const secret = process.env.BENCH_HOT_TOKEN ?? "";
const orgId = process.env.BENCH_ORG_ID ?? "";
const calls = Number(process.env.BENCH_CALLS ?? "200");

let bytes = 0;
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
  (rest.find((arg) => typeof arg === "function") as (() => void) | undefined)?.();
  return true;
}) as typeof process.stdout.write;

async function bytesPerCall(token: string, expectValid: boolean, direct: boolean): Promise<number> {
  const before = bytes;
  for (let i = 0; i < calls; i++) {
    const answer = direct ? await handler({ token, orgId }, context) : await handler(verifyEvent(token, orgId) as never, context);
    const result = (direct ? answer : JSON.parse((answer as { body: string }).body)) as { valid?: boolean };
    if (result.valid !== expectValid) throw new Error(`bench: verify answered ${JSON.stringify(result)}`);
  }
  // Whatever the buffer still holds is written eventually: it is part of these calls' cost.
  metrics.publishStoredMetrics();
  return (bytes - before) / calls;
}

await handler({ token: secret, orgId }, context); // the first use is written once; from here on the token is hot
metrics.publishStoredMetrics();
const figures = {
  validHttp: await bytesPerCall(secret, true, false),
  validDirect: await bytesPerCall(secret, true, true),
  refusedHttp: await bytesPerCall(`${secret.slice(0, 12)}${"x".repeat(Math.max(0, secret.length - 12))}`, false, false),
};
process.stderr.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
