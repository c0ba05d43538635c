/**
 * A document client that counts what it sends to DynamoDB, at the store adapter's boundary: a middleware on
 * its middleware stack (shared with the DynamoDB client underneath), so every command the repository sends
 * is seen once, whatever document command carried it.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface OperationCounts {
  /** GetItem, Query: one each; BatchGetItem: one per key asked for. */
  reads: number;
  /** PutItem, UpdateItem, DeleteItem: one each; TransactWriteItems: one per item. */
  writes: number;
}

type Input = Record<string, unknown>;

const keysAskedFor = (input: Input) =>
  Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).reduce(
    (sum, table) => sum + (table.Keys?.length ?? 0),
    0,
  );

const COUNTERS: Record<string, (input: Input) => Partial<OperationCounts>> = {
  GetItemCommand: () => ({ reads: 1 }),
  QueryCommand: () => ({ reads: 1 }),
  BatchGetItemCommand: (input) => ({ reads: keysAskedFor(input) }),
  PutItemCommand: () => ({ writes: 1 }),
  UpdateItemCommand: () => ({ writes: 1 }),
  DeleteItemCommand: () => ({ writes: 1 }),
  TransactWriteItemsCommand: (input) => ({ writes: ((input.TransactItems ?? []) as unknown[]).length }),
};

/** Counts on `client` from now on; `counts` is live, `reset()` zeroes it. */
export function countOperations(client: DynamoDBDocumentClient): { counts: OperationCounts; reset(): void } {
  const counts: OperationCounts = { reads: 0, writes: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      const counter = COUNTERS[name];
      // A command the bench does not know how to count is a broken measurement, not a zero.
      if (!counter) throw new Error(`bench: the store sent ${name}, which the counting client does not count.`);
      const counted = counter(args.input as Input);
      counts.reads += counted.reads ?? 0;
      counts.writes += counted.writes ?? 0;
      return next(args);
    },
    { step: "initialize", name: "benchCountOperations" },
  );
  return {
    counts,
    reset() {
      counts.reads = 0;
      counts.writes = 0;
    },
  };
}
