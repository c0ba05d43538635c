import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { SYSTEM_ACTOR } from "../../functions/domain/model.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

/**
 * API.md "User-lifecycle events", rule by rule: what each event does to a membership in each state, what a
 * reactivated membership keeps, that a removed person comes back only by an upsert, that stale settings events
 * change nothing, and what the operator's revoke-all writes (and what its dry run does not).
 */

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const uniqueOrg = () => `org-${randomUUID().slice(0, 8)}`;
const membership = (orgId: string, userId: string) => h.store.getMembership(orgId, userId);
const status = async (orgId: string, userId: string) => (await membership(orgId, userId))?.status;
const activityOf = async (orgId: string) => (await h.store.listActivity(orgId, 200, undefined)).items;
const event = (orgId: string, userId: string) => ({ orgId, userId, occurredAt: h.nextEventTime() });

describe("User Reactivated", () => {
  test("a reactivated member keeps the name and access they had, and can generate again; revoked tokens stay revoked", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "rea", { name: "Rea", permissions: ["p1"], groups: ["g1"], sites: ["s1"] });
    const before = await h.userTokens.generate({ ...m, name: "before" });
    expect(await h.memberships.applyUserDeactivated(event(org, "rea"))).toBe("applied");
    expect(await code(h.userTokens.generate({ ...m, name: "while deactivated" }))).toBe("forbidden");

    expect(await h.memberships.applyUserReactivated(event(org, "rea"))).toBe("applied");
    expect(await membership(org, "rea")).toMatchObject({
      status: "active",
      name: "Rea",
      permissions: ["p1"],
      groups: ["g1"],
      sites: ["s1"],
    });
    expect(await h.verifier.verify({ token: before.secret })).toEqual({ valid: false, reason: "revoked" });
    const after = await h.userTokens.generate({ ...m, name: "after" });
    expect(await h.verifier.verify({ token: after.secret })).toMatchObject({
      valid: true,
      principal: { name: "Rea" },
      permissions: ["p1"],
      groups: ["g1"],
      sites: ["s1"],
    });
    expect((await h.userTokens.list(m)).map((t) => t.id)).toEqual([after.token.id]);
  });

  test("on an active membership it changes nothing but its time: live tokens keep working", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "act", { permissions: ["keep"] });
    const live = await h.userTokens.generate({ ...m, name: "live" });
    const before = (await membership(org, "act"))!;
    const reactivated = event(org, "act");
    expect(await h.memberships.applyUserReactivated(reactivated)).toBe("applied");
    const after = (await membership(org, "act"))!;
    expect(after).toEqual({ ...before, lastEventAt: reactivated.occurredAt, version: before.version + 1 });
    expect(await h.verifier.verify({ token: live.secret })).toMatchObject({ valid: true, permissions: ["keep"] });
  });

  test("a removed person is not re-admitted by a reactivation, only by an upsert (with the upsert's access)", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "gone", { name: "Gone", permissions: ["old"] });
    const old = await h.userTokens.generate({ ...m, name: "old" });
    expect(await h.memberships.applyUserRemoved(event(org, "gone"))).toBe("applied");
    expect(await status(org, "gone")).toBe("removed");

    expect(await h.memberships.applyUserReactivated(event(org, "gone"))).toBe("applied");
    expect(await status(org, "gone")).toBe("removed");
    expect(await code(h.userTokens.generate({ ...m, name: "after reactivation" }))).toBe("forbidden");

    // A deactivation does not turn a removal into something milder either.
    expect(await h.memberships.applyUserDeactivated(event(org, "gone"))).toBe("applied");
    expect(await status(org, "gone")).toBe("removed");

    await h.addMember(org, "gone", { name: "Back", permissions: ["new"] });
    expect(await membership(org, "gone")).toMatchObject({ status: "active", name: "Back", permissions: ["new"] });
    const fresh = await h.userTokens.generate({ ...m, name: "fresh" });
    expect(await h.verifier.verify({ token: fresh.secret })).toMatchObject({ valid: true, permissions: ["new"] });
    // The token revoked at removal stays revoked.
    expect(await h.verifier.verify({ token: old.secret })).toEqual({ valid: false, reason: "revoked" });
  });

  test("an upsert never reactivates a deactivated member, but does update their name and access", async () => {
    const org = uniqueOrg();
    await h.addMember(org, "deac", { name: "Deac", permissions: ["a"] });
    await h.memberships.applyUserDeactivated(event(org, "deac"));
    await h.addMember(org, "deac", { name: "Deac Renamed", permissions: ["b"], groups: ["g2"], sites: ["s2"] });
    expect(await membership(org, "deac")).toMatchObject({
      status: "deactivated",
      name: "Deac Renamed",
      permissions: ["b"],
      groups: ["g2"],
      sites: ["s2"],
    });
    expect(await code(h.userTokens.generate({ orgId: org, userId: "deac", name: "x", password: "pw-deac" }))).toBe("forbidden");
  });

  test("a deactivation that overtakes the first upsert deactivates: the older upsert is stale", async () => {
    const org = uniqueOrg();
    const upsertTime = h.nextEventTime();
    expect(await h.memberships.applyUserDeactivated(event(org, "early"))).toBe("applied");
    expect(await status(org, "early")).toBe("deactivated");
    expect(
      await h.memberships.applyUserUpserted({
        orgId: org,
        userId: "early",
        name: "Early",
        permissions: [],
        groups: [],
        sites: [],
        occurredAt: upsertTime,
      }),
    ).toBe("stale");
    expect(await status(org, "early")).toBe("deactivated");
  });
});

describe("revocations caused by people events", () => {
  test("deactivation and removal revoke each live token as System, naming the token and why", async () => {
    const org = uniqueOrg();
    const d = await h.addMember(org, "dee");
    const r = await h.addMember(org, "rex");
    const dToken = await h.userTokens.generate({ ...d, name: "dee's" });
    const rToken = await h.userTokens.generate({ ...r, name: "rex's" });
    await h.memberships.applyUserDeactivated(event(org, "dee"));
    await h.memberships.applyUserRemoved(event(org, "rex"));
    const revoked = (await activityOf(org)).filter((e) => e.action === "token.revoked");
    expect(revoked.map(({ tokenId, actor, detail }) => ({ tokenId, actor, detail }))).toEqual(
      expect.arrayContaining([
        {
          tokenId: dToken.token.id,
          actor: SYSTEM_ACTOR,
          detail: { kind: "user", name: "dee's", ownerId: "dee", reason: "user_deactivated" },
        },
        { tokenId: rToken.token.id, actor: SYSTEM_ACTOR, detail: { kind: "user", name: "rex's", ownerId: "rex", reason: "user_removed" } },
      ]),
    );
    expect(revoked).toHaveLength(2);
  });

  test("a reactivation or an upsert revokes nothing", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "calm");
    const t = await h.userTokens.generate({ ...m, name: "calm's" });
    await h.memberships.applyUserReactivated(event(org, "calm"));
    await h.addMember(org, "calm", { permissions: ["more"] });
    expect((await activityOf(org)).filter((e) => e.action === "token.revoked")).toEqual([]);
    expect(await h.verifier.verify({ token: t.secret })).toMatchObject({ valid: true, permissions: ["more"] });
  });
});

describe("Organization Settings Changed", () => {
  const settings = (orgId: string, ssoEnforced: boolean, occurredAt: string) =>
    h.memberships.applyOrganizationSettingsChanged({ orgId, ssoEnforced, occurredAt });

  test("applied when newer; a stale or duplicate one changes nothing", async () => {
    const org = uniqueOrg();
    await h.addMember(org, "sso");
    const older = h.nextEventTime();
    const newer = h.nextEventTime();
    expect(await settings(org, true, newer)).toBe("applied");
    expect(await h.store.getOrganizationSettings(org)).toMatchObject({ ssoEnforced: true, lastEventAt: newer });
    expect(await code(h.userTokens.generate({ orgId: org, userId: "sso", name: "no password" }))).toBe("ok");

    // Older, then the same time again: both stale, SSO stays on.
    expect(await settings(org, false, older)).toBe("stale");
    expect(await settings(org, false, newer)).toBe("stale");
    expect(await h.store.getOrganizationSettings(org)).toMatchObject({ ssoEnforced: true, lastEventAt: newer });
    expect(await code(h.userTokens.generate({ orgId: org, userId: "sso", name: "still no password" }))).toBe("ok");

    // A newer one turns it off: a password is needed again.
    expect(await settings(org, false, h.nextEventTime())).toBe("applied");
    expect(await code(h.userTokens.generate({ orgId: org, userId: "sso", name: "no password" }))).toBe("invalid_password");
  });

  test("each applied settings event moves the organization's time and version on", async () => {
    const org = uniqueOrg();
    const first = h.nextEventTime();
    const second = h.nextEventTime();
    await settings(org, false, first);
    const a = (await h.store.getOrganizationSettings(org))!;
    expect(a).toMatchObject({ orgId: org, ssoEnforced: false, lastEventAt: first });
    await settings(org, false, second);
    const b = (await h.store.getOrganizationSettings(org))!;
    expect(b).toMatchObject({ ssoEnforced: false, lastEventAt: second, version: a.version + 1 });
  });
});

describe("Organization Deleted", () => {
  test("a deletion older than the last settings event is stale and deletes nothing; a second delivery changes nothing", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "stay");
    const t = await h.userTokens.generate({ ...m, name: "t" });
    const old = h.nextEventTime();
    await h.memberships.applyOrganizationSettingsChanged({ orgId: org, ssoEnforced: true, occurredAt: h.nextEventTime() });
    expect(await h.memberships.applyOrganizationDeleted({ orgId: org, occurredAt: old })).toBe("stale");
    expect(await h.verifier.verify({ token: t.secret })).toMatchObject({ valid: true });
    expect(await status(org, "stay")).toBe("active");

    const deletion = { orgId: org, occurredAt: h.nextEventTime() };
    expect(await h.memberships.applyOrganizationDeleted(deletion)).toBe("applied");
    // The tombstone keeps what the organization's settings said.
    expect(await h.store.getOrganizationSettings(org)).toMatchObject({
      ssoEnforced: true,
      deletedAt: deletion.occurredAt,
      lastEventAt: deletion.occurredAt,
    });
    expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await status(org, "stay")).toBe("removed");
    expect(await h.memberships.applyOrganizationDeleted({ orgId: org, occurredAt: h.nextEventTime() })).toBe("stale");
    expect(
      await h.memberships.applyUserUpserted({
        orgId: org,
        userId: "stay",
        name: "Again",
        permissions: [],
        groups: [],
        sites: [],
        occurredAt: h.nextEventTime(),
      }),
    ).toBe("stale");
    expect(await h.memberships.applyUserReactivated(event(org, "stay"))).toBe("stale");
  });

  test("an organization nobody configured is deleted without SSO; a member without tokens is removed too", async () => {
    const org = uniqueOrg();
    await h.addMember(org, "plain");
    expect(await h.memberships.applyOrganizationDeleted({ orgId: org, occurredAt: h.nextEventTime() })).toBe("applied");
    expect(await h.store.getOrganizationSettings(org)).toMatchObject({ ssoEnforced: false });
    // Its memberships end, also those of people who hold no token.
    expect(await status(org, "plain")).toBe("removed");
  });
});

describe("the operator's revoke-all", () => {
  test("a dry run names the live tokens and writes nothing, not even expiry records", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "inc");
    const old = await h.userTokens.generate({ ...m, name: "old" });
    h.clock.advance(20 * 86_400);
    const live = await h.userTokens.generate({ ...m, name: "live" });
    h.clock.advance(11 * 86_400); // `old` is now expired (unrecorded), `live` is not
    const before = await membership(org, "inc");
    const activityBefore = await activityOf(org);

    const dry = await h.memberships.revokeAllUserTokens({
      orgId: org,
      userId: "inc",
      operator: "ops@example",
      reason: "incident",
      dryRun: true,
    });
    expect(dry).toEqual({ revoked: [live.token.id], dryRun: true });
    expect(await activityOf(org)).toEqual(activityBefore);
    expect(await membership(org, "inc")).toEqual(before);
    expect((await h.store.getToken(old.token.id))?.expiryRecorded).toBeFalsy();
    expect(await h.verifier.verify({ token: live.secret })).toMatchObject({ valid: true });
  });

  test("the real run revokes every live token as System naming the operator and the note; again, it finds nothing", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "inc2");
    const a = await h.userTokens.generate({ ...m, name: "a" });
    const b = await h.userTokens.generate({ ...m, name: "b" });
    const before = (await membership(org, "inc2"))!;
    const run = await h.memberships.revokeAllUserTokens({
      orgId: org,
      userId: "inc2",
      operator: "ops@example",
      reason: "leak INC-1",
      dryRun: false,
    });
    expect({ ...run, revoked: [...run.revoked].sort() }).toEqual({ revoked: [a.token.id, b.token.id].sort(), dryRun: false });
    for (const t of [a, b]) expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    const revoked = (await activityOf(org)).filter((e) => e.action === "token.revoked");
    expect(revoked.map((e) => e.actor)).toEqual([SYSTEM_ACTOR, SYSTEM_ACTOR]);
    for (const e of revoked) {
      expect(e.detail).toMatchObject({ kind: "user", ownerId: "inc2", reason: "operator", operator: "ops@example", note: "leak INC-1" });
    }
    // The membership stays as it was (only its version moves).
    expect(await membership(org, "inc2")).toMatchObject({ status: "active", name: before.name, permissions: before.permissions });

    expect(
      await h.memberships.revokeAllUserTokens({ orgId: org, userId: "inc2", operator: "ops@example", reason: "again", dryRun: false }),
    ).toEqual({ revoked: [], dryRun: false });
    expect((await activityOf(org)).filter((e) => e.action === "token.revoked")).toHaveLength(2);
  });

  test("someone who was never a member has nothing to revoke, dry run or not", async () => {
    const org = uniqueOrg();
    for (const dryRun of [true, false]) {
      expect(await h.memberships.revokeAllUserTokens({ orgId: org, userId: "nobody", operator: "ops", reason: "x", dryRun })).toEqual({
        revoked: [],
        dryRun,
      });
    }
  });

  test("the real run records the expiry of tokens it finds expired", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "inc3");
    const old = await h.userTokens.generate({ ...m, name: "old" });
    h.clock.advance(31 * 86_400);
    expect(await h.memberships.revokeAllUserTokens({ orgId: org, userId: "inc3", operator: "ops", reason: "x", dryRun: false })).toEqual({
      revoked: [],
      dryRun: false,
    });
    expect((await activityOf(org)).filter((e) => e.action === "token.expired").map((e) => e.tokenId)).toEqual([old.token.id]);
  });
});
