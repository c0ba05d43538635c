/**
 * One local server shared by the HTTP test files that never move its clock (POST /local/clock moves time for
 * the whole server, so files that move it start their own with `useLocalService()`).
 *
 * The run's global setup starts it in the background, next to DynamoDB Local, and writes where it listens (or
 * why it could not start) to a small state file whose path it provides as `sharedLocalServiceFile`; test files
 * wait for that file in `beforeAll`. When the run's filters leave out every e2e file, nothing is started and
 * the path is empty; a file that then asks for the shared server starts its own.
 */
import { randomUUID } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalService, type LocalService } from "./local-service.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the shared server's state file; "" when the run starts none. */
    sharedLocalServiceFile: string;
  }
}

type SharedState = { url: string } | { error: string };

/** Global-setup side: starts the shared server without waiting for it; `stop()` waits for it and stops it. */
export function launchSharedLocalService(dynamoDbEndpoint: string): { stateFile: string; stop(): Promise<void> } {
  const stateFile = join(tmpdir(), `api-token-tests-shared-server-${randomUUID()}.json`);
  const started: Promise<LocalService | undefined> = startLocalService({
    dynamoDbEndpoint,
    tableName: `e2e-shared-${randomUUID()}`,
  }).then(
    async (service) => {
      await writeFile(stateFile, JSON.stringify({ url: service.url } satisfies SharedState));
      return service;
    },
    async (error: unknown) => {
      await writeFile(stateFile, JSON.stringify({ error: String((error as Error)?.message ?? error) } satisfies SharedState));
      return undefined;
    },
  );
  return {
    stateFile,
    async stop() {
      const service = await started;
      await service?.stop();
      await rm(stateFile, { force: true });
    },
  };
}

/** Whether this run includes e2e files: no filters, or a filter that names e2e. */
export function runIncludesE2e(project: unknown): boolean {
  const filters = (project as { vitest?: { filenamePattern?: string[] } }).vitest?.filenamePattern;
  return !filters?.length || filters.some((filter) => filter.includes("e2e"));
}

/** Test-file side: the shared server's URL, once it is listening (waits up to `timeoutMs`). */
export async function sharedLocalServiceUrl(stateFile: string, timeoutMs = 60_000): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const text = await readFile(stateFile, "utf8").catch(() => undefined);
    if (text) {
      const state = JSON.parse(text) as SharedState;
      if ("url" in state) return state.url;
      throw new Error(`the shared local server did not start: ${state.error}`);
    }
    if (performance.now() > deadline) throw new Error(`the shared local server did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
