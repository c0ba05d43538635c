/**
 * `POST /v1/verify` over HTTP: the local server started as `npm start` starts it (`tsx local/main.ts`), as a
 * child process on a free port pointed at the bench's DynamoDB Local (DYNAMODB_ENDPOINT, LOCAL_IN_MEMORY=1,
 * the bench's table names), driven by autocannon with 16 connections, in turns with the floor's GetItems
 * with 16 in flight. The server's output is piped away (kept only to explain a failed start) and never
 * reaches the bench's output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import autocannon from "autocannon";
import getPort from "get-port";
import type { TableNames } from "../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { REPOSITORY_ROOT } from "../infra/constructs/operation-function.ts";
import { ORG_ID } from "./dynamodb.ts";
import { callsPerSecond, type TimedCall } from "./floor.ts";
import { mustBeFinite, percentile, progress, round } from "./stats.ts";

export interface LocalServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 90_000;

/**
 * Starts `local/main.ts` with the environment `npm start` would have (the bench's own quieting taken out:
 * `baseEnv` is the environment the bench itself was started with) plus where its data is.
 */
export async function startLocalServer(options: {
  baseEnv: NodeJS.ProcessEnv;
  dynamoDbEndpoint: string;
  tables: TableNames;
  /** Extra node flags for the server process (e.g. `--cpu-prof` when profiling it). */
  nodeFlags?: readonly string[];
}): Promise<LocalServer> {
  const port = await getPort();
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeFlags ?? []), tsx, "local/main.ts"], {
    cwd: REPOSITORY_ROOT,
    env: {
      ...options.baseEnv,
      HOST: "127.0.0.1",
      PORT: String(port),
      DYNAMODB_ENDPOINT: options.dynamoDbEndpoint,
      LOCAL_IN_MEMORY: "1",
      LOCAL_BANNER: "0",
      TABLE_NAME: options.tables.tokens,
      ACTIVITY_TABLE_NAME: options.tables.activity,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`bench: the local server exited with ${child.exitCode}: ${output.trim()}`);
      if (output.includes('"message":"listening"')) break;
      if (Date.now() > deadline) throw new Error(`bench: the local server did not start within ${STARTUP_TIMEOUT_MS / 1000} s: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      process.off("exit", killOnExit);
      await stop();
    },
  };
}

export interface ThroughputSizes {
  /** Untimed GetItems and HTTP requests first (the server's JIT, DynamoDB Local's). */
  readonly warmUp: number;
  /** Alternating blocks: GetItems with 16 in flight, then HTTP requests on 16 connections. */
  readonly rounds: number;
  readonly callsPerRound: number;
}

export interface ThroughputFigures {
  getItemRps16: number;
  httpRps16: number;
  httpP99Ms16: number;
  /** Calls of each kind measured (warm-up excluded). */
  calls: number;
}

/** One verify over HTTP; its body is what every request of the run must answer. */
async function verifyOnce(url: string, body: string): Promise<string> {
  const response = await fetch(`${url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await response.text();
  if (response.status !== 200 || JSON.parse(text).valid !== true) {
    throw new Error(`bench: POST /v1/verify answered ${response.status}: ${text}`);
  }
  return text;
}

/** `amount` requests of `POST /v1/verify` on 16 connections: their latencies (ms) and how long they took (s). */
function autocannonBlock(url: string, body: string, expectBody: string, amount: number): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/verify`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        connections: 16,
        amount,
        expectBody,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) return reject(error);
        const failures = { errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, mismatches: result.mismatches };
        if (Object.values(failures).some((count) => count > 0) || result["2xx"] !== amount) {
          return reject(new Error(`bench: the HTTP run had failures (${JSON.stringify(failures)}, 2xx ${result["2xx"]} of ${amount}).`));
        }
        resolve({ latencies, seconds: (result.finish.getTime() - result.start.getTime()) / 1000 });
      },
    );
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
}

/**
 * Throughput with 16 in flight, side by side: the floor (raw GetItems of the token's item from this process)
 * and `POST /v1/verify` through the local server (autocannon, 16 connections, every answer checked against
 * the token's valid result), in alternating blocks so the machine's load hits both alike.
 */
export async function measureThroughput(
  server: LocalServer,
  getItem: TimedCall,
  secret: string,
  sizes: ThroughputSizes,
): Promise<ThroughputFigures> {
  const body = JSON.stringify({ token: secret, orgId: ORG_ID });
  // The first use is recorded now: every request below sees a hot token.
  await verifyOnce(server.url, body);
  const expectBody = await verifyOnce(server.url, body);
  progress(`throughput: warm-up, ${sizes.warmUp} GetItems and ${sizes.warmUp} HTTP requests`);
  await callsPerSecond(getItem, sizes.warmUp, 16);
  await autocannonBlock(server.url, body, expectBody, sizes.warmUp);

  progress(
    `throughput: ${sizes.rounds} rounds of ${sizes.callsPerRound} GetItems (16 in flight), then ${sizes.callsPerRound} HTTP requests (16 connections)`,
  );
  let floorSeconds = 0;
  let httpSeconds = 0;
  const latencies: number[] = [];
  for (let r = 0; r < sizes.rounds; r++) {
    floorSeconds += sizes.callsPerRound / (await callsPerSecond(getItem, sizes.callsPerRound, 16));
    const block = await autocannonBlock(server.url, body, expectBody, sizes.callsPerRound);
    httpSeconds += block.seconds;
    latencies.push(...block.latencies);
  }
  const calls = sizes.rounds * sizes.callsPerRound;
  if (latencies.length !== calls) throw new Error(`bench: ${latencies.length} HTTP latencies recorded for ${calls} requests.`);
  return {
    getItemRps16: round(mustBeFinite("floor.getItemRps16", calls / floorSeconds), 0),
    httpRps16: round(mustBeFinite("verify.httpRps16", calls / httpSeconds), 0),
    httpP99Ms16: round(mustBeFinite("verify.httpP99Ms16", percentile(latencies, 99))),
    calls,
  };
}
