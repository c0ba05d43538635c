/**
 * `npm run bench` (`-- --quick` for a shorter run): the service's performance figures, side by side in one
 * run against the bench's own in-memory DynamoDB Local, printed as a table with the checks and
 * written to bench/results.json. Never part of `npm test`; no test asserts a time. A check that fails is a
 * finding (exit 0); a broken measurement (a wrong answer, a failed import, a failed request) fails the run.
 *
 * In order: bundles built while DynamoDB Local and the local server start; in-process floor, verify and
 * generate (in-process.ts); GetItems and verify over HTTP through the local server, 16 in flight, in turns
 * (http.ts); then, with DynamoDB Local and the server stopped, the cold imports of every bundle (imports.ts).
 */
import { startEnv } from "./quiet-env.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildAllBundles, checkSingleBuilds, floorName, SDK_ONLY_CLIENTS, writeEmptyModule } from "./bundles.ts";
import { type BenchDatabase, startBenchDatabase } from "./dynamodb.ts";
import { tokenGetItem } from "./floor.ts";
import { type LocalServer, measureThroughput, startLocalServer } from "./http.ts";
import { initMs, measureImports } from "./imports.ts";
import { measureInProcess, withStdoutDiscarded } from "./in-process.ts";
import { verificationCosts } from "./cost.ts";
import { type LogBytes, measureLogBytes } from "./log-bytes.ts";
import { type BenchResults, formatReport } from "./report.ts";
import { progress } from "./stats.ts";

const quick = process.argv.includes("--quick");
const SIZES = quick
  ? {
      inProcess: { warmUp: 30, samples: 200, generates: 15 },
      throughput: { warmUp: 300, rounds: 2, callsPerRound: 300 },
      // Rough: the full run's 21 rounds are the figures to quote.
      importRounds: 5,
    }
  : {
      inProcess: { warmUp: 300, samples: 3000, generates: 200 },
      throughput: { warmUp: 1500, rounds: 5, callsPerRound: 1000 },
      importRounds: 21,
    };
const RESULTS_FILE = path.join(import.meta.dirname, "results.json");

/**
 * The bench's DynamoDB Local, then the local server on it (started before any measurement, so its start-up
 * competes with none; idle until the HTTP run).
 */
async function startServices(): Promise<{ db: BenchDatabase; server: LocalServer; stop(): Promise<void> }> {
  const db = await startBenchDatabase();
  // What verify-token.ts's module scope reads (runtime.ts), pointed at the bench's tables.
  Object.assign(process.env, { TABLE_NAME: db.tables.tokens, ACTIVITY_TABLE_NAME: db.tables.activity, DYNAMODB_ENDPOINT: db.endpoint });
  let server: LocalServer;
  try {
    server = await startLocalServer({ baseEnv: startEnv, dynamoDbEndpoint: db.endpoint, tables: db.tables });
  } catch (error) {
    await db.stop();
    throw error;
  }
  return {
    db,
    server,
    async stop() {
      await server.stop();
      await db.stop();
    },
  };
}

async function main(): Promise<BenchResults> {
  const began = performance.now();
  if (!process.version.startsWith("v24.")) {
    throw new Error(`bench: run it with the project's Node 24 (npm run bench), not ${process.version}: Lambda runs Node 24.`);
  }
  const outDir = mkdtempSync(path.join(os.tmpdir(), "api-token-bench-"));
  try {
    progress("starting DynamoDB Local (in memory) and the local server; building every function's bundle");
    const [started, bundles] = await Promise.allSettled([startServices(), buildAllBundles(outDir)]);
    if (started.status === "rejected" || bundles.status === "rejected") {
      if (started.status === "fulfilled") await started.value.stop();
      throw started.status === "rejected" ? started.reason : (bundles as PromiseRejectedResult).reason;
    }
    const { db, server } = started.value;
    const { functions, floors } = bundles.value;
    if (!quick) {
      progress("checking that each function built alone is the same bundle");
      await checkSingleBuilds(outDir, functions).catch(async (error: unknown) => {
        await started.value.stop();
        throw error;
      });
    }

    let inProcess: Awaited<ReturnType<typeof measureInProcess>>;
    let throughput: Awaited<ReturnType<typeof measureThroughput>>;
    let logBytes: LogBytes;
    try {
      const measured = await withStdoutDiscarded(() => measureInProcess(db, SIZES.inProcess));
      if (measured.discardedBytes > 0) progress(`note: the functions wrote ${measured.discardedBytes} bytes to stdout (discarded)`);
      inProcess = measured.result;
      progress("log bytes per call of a deployed verify (a fresh process with INFO logs and metrics on)");
      logBytes = await measureLogBytes(db, startEnv, 200);
      const hot = await db.newUserToken("bench http");
      const floor = tokenGetItem(db.endpoint, db.tables, hot.tokenId);
      try {
        throughput = await measureThroughput(server, floor.getItem, hot.secret, SIZES.throughput);
      } finally {
        floor.close();
      }
    } finally {
      await started.value.stop();
    }

    // With DynamoDB Local and the server stopped: nothing of the bench's own competes with the fresh processes.
    const empty = writeEmptyModule(outDir);
    const times = measureImports(outDir, empty, [...floors.values(), ...functions], SIZES.importRounds);
    const sdkOnly = floors.get(floorName(SDK_ONLY_CLIENTS))!;
    const floorOf = (name: string) => {
      const floor = floors.get(name);
      if (!floor) throw new Error(`bench: no floor bundle ${name}.`);
      return floor;
    };
    return {
      floor: {
        ...inProcess.floor,
        getItemRps16: throughput.getItemRps16,
        sdkOnlyBundleBytes: sdkOnly.bytes,
        sdkOnlyInitMs: initMs(times, sdkOnly.name, empty.name),
      },
      verify: {
        ...inProcess.verify,
        httpRps16: throughput.httpRps16,
        httpP99Ms16: throughput.httpP99Ms16,
        logBytesPerCall: logBytes.validHttp,
        logBytesPerDirectCall: logBytes.validDirect,
        logBytesPerRefusal: logBytes.refusedHttp,
      },
      generate: inProcess.generate,
      functions: Object.fromEntries(
        functions.map((fn) => [
          fn.name,
          {
            bundleBytes: fn.bytes,
            coldInitMs: initMs(times, fn.name, empty.name),
            sdkFloorBytes: floorOf(fn.floor).bytes,
            sdkFloorInitMs: initMs(times, fn.floor, empty.name),
          },
        ]),
      ),
      nodeBareStartMs: Number(times.totalMs.get(empty.name)!.toFixed(2)),
      costPerMillionUsd: verificationCosts({
        readsPerCall: inProcess.verify.readsPerCall,
        writesPerCall: inProcess.verify.writesPerCall,
        durationMs: inProcess.verify.meanMs,
        logBytesPerCall: logBytes.validHttp,
      }),
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        mode: quick ? "quick" : "full",
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? "unknown",
        loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
        samples: {
          getItem: SIZES.inProcess.samples,
          verify: SIZES.inProcess.samples,
          generate: SIZES.inProcess.generates,
          rps16Calls: throughput.calls,
        },
        importRounds: times.rounds,
        sdkFloorOf: Object.fromEntries(functions.map((fn) => [fn.name, fn.floor])),
        wallSeconds: Number(((performance.now() - began) / 1000).toFixed(1)),
      },
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

try {
  const results = await main();
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(formatReport(results));
  process.exit(0);
} catch (error) {
  process.stderr.write(`\nbench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
