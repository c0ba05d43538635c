import { StoreUnavailable, WriteConflict } from "../../domain/errors.ts";

/**
 * Error classification, in one place: what DynamoDB answered, as the domain's errors. A lost race is
 * `WriteConflict` (the caller re-reads and retries), a store that cannot answer is `StoreUnavailable` (503).
 */

/** One or more of a transaction's own conditions failed; `codes` has one entry per item. */
export class ConditionFailed extends WriteConflict {
  constructor(readonly codes: string[]) {
    super(`Transaction condition failed: ${codes.join(",")}`);
    this.name = "ConditionFailed";
  }
}

interface TransactionCanceled extends Error {
  CancellationReasons?: Array<{ Code?: string }>;
}

/**
 * A cancelled transaction becomes `WriteConflict` when DynamoDB cancelled it for a concurrent transaction,
 * and `ConditionFailed` when one of its own conditions failed; anything else is returned as it was.
 */
export function classifyTransactionError(error: unknown): unknown {
  if (!isTransactionCanceled(error)) return error;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
  if (codes.includes("TransactionConflict")) return new WriteConflict("Transaction conflict");
  return new ConditionFailed(codes);
}

const isTransactionCanceled = (error: unknown): error is TransactionCanceled =>
  error instanceof Error && error.name === "TransactionCanceledException";

export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";

/**
 * For writes whose first item's condition is "still active": its failure means "no", not an error.
 * Any other failed condition is a race to retry.
 */
export async function unlessConditionFails(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    if (error instanceof ConditionFailed && error.codes[0] === "ConditionalCheckFailed") return false;
    throw error;
  }
}

const UNAVAILABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
]);

/** SDK failures that its retries could not fix: nothing was written. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = error as Error & { $fault?: string; code?: string };
  return (
    UNAVAILABLE_NAMES.has(error.name) ||
    meta.$fault === "server" ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(meta.code ?? "")
  );
}

/** Runs one SDK call; a failure retries could not fix becomes `StoreUnavailable`. */
export async function unlessUnavailable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new StoreUnavailable();
    throw error;
  }
}
