import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import getPort from "get-port";

const root = resolve(import.meta.dirname, "../..");

export interface LocalService {
  readonly url: string;
  /** Everything the server printed (stdout and stderr): the logs a test can scan for secrets. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `npm start`'s entry point as its own process, as a newcomer would run it, against the test run's
 * DynamoDB Local and a fresh table, with nothing kept on disk.
 */
export async function startLocalService(options: { dynamoDbEndpoint: string; tableName: string }): Promise<LocalService> {
  // A free port can be taken by another test file between finding it and listening on it: try again then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function startOnce(options: { dynamoDbEndpoint: string; tableName: string }): Promise<LocalService> {
  const port = await getPort();
  let output = "";
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DYNAMODB_ENDPOINT: options.dynamoDbEndpoint,
      TABLE_NAME: options.tableName,
      LOCAL_IN_MEMORY: "1",
      LOCAL_BANNER: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
  };
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`local service did not start within 30 s:\n${output}`));
    }, 30_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`local service exited with ${code ?? signal}:\n${output}`));
    });
    child.stdout!.on("data", () => {
      if (output.includes('"message":"listening"')) {
        clearTimeout(timer);
        ready();
      }
    });
  });
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
}
