/**
 * `npm run bench`: figures for the hot path, printed, never asserted (machines are shared and noisy).
 * - the verify Lambda's bundle size and its cold import time (what a cold start pays before the first request)
 * - verify latency through the real handler module against DynamoDB Local (warm, sequential and concurrent)
 * DynamoDB Local is far slower than DynamoDB itself, so the latency figures are upper bounds for the
 * service's own work plus one local database round trip.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { build } from "esbuild";
import getPort from "get-port";
import { ensureTables } from "../../local/create-table.ts";
import { startDynamoDbLocal } from "../../local/dynamodb-local.ts";

const root = resolve(import.meta.dirname, "../..");
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (n: number) => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(2)} ms`);

async function bundleFigures() {
  const dir = mkdtempSync(join(tmpdir(), "bench-"));
  const rows: string[] = [];
  for (const operation of ["verify-token", "generate-user-token"]) {
    const outfile = join(dir, `${operation}.mjs`);
    await build({
      entryPoints: [join(root, "functions/api", `${operation}.ts`)],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node24",
      minify: true,
      outfile,
      logLevel: "error",
      banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    });
    // A fresh process per sample: module import time is what a cold start pays on top of the runtime's own.
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const run = spawnSync(
        process.execPath,
        [
          "-e",
          `const t=performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now()-t)`,
          "--input-type=module",
        ],
        {
          env: {
            ...process.env,
            TABLE_NAME: "bench",
            ACTIVITY_TABLE_NAME: "bench-activity",
            PASSWORD_CHECK: "local",
            AWS_REGION: "eu-west-1",
          },
          encoding: "utf8",
        },
      );
      samples.push(Number(run.stdout.trim()));
    }
    samples.sort((a, b) => a - b);
    rows.push(
      `  ${operation.padEnd(22)} ${(statSync(outfile).size / 1024).toFixed(0).padStart(5)} KiB   import median ${ms(percentile(samples, 50))}`,
    );
  }
  return rows;
}

async function main() {
  console.log("Bundles (esbuild, minified ESM, as NodejsFunction builds them):");
  for (const row of await bundleFigures()) console.log(row);

  const dynamo = await startDynamoDbLocal({ port: await getPort() });
  try {
    const tableName = "bench-tokens";
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "local",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    await ensureTables(client, { tokens: tableName, activity: `${tableName}-activity` });
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      ACTIVITY_TABLE_NAME: `${tableName}-activity`,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      CLOCK: "system",
      LOG_LEVEL: "WARN",
    });

    const { Memberships } = await import("../../functions/domain/memberships.ts");
    const { UserTokens } = await import("../../functions/domain/user-tokens.ts");
    const { store, clock } = await import("../../functions/platform/services.ts");
    const { handler } = await import("../../functions/api/verify-token.ts");
    await new Memberships({ store, clock }).applyUserUpserted({
      orgId: "bench",
      userId: "u1",
      name: "Bench",
      permissions: ["a"],
      groups: ["g"],
      sites: ["s"],
      occurredAt: new Date().toISOString(),
    });
    await new Memberships({ store, clock }).applyOrganizationSettingsChanged({
      orgId: "bench",
      ssoEnforced: true,
      occurredAt: new Date().toISOString(),
    });
    const { secret } = await new UserTokens({ store, clock }).generate({ orgId: "bench", userId: "u1", name: "bench" });

    const event = (token: string) =>
      ({
        version: "2.0",
        routeKey: "POST /v1/verify",
        rawPath: "/v1/verify",
        rawQueryString: "",
        headers: { "content-type": "application/json" },
        requestContext: { requestId: "bench", http: { method: "POST", path: "/v1/verify" } },
        body: JSON.stringify({ token, orgId: "bench" }),
        isBase64Encoded: false,
      }) as never;
    const context = { awsRequestId: "bench", getRemainingTimeInMillis: () => 10_000 } as never;
    const verifyOnce = async (token: string) => {
      const started = performance.now();
      const result = (await handler(event(token), context)) as { statusCode: number; body: string };
      if (result.statusCode !== 200) throw new Error(result.body);
      return performance.now() - started;
    };

    for (let i = 0; i < 200; i++) await verifyOnce(secret); // warm up
    const sequential: number[] = [];
    for (let i = 0; i < 2000; i++) sequential.push(await verifyOnce(secret));
    sequential.sort((a, b) => a - b);
    console.log(
      `\nverify, valid token, warm, sequential (n=2000): p50 ${ms(percentile(sequential, 50))}  p95 ${ms(percentile(sequential, 95))}  p99 ${ms(percentile(sequential, 99))}`,
    );

    const malformed: number[] = [];
    for (let i = 0; i < 2000; i++) malformed.push(await verifyOnce(`${secret.slice(0, -1)}x`));
    malformed.sort((a, b) => a - b);
    console.log(
      `verify, malformed token (no database read) (n=2000): p50 ${ms(percentile(malformed, 50))}  p99 ${ms(percentile(malformed, 99))}`,
    );

    const concurrency = 16;
    const total = 4000;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < total) await verifyOnce(secret);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`verify, ${concurrency} concurrent, one process (n=${total}): ${(total / seconds).toFixed(0)} verifications/s`);
    client.destroy();
  } finally {
    await dynamo.stop();
  }
}

await main();
process.exit(0);
