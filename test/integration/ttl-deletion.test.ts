/**
 * The stream handler for tokens TTL deletes: DynamoDB Local runs no TTL, so the test deletes the item itself
 * and hands the handler the stream record DynamoDB would send (a REMOVE by the TTL service, with the old image).
 */
import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { beforeAll, expect, inject, test } from "vitest";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
let onTokenDeleted: (event: DynamoDBStreamEvent, context: Context) => Promise<{ batchItemFailures: unknown[] }>;
const context = { awsRequestId: "test", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

beforeAll(async () => {
  h = await createDomainHarness();
  Object.assign(process.env, {
    TABLE_NAME: h.tables.tokens,
    ACTIVITY_TABLE_NAME: h.tables.activity,
    DYNAMODB_ENDPOINT: inject("dynamoDbEndpoint"),
    METRICS_DISABLED: "true",
    LOG_LEVEL: "WARN",
  });
  onTokenDeleted = (await import("../../functions/streams/on-token-deleted.ts")).handler as never;
});

/** Deletes the item as TTL would and returns the stream record DynamoDB sends for it. */
async function ttlDelete(tokenId: string): Promise<DynamoDBStreamEvent["Records"][number]> {
  const key = keys.token(tokenId);
  const { Item } = await h.documentClient.send(new GetCommand({ TableName: h.tables.tokens, Key: key }));
  await h.documentClient.send(new DeleteCommand({ TableName: h.tables.tokens, Key: key }));
  return {
    eventName: "REMOVE",
    userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
    dynamodb: {
      Keys: marshall(key) as never,
      OldImage: marshall(Item!, { removeUndefinedValues: true }) as never,
      SequenceNumber: tokenId,
    },
  } as DynamoDBStreamEvent["Records"][number];
}

test("a token TTL deleted before anyone found it expired gets its token.expired, once, and others are left alone", async () => {
  const m = await h.addMember("org-ttl", "yul");
  const untouched = await h.userTokens.generate({ ...m, name: "untouched" });
  const foundFirst = await h.userTokens.generate({ ...m, name: "found by a request first" });
  const revoked = await h.userTokens.generate({ ...m, name: "revoked" });
  await h.revoke({ ...m, tokenId: revoked.token.id });
  h.clock.advance(31 * 86_400);
  await h.verifier.verify({ token: foundFirst.secret }); // records its expiry

  const records = [await ttlDelete(untouched.token.id), await ttlDelete(foundFirst.token.id), await ttlDelete(revoked.token.id)];
  // Stream batches can be delivered more than once.
  expect(await onTokenDeleted({ Records: records }, context)).toEqual({ batchItemFailures: [] });
  expect(await onTokenDeleted({ Records: records }, context)).toEqual({ batchItemFailures: [] });

  const expired = (await h.store.listActivity("org-ttl", 50, undefined)).items.filter((r) => r.action === "token.expired");
  expect(expired.map((r) => r.tokenId).sort()).toEqual([untouched.token.id, foundFirst.token.id].sort());
  for (const r of expired) expect(r).toMatchObject({ actor: { type: "system" }, detail: { reason: "inactivity" } });
});
