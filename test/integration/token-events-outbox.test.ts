/**
 * API.md "Token events out": an event is published if and only if its change happened. The outbox (the
 * activity record, written in the change's transaction) is proven atomic with the change by forced failures
 * of either part, and publication at least once by a failing publisher and by a publisher that "crashed"
 * (a new one starting from the stream's beginning). The stream is DynamoDB Local's, read by the local server's
 * pump; the publisher is a recording stand-in for the bus that decodes records as the real one does.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { beforeAll, describe, expect, inject, test } from "vitest";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import { recordExpiryOfDeletedToken, revokedRecord } from "../../functions/domain/activity.ts";
import type { TokenEvent } from "../../functions/domain/model.ts";
import { outboxEntry } from "../../functions/adapters/dynamodb/outbox-stream.ts";
import { LocalTokenEventsPump } from "../../local/token-events-pump.ts";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDomainHarness } from "../support/domain-harness.ts";
import { transactionFaults } from "../support/faults.ts";

const faults = transactionFaults();
let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness({ wrapClient: faults.wrap, outboxStream: true });
});

/** A bus that keeps what it is given; `failNext` makes its next puts fail (the record is then reported failed). */
function recordingBus() {
  const published: TokenEvent[] = [];
  let failuresLeft = 0;
  const publisher = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const failures: DynamoDBBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      const entry = outboxEntry(record);
      if (!entry) continue;
      if (failuresLeft > 0) {
        failuresLeft--;
        failures.push({ itemIdentifier: record.dynamodb!.SequenceNumber! });
        continue;
      }
      published.push(...entry.events);
    }
    return { batchItemFailures: failures };
  };
  const pump = () =>
    new LocalTokenEventsPump({
      endpoint: inject("dynamoDbEndpoint"),
      streamArn: async () => {
        const client = new DynamoDBClient({
          endpoint: inject("dynamoDbEndpoint"),
          region: "local",
          credentials: { accessKeyId: "x", secretAccessKey: "x" },
        });
        const { Table } = await client.send(new DescribeTableCommand({ TableName: h.tables.activity }));
        client.destroy();
        return Table!.LatestStreamArn!;
      },
      publisher: async () => publisher,
      context: () => ({}) as never,
      log: () => undefined,
    });
  return { published, pump, failNext: (n: number) => (failuresLeft = n) };
}

const ofToken = (events: readonly TokenEvent[], tokenId: string) =>
  events.filter((e) => e.detail.tokenId === tokenId || e.detail.oldTokenId === tokenId).map((e) => [e.detailType, e.detail.sequence]);

describe("the outbox", () => {
  test("no event without its change, no change without its event", async () => {
    const bus = recordingBus();
    const pump = bus.pump();
    const person = await h.addMember("org-outbox", "ann");
    const created = await h.userTokens.generate({ ...person, name: "kept" });
    const token = (await h.store.getToken(created.token.id))!;

    // The change fails (the store gives up on the transaction): no revocation, and no event.
    faults.failNext(1);
    await expect(h.revoke({ ...person, tokenId: token.id })).rejects.toThrow();
    // The outbox write fails (its key is taken): the same transaction's revocation does not happen either.
    const actor = { type: "user" as const, id: person.userId, name: "Ann" };
    const record = revokedRecord(h.clock, token, actor, "owner");
    await h.documentClient.send(
      new PutCommand({ TableName: h.tables.activity, Item: { ...keys.activity(record.orgId, record.at, record.id), placeholder: true } }),
    );
    const now = h.clock.now();
    await expect(h.store.revokeToken(token, now.toISOString(), now, record)).rejects.toThrow();
    expect((await h.store.getToken(token.id))?.status).toBe("active");
    await pump.drain();
    expect(ofToken(bus.published, token.id)).toEqual([["Token Created", 1]]);

    // The change that happens publishes its event, once.
    await h.revoke({ ...person, tokenId: token.id });
    await pump.drain();
    await pump.drain();
    expect(ofToken(bus.published, token.id)).toEqual([
      ["Token Created", 1],
      ["Token Revoked", 2],
    ]);
    pump.close();
  });

  test("a publisher that fails retries the same record: the event goes out, with its eventId, after the failure", async () => {
    const bus = recordingBus();
    const pump = bus.pump();
    await pump.drain();
    bus.published.length = 0;
    const person = await h.addMember("org-outbox-retry", "bo");
    const created = await h.userTokens.generate({ ...person, name: "retried" });
    bus.failNext(1);
    await pump.drain();
    expect(ofToken(bus.published, created.token.id)).toEqual([]);
    await pump.drain();
    expect(ofToken(bus.published, created.token.id)).toEqual([["Token Created", 1]]);
    pump.close();
  });

  test("a publisher that stopped between commit and publish loses nothing: a new one delivers every event (at least once)", async () => {
    const first = recordingBus();
    const person = await h.addMember("org-outbox-crash", "cy");
    const a = await h.userTokens.generate({ ...person, name: "a" });
    const firstPump = first.pump();
    await firstPump.drain();
    firstPump.close();
    // Committed while no publisher runs.
    const b = await h.userTokens.generate({ ...person, name: "b" });
    await h.revoke({ ...person, tokenId: a.token.id });

    const second = recordingBus();
    const secondPump = second.pump();
    await secondPump.drain();
    secondPump.close();
    // Repeats carry the same eventId, so a subscriber that drops duplicates sees each event once.
    const seen = new Map([...first.published, ...second.published].map((e) => [e.detail.eventId, e]));
    expect(ofToken([...seen.values()], a.token.id)).toEqual([
      ["Token Created", 1],
      ["Token Revoked", 2],
    ]);
    expect(ofToken([...seen.values()], b.token.id)).toEqual([["Token Created", 1]]);
  });
});

describe("events of the changes no HTTP route makes", () => {
  test("an operator's revocation says `operator`; a TTL deletion's expiry comes after the token's last event", async () => {
    const bus = recordingBus();
    const pump = bus.pump();
    const person = await h.addMember("org-outbox-ops", "dee");
    const stolen = await h.userTokens.generate({ ...person, name: "on the stolen laptop" });
    await h.memberships.revokeAllUserTokens({
      orgId: person.orgId,
      userId: person.userId,
      operator: "ops@example",
      reason: "laptop stolen",
      dryRun: false,
    });

    // TTL deleted this one (its old image, as the stream gives it) before anyone found it expired.
    const forgotten = await h.userTokens.generate({ ...person, name: "forgotten" });
    h.clock.advance(31 * 86_400);
    const image = (await h.store.getToken(forgotten.token.id))!;
    expect(await recordExpiryOfDeletedToken(h, image)).toBe(true);
    expect(await recordExpiryOfDeletedToken(h, image)).toBe(false);

    await pump.drain();
    pump.close();
    const of = (tokenId: string) => bus.published.filter((e) => e.detail.tokenId === tokenId);
    expect(of(stolen.token.id).map((e) => [e.detailType, e.detail.reason ?? null, e.detail.sequence])).toEqual([
      ["Token Created", null, 1],
      ["Token Revoked", "operator", 2],
    ]);
    expect(of(forgotten.token.id).map((e) => [e.detailType, e.detail.sequence])).toEqual([
      ["Token Created", 1],
      ["Token Expired", 2],
    ]);
    expect(of(forgotten.token.id)[1]!.detail).toMatchObject({ lastUsedAt: null, name: "forgotten", ownerName: expect.any(String) });
  });
});
