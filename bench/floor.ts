/**
 * The floor: what one strongly consistent GetItem of a real token item costs from this process, with the
 * same client settings as the functions (functions/adapters/dynamodb/client.ts). Verification cannot be
 * cheaper than the read it must make.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../functions/adapters/dynamodb/client.ts";
import { tokenEntity } from "../functions/adapters/dynamodb/entities/token.ts";
import type { TableNames } from "../functions/adapters/dynamodb/dynamodb-token-store.ts";

/** One call; resolves to its duration in milliseconds, or throws when its answer is wrong. */
export type TimedCall = () => Promise<number>;

/** Times `call` (an async function that must not throw). */
export async function timed(call: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** Calls per second with `concurrency` in flight from this process, over `total` calls. */
export async function callsPerSecond(call: TimedCall, total: number, concurrency: number): Promise<number> {
  let started = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        await call();
      }
    }),
  );
  return total / ((performance.now() - began) / 1000);
}

/** A raw GetItem of the token's item by its key, strongly consistent, on a client of its own. */
export function tokenGetItem(endpoint: string, tables: TableNames, tokenId: string): { getItem: TimedCall; close(): void } {
  const client = createDocumentClient({ endpoint });
  const command = () => new GetCommand({ TableName: tables.tokens, Key: tokenEntity.key(tokenId), ConsistentRead: true });
  return {
    getItem: () =>
      timed(async () => {
        const output = await client.send(command());
        if (output.Item?.id !== tokenId) throw new Error("bench: the floor's GetItem did not find the token item.");
      }),
    close: () => client.destroy(),
  };
}
