/**
 * The publisher function itself (functions/streams/publish-token-events.ts), invoked as Lambda invokes it with
 * a stream batch, against a stand-in for EventBridge's PutEvents over HTTP (the real SDK client, pointed at it):
 * what it puts (bus, source, detail-type, detail, time), what it passes over, how a partial failure of
 * PutEvents becomes that one record's failure (retried alone), and the count it publishes as a metric.
 */
import { createServer, type Server } from "node:http";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, expect, test } from "vitest";
import { activityRecordEntity } from "../../functions/adapters/dynamodb/entities/activity-record.ts";
import type { ActivityRecord, TokenEvent, TokenRecord } from "../../functions/domain/model.ts";
import { tokenEvents } from "../../functions/domain/token-events.ts";

interface Entry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time: number | string;
}
const received: Entry[][] = [];
let failNext = 0;
let server: Server;
let handler: (event: DynamoDBStreamEvent, context: never) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const entries = (JSON.parse(body) as { Entries: Entry[] }).Entries;
      received.push(entries);
      const failing = failNext-- > 0;
      res.setHeader("content-type", "application/x-amz-json-1.1");
      res.end(
        JSON.stringify({
          FailedEntryCount: failing ? 1 : 0,
          Entries: entries.map((_, i) =>
            failing && i === 0 ? { ErrorCode: "InternalFailure", ErrorMessage: "try again" } : { EventId: `e-${i}` },
          ),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  Object.assign(process.env, {
    EVENT_BUS_NAME: "platform-events",
    EVENT_BUS_ENDPOINT: `http://127.0.0.1:${address.port}`,
    LOG_LEVEL: "SILENT",
    METRICS_DISABLED: "false",
  });
  ({ handler } = (await import("../../functions/streams/publish-token-events.ts")) as unknown as { handler: typeof handler });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const token = (id: string): TokenRecord => ({
  id,
  orgId: "acme",
  kind: "user",
  ownerId: "ada",
  name: "Power BI export",
  secretHash: "0".repeat(64),
  hint: "x9Qa",
  createdAt: "2026-11-30T10:00:00.000Z",
  lastUsedAt: null,
  expiresAt: 1_800_000_000,
  status: "active",
  eventSequence: 1,
  principal: { name: "Ada Lovelace", permissions: [], groups: [], sites: [] },
});

let sequenceNumber = 100;
function insert(events: TokenEvent[]): DynamoDBRecord {
  const record: ActivityRecord = {
    orgId: "acme",
    id: `r-${sequenceNumber}`,
    at: "2026-11-30T10:00:00.000Z",
    action: "token.created",
    actor: { type: "user", id: "ada", name: "Ada Lovelace" },
    events,
  };
  const item = activityRecordEntity.toItem(record);
  return {
    eventName: "INSERT",
    dynamodb: {
      Keys: marshall(activityRecordEntity.key(record)) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
      SequenceNumber: String(sequenceNumber++),
    },
  };
}

/** Runs the handler and returns what it reported failed and the EMF lines it wrote. */
async function invoke(records: DynamoDBRecord[]) {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = await handler({ Records: records }, {} as never);
    return { failed: result.batchItemFailures.map((f) => f.itemIdentifier), lines };
  } finally {
    process.stdout.write = write;
  }
}

test("puts each outbox item's events on the configured bus; a partial PutEvents failure fails that record alone", async () => {
  const first = tokenEvents.created(token("AAAAAAAAAAAAAAAA"), "2026-11-30T10:00:00.000Z");
  const second = tokenEvents.created(token("BBBBBBBBBBBBBBBB"), "2026-11-30T10:00:01.000Z");
  const third = tokenEvents.revoked({ ...token("BBBBBBBBBBBBBBBB") }, "2026-11-30T10:00:02.000Z", "owner");
  const failing = insert([first]);
  const passing = insert([second, third]);
  const notOutbox: DynamoDBRecord = { eventName: "MODIFY", dynamodb: { SequenceNumber: "1", NewImage: marshall({ pk: "x" }) as never } };

  failNext = 1;
  const run = await invoke([failing, notOutbox, passing]);
  expect(run.failed).toEqual([failing.dynamodb!.SequenceNumber]);
  // Two puts: the failed one, then the next record's two events in one call. Nothing for the MODIFY.
  expect(received.map((entries) => entries.length)).toEqual([1, 2]);
  const [put] = received[1]!;
  expect(put).toMatchObject({ EventBusName: "platform-events", Source: "api-tokens", DetailType: "Token Created" });
  expect(JSON.parse(put!.Detail)).toEqual(second.detail);
  expect(new Date(typeof put!.Time === "number" ? put!.Time * 1000 : put!.Time).toISOString()).toBe("2026-11-30T10:00:01.000Z");
  // The metric counts what went out: the two events of the record that passed.
  const emf = run.lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => "TokenEventsPublished" in line);
  expect(emf?.TokenEventsPublished).toBe(2);

  // The retry of the failed record alone delivers its event, with the same eventId.
  const retry = await invoke([failing]);
  expect(retry.failed).toEqual([]);
  expect(JSON.parse(received.at(-1)![0]!.Detail)).toEqual(first.detail);
});
