import { randomUUID } from "node:crypto";
import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, test } from "vitest";
import { DomainError } from "../../functions/domain/errors.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

/** Fails the next N TransactWriteItems, as a throttled or unreachable DynamoDB would after the SDK's retries. */
function failingTransactions() {
  let failuresLeft = 0;
  const wrap = (client: DynamoDBDocumentClient): DynamoDBDocumentClient =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== "send") return Reflect.get(target, property, receiver);
        return async (command: { constructor: { name: string }; input: { TransactItems?: unknown[] } }) => {
          // Only the big write (the revocation itself); the expiry records before it go through.
          if (failuresLeft > 0 && command.constructor.name === "TransactWriteCommand" && (command.input.TransactItems?.length ?? 0) > 2) {
            failuresLeft--;
            throw new ProvisionedThroughputExceededException({ message: "Throughput exceeded", $metadata: {} });
          }
          return target.send(command as never);
        };
      },
    });
  return { wrap, failNext: (n: number) => (failuresLeft = n) };
}

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: unknown) => (error instanceof DomainError ? error.code : (error as Error).name),
  );

describe("user-lifecycle events", () => {
  test("a failure part-way through a deactivation is finished by the redelivered event, one record per token", async () => {
    const faults = failingTransactions();
    const h = await createDomainHarness({ wrapClient: faults.wrap });
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    const m = await h.addMember(orgId, "dora");
    const old = [await h.userTokens.generate({ ...m, name: "old 1" }), await h.userTokens.generate({ ...m, name: "old 2" })];
    h.clock.advance(20 * 86_400);
    const live = [];
    for (let i = 0; i < 3; i++) live.push(await h.userTokens.generate({ ...m, name: `live ${i}` }));
    h.clock.advance(11 * 86_400); // the first two are now expired, the other three not
    const event = { orgId, userId: "dora", occurredAt: h.nextEventTime() };

    faults.failNext(1);
    await expect(h.memberships.applyUserDeactivated(event)).rejects.toThrow();
    // Part-way: the expired tokens got their records, but nothing was revoked and the member is still active.
    expect((await h.store.getMembership(orgId, "dora"))!.status).toBe("active");
    for (const t of live) expect(await h.verifier.verify({ token: t.secret })).toMatchObject({ valid: true });

    // EventBridge delivers it again: the job is finished.
    expect(await h.memberships.applyUserDeactivated(event)).toBe("applied");
    // And a duplicate delivery changes nothing.
    expect(await h.memberships.applyUserDeactivated(event)).toBe("stale");

    for (const t of live) expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    const records = (await h.store.listActivity(orgId, 200, undefined)).items;
    const revoked = records.filter((r) => r.action === "token.revoked");
    expect(revoked.map((r) => r.tokenId).sort()).toEqual(live.map((t) => t.token.id).sort());
    expect(revoked.every((r) => r.actor.type === "system" && r.detail?.reason === "user_deactivated")).toBe(true);
    const expired = records.filter((r) => r.action === "token.expired");
    expect(expired.map((r) => r.tokenId).sort()).toEqual(old.map((t) => t.token.id).sort());
  });

  test("deactivation and removal touch only that person in that organization, never service-user tokens", async () => {
    const h = await createDomainHarness();
    const [orgA, orgB] = [`org-${randomUUID().slice(0, 8)}`, `org-${randomUUID().slice(0, 8)}`];
    const inA = await h.addMember(orgA, "eli", { permissions: ["api-tokens:admin"] });
    const inB = await h.addMember(orgB, "eli");
    const colleague = await h.addMember(orgA, "fay");
    const tokenA = await h.userTokens.generate({ ...inA, name: "a" });
    const tokenB = await h.userTokens.generate({ ...inB, name: "b" });
    const colleagues = await h.userTokens.generate({ ...colleague, name: "c" });
    const serviceUsers = new ServiceUsers(h);
    const admin = (await h.store.getMembership(orgA, "eli"))!;
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const robot = await serviceUsers.generateToken(admin, su.id, "robot");

    await h.memberships.applyUserDeactivated({ orgId: orgA, userId: "eli", occurredAt: h.nextEventTime() });
    expect(await h.verifier.verify({ token: tokenA.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: tokenB.secret })).toMatchObject({ valid: true });
    expect(await h.verifier.verify({ token: colleagues.secret })).toMatchObject({ valid: true });
    expect(await h.verifier.verify({ token: robot.secret })).toMatchObject({ valid: true });
    // A deactivated person can no longer make tokens there.
    expect(await code(h.userTokens.generate({ ...inA, name: "again" }))).toBe("forbidden");

    // Reactivation: active again, old tokens stay revoked, new ones can be made.
    await h.memberships.applyUserReactivated({ orgId: orgA, userId: "eli", occurredAt: h.nextEventTime() });
    expect(await h.verifier.verify({ token: tokenA.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await code(h.userTokens.generate({ ...inA, name: "again" }))).toBe("ok");

    // Removal from B leaves A.
    await h.memberships.applyUserRemoved({ orgId: orgB, userId: "eli", occurredAt: h.nextEventTime() });
    expect(await h.verifier.verify({ token: tokenB.secret })).toEqual({ valid: false, reason: "revoked" });
    expect((await h.userTokens.list(inA)).map((t) => t.name)).toEqual(["again"]);
    const removal = (await h.store.listActivity(orgB, 10, undefined)).items.find((r) => r.action === "token.revoked");
    expect(removal).toMatchObject({ tokenId: tokenB.token.id, actor: { type: "system", id: "system", name: "System" }, detail: { reason: "user_removed" } });
    // An upsert after a removal makes the person a member again; an upsert never reactivates a deactivated one.
    await h.addMember(orgB, "eli");
    expect((await h.store.getMembership(orgB, "eli"))!.status).toBe("active");
    await h.memberships.applyUserDeactivated({ orgId: orgB, userId: "eli", occurredAt: h.nextEventTime() });
    await h.addMember(orgB, "eli");
    expect((await h.store.getMembership(orgB, "eli"))!.status).toBe("deactivated");
  });

  test("events out of order: older than the stored state is ignored", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    await h.memberships.applyUserDeactivated({ orgId, userId: "gus", occurredAt: "2026-03-02T00:00:00Z" });
    // The person's first upsert, which happened before the deactivation, arrives late: stale.
    expect(
      await h.memberships.applyUserUpserted({
        orgId, userId: "gus", name: "Gus", permissions: [], groups: [], sites: [], occurredAt: "2026-03-01T00:00:00Z",
      }),
    ).toBe("stale");
    expect((await h.store.getMembership(orgId, "gus"))!.status).toBe("deactivated");
    expect(await h.memberships.applyUserReactivated({ orgId, userId: "gus", occurredAt: "2026-03-01T12:00:00Z" })).toBe("stale");
    expect(await h.memberships.applyUserReactivated({ orgId, userId: "gus", occurredAt: "2026-03-03T00:00:00Z" })).toBe("applied");
    expect((await h.store.getMembership(orgId, "gus"))!.status).toBe("active");
  });

  test("defence in depth: a user token whose owner is not an active member never verifies", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    const m = await h.addMember(orgId, "hal");
    const { token, secret } = await h.userTokens.generate({ ...m, name: "t" });
    // Simulate a revocation that went astray: the membership says deactivated, the token item is still active,
    // carrying the deactivated status in its copy of the owner's access (as saveMembership writes it).
    const membership = (await h.store.getMembership(orgId, "hal"))!;
    await h.store.saveMembership({ ...membership, status: "deactivated", version: membership.version + 1 }, membership.version);
    expect((await h.store.getToken(token.id))!.status).toBe("active");
    expect(await h.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await code(h.verifier.login(secret))).toBe("unauthenticated");
  });
});
