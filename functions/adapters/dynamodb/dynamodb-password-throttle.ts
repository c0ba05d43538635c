import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { PasswordFailures } from "../../domain/model.ts";
import type { PasswordThrottleStore } from "../../domain/ports.ts";
import { passwordFailuresAttributes as P, passwordFailuresEntity, passwordFailuresTimeToLive } from "./entities/password-failures.ts";
import { isConditionalCheckFailed } from "./store-errors.ts";
import { mustExist, type StoreTable } from "./table.ts";

/**
 * The DynamoDB adapter of `PasswordThrottleStore`: one record per person. The limits come from the domain
 * (password-throttle.ts) with each call; the window that decides the record's TTL, from the same module.
 */
export class DynamoDbPasswordThrottle implements PasswordThrottleStore {
  constructor(private readonly table: StoreTable) {}

  async getPasswordFailures(userId: string): Promise<PasswordFailures | undefined> {
    const item = await this.table.get(passwordFailuresEntity.key(userId));
    return item && passwordFailuresEntity.fromItem(item);
  }

  async savePasswordFailures(failures: PasswordFailures, expectedVersion: number | undefined): Promise<void> {
    // The item carries its TTL: removed once neither the window nor the lock can matter any more.
    await this.table.putVersioned(passwordFailuresEntity.toItem(failures), expectedVersion);
  }

  async takePasswordCheckPlace(
    userId: string,
    attemptId: string,
    at: string,
    limits: { failuresAtMost: number; pendingBelow: number },
  ): Promise<{ taken: true } | { taken: false; current: PasswordFailures | undefined }> {
    // Conditioned on the counts, not the version: a check that ends meanwhile (and bumps the version) does
    // not make this fail; only a place taken or a failure added since the caller's look can. Refused, it
    // answers with the record as it is, so a caller waiting for a place needs one request per look.
    try {
      await this.table.update({
        TableName: this.table.tables.tokens,
        Key: passwordFailuresEntity.key(userId),
        UpdateExpression: `SET ${P.pending}.#attempt = :at, ${P.version} = ${P.version} + :one, ${P.timeToLive} = :expiresAt`,
        // Not locked: no lockedUntil, a null one, or one that has passed (ISO-8601 UTC compares as text).
        ConditionExpression:
          `size(${P.failedAt}) <= :failures AND size(${P.pending}) < :pending AND ` +
          `(attribute_not_exists(${P.lockedUntil}) OR attribute_type(${P.lockedUntil}, :nullType) OR ${P.lockedUntil} <= :at)`,
        ExpressionAttributeNames: { "#attempt": attemptId },
        ExpressionAttributeValues: {
          ":at": at,
          ":one": 1,
          // As savePasswordFailures: this check is the newest entry, and there is no lock.
          ":expiresAt": passwordFailuresTimeToLive([at], null),
          ":failures": limits.failuresAtMost,
          ":pending": limits.pendingBelow,
          ":nullType": "NULL",
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
      return { taken: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The document client leaves the item of a refused write in DynamoDB's own form.
      const item = (error as { Item?: Record<string, AttributeValue> }).Item;
      return { taken: false, current: item && passwordFailuresEntity.fromItem(unmarshall(item)) };
    }
  }

  async releasePasswordCheck(userId: string, attemptId: string, options: { reset: boolean }): Promise<void> {
    // One update, no read and no version condition, so it never loses a race; it still bumps the version, so
    // a read-modify-write based on the record before it re-reads. The TTL stays as the place's write set it.
    const reset = options.reset ? `, ${P.failedAt} = :none, ${P.lockedUntil} = :null` : "";
    try {
      await this.table.update({
        TableName: this.table.tables.tokens,
        Key: passwordFailuresEntity.key(userId),
        UpdateExpression: `REMOVE ${P.pending}.#attempt SET ${P.version} = ${P.version} + :one${reset}`,
        ...mustExist,
        ExpressionAttributeNames: { "#attempt": attemptId },
        ExpressionAttributeValues: { ":one": 1, ...(options.reset ? { ":none": [], ":null": null } : {}) },
      });
    } catch (error) {
      // No record, so no place to give back (the write that took one set the TTL more than an hour on).
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
