/**
 * API.md "Token events out": `Token Expiring Soon` once per idle stretch, when a live token has gone 23 days
 * without use; none for revoked or replaced tokens; a use starts a new stretch. Written by the hourly job from
 * the index of work due, against the real store, as the clock moves; and the job records the expiry after it.
 * Also the races: overlapping runs warn once, and a change that read the token before a warning retries.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, test } from "vitest";
import { OUTBOX_EVENTS } from "../../functions/adapters/dynamodb/entities/activity-record.ts";
import { revokedRecord } from "../../functions/domain/activity.ts";
import { recordDueWork } from "../../functions/domain/due-work.ts";
import { WriteConflict } from "../../functions/domain/errors.ts";
import { DAY_SECONDS, type TokenEvent } from "../../functions/domain/model.ts";
import { tokenEvents } from "../../functions/domain/token-events.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

let orgs = 0;
const member = () => h.addMember(`org-warn-${++orgs}-${Date.now()}`, "wes");
const job = () => recordDueWork({ store: h.store, clock: h.clock });

/** The warnings in a token's outbox items of its own (the activity table, keyed by token). */
async function warningsOf(tokenId: string): Promise<TokenEvent[]> {
  const page = await h.documentClient.send(
    new QueryCommand({
      TableName: h.tables.activity,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `TOKEN#${tokenId}` },
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).flatMap((item) => item[OUTBOX_EVENTS] as TokenEvent[]);
}

describe("expiry warnings from the hourly job", () => {
  test("once at day 23 of an idle stretch, again only after a use; none for a revoked or a replaced token", async () => {
    const m = await member();
    const idle = await h.userTokens.generate({ ...m, name: "idle" });
    const used = await h.userTokens.generate({ ...m, name: "used at day 10" });
    const revoked = await h.userTokens.generate({ ...m, name: "revoked" });
    const replaced = await h.userTokens.generate({ ...m, name: "replaced" });
    await h.revoke({ ...m, tokenId: revoked.token.id });

    h.clock.advance(10 * DAY_SECONDS);
    expect((await h.verifier.verify({ token: used.secret })).valid).toBe(true);
    h.clock.advance(12 * DAY_SECONDS + 23 * 3600); // day 22, 23:00
    await job();
    expect(await warningsOf(idle.token.id)).toEqual([]);

    h.clock.advance(3600 + 60); // just past day 23
    await h.userTokens.rotate({ ...m, tokenId: replaced.token.id, graceSeconds: 3600 });
    await job();
    const [warning, ...more] = await warningsOf(idle.token.id);
    expect(more).toEqual([]);
    expect(warning).toMatchObject({
      detailType: "Token Expiring Soon",
      detail: { tokenId: idle.token.id, name: "idle", lastUsedAt: null, sequence: 2, expiresAt: idle.token.expiresAt },
    });
    expect((await h.store.getToken(idle.token.id))?.warnedFor).toBe(idle.token.createdAt);
    for (const token of [used, revoked, replaced]) expect(await warningsOf(token.token.id)).toEqual([]);

    // The same stretch is never warned again, however often the job runs.
    await job();
    h.clock.advance(DAY_SECONDS);
    await job();
    expect(await warningsOf(idle.token.id)).toHaveLength(1);

    // Used again (day 24): a new stretch, warned 23 days after that use, at day 47.
    expect((await h.verifier.verify({ token: idle.secret })).valid).toBe(true);
    // Day 33: the token used at day 10 gets its own.
    h.clock.advance(9 * DAY_SECONDS);
    await job();
    expect((await warningsOf(used.token.id)).map((e) => e.detail.sequence)).toEqual([2]);
    expect(await warningsOf(idle.token.id)).toHaveLength(1);
    h.clock.advance(14 * DAY_SECONDS + 60);
    await job();
    expect((await warningsOf(idle.token.id)).map((e) => e.detail.sequence)).toEqual([2, 3]);
  });

  test("the job records the expiry of a token nobody found, once, with its event after the warning", async () => {
    const m = await member();
    const idle = await h.userTokens.generate({ ...m, name: "left to expire" });
    h.clock.advance(24 * DAY_SECONDS);
    await job();
    h.clock.advance(7 * DAY_SECONDS);
    await Promise.all([job(), job()]);
    const token = await h.store.getToken(idle.token.id);
    expect(token?.expiryRecorded).toBe(true);
    expect(token?.eventSequence).toBe(3);
    const log = (await h.store.listActivity(m.orgId, 50, undefined)).items.filter((r) => r.tokenId === idle.token.id);
    expect(log.map((r) => r.action).sort()).toEqual(["token.created", "token.expired"]);
  });

  test("overlapping runs warn once", async () => {
    const m = await member();
    const idle = await h.userTokens.generate({ ...m, name: "raced" });
    h.clock.advance(23 * DAY_SECONDS + 60);
    await Promise.all([job(), job(), job()]);
    expect(await warningsOf(idle.token.id)).toHaveLength(1);
  });

  test("a revocation that read the token before its warning retries, and the two events keep their own numbers", async () => {
    const m = await member();
    const created = await h.userTokens.generate({ ...m, name: "warned meanwhile" });
    h.clock.advance(23 * DAY_SECONDS + 60);
    const read = (await h.store.getToken(created.token.id))!;
    const now = h.clock.now();
    expect(await h.store.recordExpiryWarning(read, now, tokenEvents.expiringSoon(read, now.toISOString()))).toBe(true);
    // The stale write is a lost race (retried), not "not found".
    const actor = { type: "user" as const, id: m.userId, name: "Wes" };
    await expect(h.store.revokeToken(read, now.toISOString(), now, revokedRecord(h.clock, read, actor, "owner"))).rejects.toBeInstanceOf(
      WriteConflict,
    );
    await h.revoke({ ...m, tokenId: created.token.id });
    const token = await h.store.getToken(created.token.id);
    expect(token).toMatchObject({ status: "revoked", eventSequence: 3 });
    expect((await warningsOf(created.token.id)).map((e) => e.detail.sequence)).toEqual([2]);
  });
});
