import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";
import { transactionFaults } from "../support/faults.ts";

describe("user-lifecycle events", () => {
  test("a failure part-way through a deactivation is finished by the redelivered event, one record per token", async () => {
    const faults = transactionFaults();
    const h = await createDomainHarness({ wrapClient: faults.wrap });
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    const m = await h.addMember(orgId, "dora");
    const old = [await h.userTokens.generate({ ...m, name: "old 1" }), await h.userTokens.generate({ ...m, name: "old 2" })];
    h.clock.advance(20 * 86_400);
    const live = [];
    for (let i = 0; i < 3; i++) live.push(await h.userTokens.generate({ ...m, name: `live ${i}` }));
    h.clock.advance(11 * 86_400); // the first two are now expired, the other three not
    const event = { orgId, userId: "dora", occurredAt: h.nextEventTime() };

    // Only the big write (the revocation itself); the expiry records before it go through.
    faults.failNext(1, { minItems: 3 });
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
    expect(removal).toMatchObject({
      tokenId: tokenB.token.id,
      actor: { type: "system", id: "system", name: "System" },
      detail: { reason: "user_removed" },
    });
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
        orgId,
        userId: "gus",
        name: "Gus",
        permissions: [],
        groups: [],
        sites: [],
        occurredAt: "2026-03-01T00:00:00Z",
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
    const tokenSet = await h.store.getTokenSet(orgId, "hal");
    const live = [(await h.store.getToken(token.id))!];
    await h.store.saveMembership({ ...membership, status: "deactivated", version: membership.version + 1 }, membership.version, {
      tokenSet,
      live,
    });
    expect((await h.store.getToken(token.id))!.status).toBe("active");
    expect(await h.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await code(h.verifier.login(secret))).toBe("unauthenticated");
  });
});

describe("every event order (the rules API.md gives each transition)", () => {
  test("a reactivation that overtakes its deactivation loses no token: a later deactivation still revokes it", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    const m = await h.addMember(orgId, "ivy");
    const { token, secret } = await h.userTokens.generate({ ...m, name: "t" });
    // Applied while the membership is still active: it changes nothing but the membership's time.
    expect(await h.memberships.applyUserReactivated({ orgId, userId: "ivy", occurredAt: h.nextEventTime() })).toBe("applied");
    expect((await h.userTokens.list(m)).map((t) => t.id)).toEqual([token.id]);
    // A newer upsert still reaches the token...
    await h.addMember(orgId, "ivy", { permissions: ["exports:write"] });
    expect(await h.verifier.verify({ token: secret })).toMatchObject({ valid: true, permissions: ["exports:write"] });
    // ...and so does the deactivation.
    await h.memberships.applyUserDeactivated({ orgId, userId: "ivy", occurredAt: h.nextEventTime() });
    expect(await h.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
  });

  test("a removed person stays removed after a deactivation; an upsert re-admits them", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    const m = await h.addMember(orgId, "jon");
    await h.memberships.applyUserRemoved({ orgId, userId: "jon", occurredAt: h.nextEventTime() });
    await h.memberships.applyUserDeactivated({ orgId, userId: "jon", occurredAt: h.nextEventTime() });
    expect((await h.store.getMembership(orgId, "jon"))!.status).toBe("removed");
    await h.memberships.applyUserReactivated({ orgId, userId: "jon", occurredAt: h.nextEventTime() });
    expect((await h.store.getMembership(orgId, "jon"))!.status).toBe("removed");
    await h.addMember(orgId, "jon");
    expect((await h.store.getMembership(orgId, "jon"))!.status).toBe("active");
    expect(await code(h.userTokens.generate({ ...m, name: "back" }))).toBe("ok");
  });

  test("a reactivation of someone never seen makes nobody a member; an applied event always moves the time on", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    h.passwordCheck.passwords.set("kim", "pw-kim");
    expect(await h.memberships.applyUserReactivated({ orgId, userId: "kim", occurredAt: "2026-04-02T00:00:00Z" })).toBe("applied");
    expect(await code(h.userTokens.generate({ orgId, userId: "kim", password: "pw-kim", name: "t" }))).toBe("forbidden");
    // The person's first upsert, older than the reactivation, is stale; a newer one admits them.
    const upsert = { orgId, userId: "kim", name: "Kim", permissions: [], groups: [], sites: [] };
    expect(await h.memberships.applyUserUpserted({ ...upsert, occurredAt: "2026-04-01T00:00:00Z" })).toBe("stale");
    expect(await h.memberships.applyUserUpserted({ ...upsert, occurredAt: "2026-04-03T00:00:00Z" })).toBe("applied");
    expect((await h.store.getMembership(orgId, "kim"))!.status).toBe("active");
    // On an active membership a reactivation changes nothing but the time: an older upsert is now stale.
    expect(await h.memberships.applyUserReactivated({ orgId, userId: "kim", occurredAt: "2026-04-05T00:00:00Z" })).toBe("applied");
    expect(await h.memberships.applyUserUpserted({ ...upsert, name: "Old", occurredAt: "2026-04-04T00:00:00Z" })).toBe("stale");
    expect((await h.store.getMembership(orgId, "kim"))!).toMatchObject({
      status: "active",
      name: "Kim",
      lastEventAt: "2026-04-05T00:00:00Z",
    });
  });

  test("reactivated, deactivated, reactivated before any upsert: active (found by the model-based test)", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    h.passwordCheck.passwords.set("lee", "pw-lee");
    const event = (occurredAt: string) => ({ orgId, userId: "lee", occurredAt });
    await h.memberships.applyUserReactivated(event("2026-05-01T00:00:00Z"));
    await h.memberships.applyUserDeactivated(event("2026-05-02T00:00:00Z"));
    expect((await h.store.getMembership(orgId, "lee"))!.status).toBe("deactivated");
    await h.memberships.applyUserReactivated(event("2026-05-03T00:00:00Z"));
    expect((await h.store.getMembership(orgId, "lee"))!.status).toBe("active");
    expect(await code(h.userTokens.generate({ orgId, userId: "lee", password: "pw-lee", name: "t" }))).toBe("ok");
  });
});

describe("races between events and generates", () => {
  test("a deactivation racing 20 generates leaves no live token, and each token made has exactly one revocation", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    const m = await h.addMember(orgId, "lou");
    const deactivation = { orgId, userId: "lou", occurredAt: h.nextEventTime() };
    // The deactivation starts once a few generates are through, while the rest are under way.
    let finished = 0;
    let deactivated: Promise<unknown> | undefined;
    const generates = Array.from({ length: 20 }, (_, i) =>
      h.userTokens
        .generate({ ...m, name: `t${i}` })
        .catch(() => undefined)
        .finally(() => {
          if (++finished === 3) deactivated = h.memberships.applyUserDeactivated(deactivation);
        }),
    );
    const made = (await Promise.all(generates)).flatMap((r) => (r ? [r] : []));
    await deactivated;
    expect(made.length).toBeGreaterThanOrEqual(3);
    for (const t of made) expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    const revoked = (await h.store.listActivity(orgId, 200, undefined)).items.filter((r) => r.action === "token.revoked");
    expect(revoked.map((r) => r.tokenId).sort()).toEqual(made.map((t) => t.token.id).sort());
  });

  test("an upsert racing generates: every live token ends with the newest access", async () => {
    const h = await createDomainHarness();
    const orgId = `org-${randomUUID().slice(0, 8)}`;
    const m = await h.addMember(orgId, "max", { permissions: ["old"] });
    const made = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => h.userTokens.generate({ ...m, name: `t${i}` })),
      h.addMember(orgId, "max", { permissions: ["new"] }).then(() => undefined),
      ...Array.from({ length: 5 }, (_, i) => h.userTokens.generate({ ...m, name: `u${i}` })),
    ]);
    for (const t of made) {
      if (t) expect(await h.verifier.verify({ token: t.secret })).toMatchObject({ valid: true, permissions: ["new"] });
    }
  });
});
