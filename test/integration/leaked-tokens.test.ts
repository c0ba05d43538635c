/**
 * `POST /v1/revoke-leaked`'s worker and throttle against DynamoDB Local: each live token reported is revoked once
 * (System, reason `leaked`), and nothing else changes anything (revoked, expired, unknown, garbage, a redelivered
 * report, a hash that is not the token's); the per-window counters count atomically and limit per scope.
 */
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, test } from "vitest";
import { DynamoDbLeakReportCounters } from "../../functions/adapters/dynamodb/dynamodb-leak-report-counters.ts";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import { DomainError } from "../../functions/domain/errors.ts";
import { LEAK_REPORT_LIMITS, LEAK_REPORT_WINDOW_SECONDS, admitLeakReport } from "../../functions/domain/leak-report-throttle.ts";
import { revokeLeakedTokens, toLeakedTokens } from "../../functions/domain/leaked-tokens.ts";
import { SYSTEM_ACTOR } from "../../functions/domain/model.ts";
import { hashSecret } from "../../functions/domain/token-secret.ts";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { configureHandlersFor, createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const activityOf = async (orgId: string) => (await h.store.listActivity(orgId, 200, undefined)).items;

async function person() {
  const orgId = `org-${randomUUID().slice(0, 8)}`;
  const m = await h.addMember(orgId, `p-${randomUUID().slice(0, 6)}`);
  return { orgId, m };
}

describe("the worker", () => {
  test("revokes a live token once, as System with reason leaked; a redelivery changes nothing", async () => {
    const { orgId, m } = await person();
    const live = await h.userTokens.generate({ ...m, name: "leaked" });
    const kept = await h.userTokens.generate({ ...m, name: "kept" });
    const report = toLeakedTokens([live.secret, live.secret, "garbage", `${live.secret}x`]);
    expect(report).toHaveLength(1);
    expect(JSON.stringify(report)).not.toContain(live.secret);

    expect(await revokeLeakedTokens(h, report)).toBe(1);
    expect(await h.verifier.verify({ token: live.secret })).toEqual({ valid: false, reason: "revoked" });
    expect((await h.verifier.verify({ token: kept.secret })).valid).toBe(true);
    const revoked = (await activityOf(orgId)).filter((e) => e.action === "token.revoked");
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actor: SYSTEM_ACTOR, tokenId: live.token.id, detail: { reason: "leaked", kind: "user" } });

    // Redelivered (SQS delivers at least once), or reported again: nothing more.
    expect(await revokeLeakedTokens(h, report)).toBe(0);
    expect(await revokeLeakedTokens(h, toLeakedTokens([live.secret]))).toBe(0);
    expect((await activityOf(orgId)).filter((e) => e.action === "token.revoked")).toHaveLength(1);
  });

  test("a revoked, unknown or forged token, or another token's hash, changes nothing", async () => {
    const { orgId, m } = await person();
    const live = await h.userTokens.generate({ ...m, name: "live" });
    const gone = await h.userTokens.generate({ ...m, name: "gone" });
    await h.userTokens.revoke({ membership: await h.store.getMembership(orgId, m.userId).then((x) => x!), tokenId: gone.token.id });
    const before = await activityOf(orgId);

    const [liveReport] = toLeakedTokens([live.secret]);
    const wrongHash = { ...liveReport!, secretHash: hashSecret("not the secret") };
    const wrongKind = { ...liveReport!, kind: "service_user" as const };
    const unknown = { ...liveReport!, tokenId: "0000000000000000" };
    expect(await revokeLeakedTokens(h, [...toLeakedTokens([gone.secret]), wrongHash, wrongKind, unknown])).toBe(0);
    expect((await h.verifier.verify({ token: live.secret })).valid).toBe(true);
    expect(await activityOf(orgId)).toEqual(before);
  });

  test("an expired token is not revoked; its expiry is recorded once, as anywhere", async () => {
    const { orgId, m } = await person();
    const idle = await h.userTokens.generate({ ...m, name: "idle" });
    h.clock.advance(31 * 86_400);
    expect(await revokeLeakedTokens(h, toLeakedTokens([idle.secret]))).toBe(0);
    expect(await revokeLeakedTokens(h, toLeakedTokens([idle.secret]))).toBe(0);
    const events = (await activityOf(orgId)).filter((e) => e.tokenId === idle.token.id);
    expect(events.map((e) => e.action).sort()).toEqual(["token.created", "token.expired"]);
  });

  test("concurrent deliveries of one report revoke once", async () => {
    const { orgId, m } = await person();
    const live = await h.userTokens.generate({ ...m, name: "raced" });
    const report = toLeakedTokens([live.secret]);
    const counts = await Promise.all(Array.from({ length: 5 }, () => revokeLeakedTokens(h, report)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await activityOf(orgId)).filter((e) => e.action === "token.revoked")).toHaveLength(1);
  });
});

describe("the counters", () => {
  const counters = () => new DynamoDbLeakReportCounters(h.documentClient, h.tables.tokens);
  const manualClock = (ms: number) => ({ now: () => new Date(ms) });
  /** A window start far from every other test's, so the route counter is this test's own. */
  const windowAt = () => Math.floor((Date.parse("2040-01-01T00:00:00Z") + Math.random() * 1e12) / 60_000) * 60_000;

  test("count atomically: 30 simultaneous increments of one counter give 1..30", async () => {
    const start = windowAt() / 1000;
    const results = await Promise.all(
      Array.from({ length: 30 }, () => counters().increment([{ scope: "source", key: "k" }], { start, expiresAt: start + 120 })),
    );
    expect(results.map(([n]) => n).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const item = await h.documentClient.send(
      new GetCommand({ TableName: h.tables.tokens, Key: keys.leakReportCounter("source", "k", start) }),
    );
    // It expires with its window (TTL), and stores no address.
    expect(item.Item?.expiresAt).toBe(start + 120);
  });

  test("10 reports a minute per source, then 429 with the seconds left in the window; the next window starts afresh", async () => {
    const start = windowAt();
    const deps = (ms: number) => ({ counters: counters(), clock: manualClock(ms) });
    const source = [{ scope: "source" as const, address: "198.51.100.7" }];
    for (let i = 0; i < LEAK_REPORT_LIMITS.source; i++) await admitLeakReport(deps(start + 1000), source);
    const refused = await admitLeakReport(deps(start + 15_500), source).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe("too_many_attempts");
    expect((refused as DomainError).retryAfterSeconds).toBe(45);
    // Another source is not held back; the same one is, in the next window, no more.
    await admitLeakReport(deps(start + 16_000), [{ scope: "source", address: "198.51.100.8" }]);
    await admitLeakReport(deps(start + LEAK_REPORT_WINDOW_SECONDS * 1000), source);
  });

  test("a relay carries 100 viewers a minute; the route, 1000 reports from all sources together", async () => {
    const start = windowAt();
    const deps = { counters: counters(), clock: manualClock(start) };
    const viewers = (i: number) => [
      { scope: "source" as const, address: `203.0.113.${i}` },
      { scope: "relay" as const, address: "edge-1" },
    ];
    for (let i = 0; i < LEAK_REPORT_LIMITS.relay; i++) await admitLeakReport(deps, viewers(i));
    await expect(admitLeakReport(deps, viewers(200))).rejects.toMatchObject({ code: "too_many_attempts" });
    // The route: its counter stands just below the ceiling (as if 999 reports had come), so the next two tell.
    const window = Math.floor(start / 1000);
    await h.documentClient.send(
      new PutCommand({
        TableName: h.tables.tokens,
        Item: { ...keys.leakReportCounter("route", "all", window), reports: LEAK_REPORT_LIMITS.route - 1, expiresAt: window + 120 },
      }),
    );
    await admitLeakReport(deps, [{ scope: "source", address: "192.0.2.1" }]);
    await expect(admitLeakReport(deps, [{ scope: "source", address: "192.0.2.1" }])).rejects.toMatchObject({
      code: "too_many_attempts",
    });
  });
});

describe("on-leak-report, the queue's handler", () => {
  test("revokes what a message names; a message that is no report is failed alone (batchItemFailures)", async () => {
    configureHandlersFor(h);
    const { handler } = await import("../../functions/queues/on-leak-report.ts");
    const { orgId, m } = await person();
    const live = await h.userTokens.generate({ ...m, name: "queued" });
    const record = (messageId: string, body: string) => ({ messageId, body }) as SQSRecord;
    const event = {
      Records: [record("good", JSON.stringify({ tokens: toLeakedTokens([live.secret]) })), record("bad", '{"tokens":"x"}')],
    };
    const context = { awsRequestId: "test", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
    expect(await handler(event as SQSEvent, context)).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }] });
    expect(await h.verifier.verify({ token: live.secret })).toEqual({ valid: false, reason: "revoked" });
    // Redelivered: nothing more, and no failure.
    expect(await handler({ Records: [event.Records[0]!] } as SQSEvent, context)).toEqual({ batchItemFailures: [] });
    expect((await activityOf(orgId)).filter((e) => e.action === "token.revoked")).toHaveLength(1);
  });
});
