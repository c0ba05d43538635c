import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { afterEach, describe, expect, test } from "vitest";
import { ORGANIZATIONS_SOURCE, USERS_SOURCE, eventRules } from "../../infra/event-rules.ts";
import { LocalEventBus, parsePutEventsRequest, type EventTarget, type PlatformEvent } from "../../local/eventbridge.ts";

const NOW = new Date("2025-06-01T12:00:00.987Z");
const clock = { now: () => NOW };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PUT_EVENTS_HEADERS = { "x-amz-target": "AWSEvents.PutEvents", "content-type": "application/x-amz-json-1.1" };

interface Harness {
  bus: LocalEventBus;
  client: EventBridgeClient;
  endpoint: string;
  logs: Record<string, unknown>[];
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A minimal stand-in for the local server's route: body in, `handlePutEvents` result out. */
async function start(targets: EventTarget[], retryDelaysMs?: number[]): Promise<Harness> {
  const logs: Record<string, unknown>[] = [];
  const bus = new LocalEventBus({ targets, clock, log: (entry) => logs.push(entry), ...(retryDelaysMs ? { retryDelaysMs } : {}) });
  const server: Server = createServer(async (request, response) => {
    if (request.method !== "POST" || !["/local/eventbridge", "/local/eventbridge/"].includes(request.url ?? "")) {
      response.writeHead(404).end();
      return;
    }
    const result = await bus.handlePutEvents(flatHeaders(request), await readBody(request));
    response.writeHead(result.status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(result.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local/eventbridge`;
  const client = new EventBridgeClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 1,
  });
  cleanups.push(async () => {
    client.destroy();
    bus.close();
    await new Promise((resolve) => server.close(resolve));
  });
  return { bus, client, endpoint, logs };
}

function flatHeaders(request: IncomingMessage): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value]),
  );
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function recordingTarget(name: string, pattern: unknown, behaviour: (calls: number) => void = () => {}) {
  const events: PlatformEvent[] = [];
  const target: EventTarget = {
    name,
    pattern,
    invoke: async (event) => {
      events.push(event);
      behaviour(events.length);
    },
  };
  return { target, events };
}

/** One recording target per rule in infra/event-rules.ts, named after its operation. */
function ruleTargets() {
  const recorded = new Map<string, PlatformEvent[]>();
  const targets = eventRules.map((rule) => {
    const { target, events } = recordingTarget(rule.operation, rule.pattern);
    recorded.set(rule.operation, events);
    return target;
  });
  return { targets, events: (operation: string) => recorded.get(operation) ?? [] };
}

const userUpserted = (detail: Record<string, unknown> = { userId: "u-1" }): PutEventsRequestEntry => ({
  Source: USERS_SOURCE,
  DetailType: "User Upserted",
  Detail: JSON.stringify(detail),
});

describe("PutEvents through the real EventBridgeClient", () => {
  test("a matching rule's target gets the full event once; other rules' targets get nothing", async () => {
    const rules = ruleTargets();
    const { client } = await start(rules.targets);
    const detail = { userId: "u-1", organizationId: "o-1", permissions: ["tokens:read"], name: { given: "Ada" } };

    const output = await client.send(
      new PutEventsCommand({
        Entries: [{ ...userUpserted(detail), Time: new Date("2025-01-02T03:04:05.678Z"), Resources: ["arn:x:users:u-1"] }],
      }),
    );

    expect(output.FailedEntryCount).toBe(0);
    const delivered = rules.events("on-user-upserted");
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toEqual({
      version: "0",
      id: expect.stringMatching(UUID),
      "detail-type": "User Upserted",
      source: USERS_SOURCE,
      account: "000000000000",
      time: "2025-01-02T03:04:05Z",
      region: "local",
      resources: ["arn:x:users:u-1"],
      detail,
    });
    expect(output.Entries).toEqual([{ EventId: delivered[0]?.id }]);
    expect(rules.events("on-organization-settings-changed")).toHaveLength(0);
  });

  test("routes each entry of a batch by its own pattern, with the clock's time when Time is absent", async () => {
    const rules = ruleTargets();
    const { client } = await start(rules.targets);

    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          userUpserted({ userId: "u-1" }),
          { Source: ORGANIZATIONS_SOURCE, DetailType: "Organization Settings Changed", Detail: JSON.stringify({ organizationId: "o-1" }) },
          { Source: USERS_SOURCE, DetailType: "User Deleted", Detail: "{}" },
        ],
      }),
    );

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries?.map((entry) => entry.EventId)).toEqual([
      expect.stringMatching(UUID),
      expect.stringMatching(UUID),
      expect.stringMatching(UUID),
    ]);
    expect(rules.events("on-user-upserted").map((e) => e.detail)).toEqual([{ userId: "u-1" }]);
    expect(rules.events("on-organization-settings-changed").map((e) => e.detail)).toEqual([{ organizationId: "o-1" }]);
    expect(rules.events("on-organization-settings-changed")[0]?.time).toBe("2025-06-01T12:00:00Z");
  });

  test("every matching target is invoked, each with its own copy of the event", async () => {
    const first = recordingTarget("first", { source: [USERS_SOURCE] }, () => {});
    const mutating: EventTarget = {
      name: "mutating",
      pattern: { "detail-type": ["User Upserted"] },
      invoke: async (event) => {
        event.detail.userId = "changed";
      },
    };
    const { client } = await start([mutating, first.target]);

    await client.send(new PutEventsCommand({ Entries: [userUpserted({ userId: "u-1" })] }));

    expect(first.events.map((e) => e.detail)).toEqual([{ userId: "u-1" }]);
  });

  test("a failing target is retried in the background and the put still succeeds", async () => {
    const flaky = recordingTarget("flaky", { source: [USERS_SOURCE] }, (calls) => {
      if (calls < 3) throw new TypeError(`boom ${calls}`);
    });
    // The first retry waits long enough that it cannot have run before the put's answer is checked, even on a
    // loaded machine (with 5 ms it sometimes had: the check then saw two attempts).
    const { client, bus, logs } = await start([flaky.target], [1000, 5, 5]);

    const output = await client.send(new PutEventsCommand({ Entries: [userUpserted({ userId: "u-1", secret: "s3cr3t" })] }));

    expect(output.FailedEntryCount).toBe(0);
    const eventId = output.Entries?.[0]?.EventId;
    expect(eventId).toMatch(UUID);
    expect(flaky.events).toHaveLength(1); // the first attempt was awaited, retries not yet

    await bus.drain();

    expect(flaky.events).toHaveLength(3);
    expect(new Set(flaky.events.map((e) => e.id))).toEqual(new Set([eventId]));
    const failures = logs.filter((entry) => entry.message === "event target failed");
    expect(failures).toEqual([
      expect.objectContaining({ target: "flaky", eventId, attempt: 1, errorName: "TypeError", errorMessage: "boom 1", retryInMs: 1000 }),
      expect.objectContaining({ target: "flaky", eventId, attempt: 2, errorName: "TypeError", errorMessage: "boom 2", retryInMs: 5 }),
    ]);
    expect(logs).toContainEqual(expect.objectContaining({ message: "event target succeeded on retry", attempt: 3 }));
    expect(JSON.stringify(logs)).not.toContain("s3cr3t");
  });

  test("a target that keeps failing is given up on as a dead-letter after the last retry", async () => {
    const broken = recordingTarget("broken", { source: [USERS_SOURCE] }, () => {
      throw new Error("always");
    });
    const { client, bus, logs } = await start([broken.target], [1, 2]);

    const output = await client.send(new PutEventsCommand({ Entries: [userUpserted()] }));
    expect(output.FailedEntryCount).toBe(0);
    await bus.drain();

    expect(broken.events).toHaveLength(3);
    expect(logs.filter((entry) => entry.message === "event target failed")).toHaveLength(3);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: expect.stringContaining("would go to the dead-letter queue"),
        target: "broken",
        eventId: output.Entries?.[0]?.EventId,
      }),
    );
  });

  test("close() cancels pending retries", async () => {
    const broken = recordingTarget("broken", { source: [USERS_SOURCE] }, () => {
      throw new Error("always");
    });
    const { client, bus, logs } = await start([broken.target], [60_000]);

    await client.send(new PutEventsCommand({ Entries: [userUpserted()] }));
    bus.close();
    await bus.drain();

    expect(broken.events).toHaveLength(1);
    expect(logs).toContainEqual(expect.objectContaining({ message: "event bus closed; retry cancelled", target: "broken" }));
  });

  test("a malformed Detail fails only its own entry", async () => {
    const rules = ruleTargets();
    const { client } = await start(rules.targets);

    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          userUpserted({ userId: "u-1" }),
          { Source: USERS_SOURCE, DetailType: "User Upserted", Detail: "{not json" },
          userUpserted({ userId: "u-3" }),
        ],
      }),
    );

    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries).toEqual([
      { EventId: expect.stringMatching(UUID) },
      { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." },
      { EventId: expect.stringMatching(UUID) },
    ]);
    expect(rules.events("on-user-upserted").map((e) => e.detail)).toEqual([{ userId: "u-1" }, { userId: "u-3" }]);
  });

  test("per-entry argument errors are reported like EventBridge", async () => {
    const { client } = await start([]);

    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          { DetailType: "User Upserted", Detail: "{}" },
          { Source: USERS_SOURCE, Detail: "{}" },
          { Source: USERS_SOURCE, DetailType: "User Upserted" },
          { Source: USERS_SOURCE, DetailType: "User Upserted", Detail: "[1, 2]" },
          { Source: "aws.ec2", DetailType: "User Upserted", Detail: "{}" },
        ],
      }),
    );

    expect(output.FailedEntryCount).toBe(5);
    expect(output.Entries?.map((entry) => entry.ErrorCode)).toEqual([
      "InvalidArgument",
      "InvalidArgument",
      "InvalidArgument",
      "MalformedDetail",
      "NotAuthorizedForSourceException",
    ]);
    expect(output.Entries?.[0]?.ErrorMessage).toBe("Parameter Source is not valid. Reason: Source is a required argument.");
  });

  test("request-level validation errors surface as SDK exceptions", async () => {
    const { client } = await start([]);

    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({
      name: "ValidationException",
      $metadata: { httpStatusCode: 400 },
    });
    const eleven = Array.from({ length: 11 }, () => userUpserted());
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: "ValidationException" });
  });
});

describe("raw HTTP requests", () => {
  test("the path is accepted without the trailing slash", async () => {
    const { target, events } = recordingTarget("users", { source: [USERS_SOURCE] });
    const { endpoint } = await start([target]);

    const response = await fetch(endpoint, {
      method: "POST",
      headers: PUT_EVENTS_HEADERS,
      body: JSON.stringify({ Entries: [userUpserted()] }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.stringMatching(UUID) }] });
    expect(events).toHaveLength(1);
  });

  test("another operation is rejected", async () => {
    const { endpoint } = await start([]);

    const response = await fetch(`${endpoint}/`, {
      method: "POST",
      headers: { ...PUT_EVENTS_HEADERS, "x-amz-target": "AWSEvents.PutRule" },
      body: "{}",
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: "UnknownOperationException" });
  });

  test("a body that is not JSON is rejected", async () => {
    const { endpoint } = await start([]);

    const response = await fetch(`${endpoint}/`, { method: "POST", headers: PUT_EVENTS_HEADERS, body: "Entries=1" });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: "SerializationException" });
  });
});

describe("parsePutEventsRequest", () => {
  const parse = (body: unknown) => parsePutEventsRequest(PUT_EVENTS_HEADERS, JSON.stringify(body), { clock, region: "eu-west-1" });

  test("builds the EventBridge envelope", () => {
    const result = parse({ Entries: [{ Source: "s", DetailType: "d", Detail: '{"a":1}', Time: 1735787045.5 }] });
    expect(result).toEqual({
      ok: true,
      entries: [
        {
          event: {
            version: "0",
            id: expect.stringMatching(UUID),
            "detail-type": "d",
            source: "s",
            account: "000000000000",
            time: "2025-01-02T03:04:05Z",
            region: "eu-west-1",
            resources: [],
            detail: { a: 1 },
          },
        },
      ],
    });
  });

  test("rejects ill-shaped requests", () => {
    expect(parse({})).toMatchObject({ ok: false, status: 400, body: { __type: "ValidationException" } });
    expect(parse({ Entries: "x" })).toMatchObject({ ok: false, body: { __type: "SerializationException" } });
    expect(parse({ Entries: ["x"] })).toMatchObject({ ok: false, body: { __type: "SerializationException" } });
    expect(parse({ Entries: [{ Source: 1 }] })).toMatchObject({ ok: false, body: { __type: "SerializationException" } });
    expect(parse({ Entries: [{ Source: "s", Time: "yesterday" }] })).toMatchObject({ ok: false });
    expect(parse({ Entries: [{ Source: "s", DetailType: "d", Detail: JSON.stringify({ big: "x".repeat(256 * 1024) }) }] })).toMatchObject({
      ok: false,
      body: { __type: "ValidationException" },
    });
    expect(parsePutEventsRequest({}, "{}")).toMatchObject({ ok: false, body: { __type: "UnknownOperationException" } });
  });
});

describe("LocalEventBus construction", () => {
  test("rejects a target whose pattern cannot be matched locally", () => {
    const target: EventTarget = { name: "bad", pattern: { source: [{ wildcard: "platform.*" }] }, invoke: async () => {} };
    expect(() => new LocalEventBus({ targets: [target], clock, log: () => {} })).toThrow(/bad.*wildcard/);
  });

  test("rejects duplicate target names", () => {
    const target: EventTarget = { name: "same", pattern: { source: ["s"] }, invoke: async () => {} };
    expect(() => new LocalEventBus({ targets: [target, { ...target }], clock, log: () => {} })).toThrow(/Duplicate/);
  });
});
