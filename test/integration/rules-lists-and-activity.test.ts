import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { listActivity } from "../../functions/domain/activity.ts";
import { SYSTEM_ACTOR } from "../../functions/domain/model.ts";
import { OrganizationTokens } from "../../functions/domain/organization-tokens.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { UserTokens } from "../../functions/domain/user-tokens.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

/**
 * API.md: lists newest first; the organization-wide view shows only active tokens (expired ones are recorded
 * and left out); each revoke route acts only on what it lets the caller see; service users' active token
 * counts; and what each activity record says in `detail`.
 */

let h: Awaited<ReturnType<typeof createDomainHarness>>;
let serviceUsers: ServiceUsers;
let organizationTokens: OrganizationTokens;
beforeAll(async () => {
  h = await createDomainHarness();
  serviceUsers = new ServiceUsers(h);
  organizationTokens = new OrganizationTokens(h);
});

const DAY = 86_400;
const activityOf = async (orgId: string) => (await h.store.listActivity(orgId, 200, undefined)).items;

/** Generation through a clock that moves only when told. */
function clockedUserTokens() {
  let nowMs = h.clock.now().getTime();
  const clock = { now: () => new Date(nowMs) };
  return { userTokens: new UserTokens({ store: h.store, clock, passwordCheck: h.passwordCheck }), tick: (ms = 1000) => (nowMs += ms) };
}

describe("newest first", () => {
  test("a person's own tokens", async () => {
    const admin = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "nf");
    const { userTokens, tick } = clockedUserTokens();
    const made = [];
    for (const name of ["first", "second", "third"]) {
      made.push(await userTokens.generate({ ...m, name }));
      tick();
    }
    expect((await h.userTokens.list(m)).map((t) => t.name)).toEqual(["third", "second", "first"]);
  });

  test("a service user's tokens", async () => {
    const admin = await h.newAdmin();
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const names = [];
    for (const name of ["first", "second", "third"]) {
      await serviceUsers.generateToken(admin, su.id, name);
      names.push(name);
      h.clock.advance(1);
    }
    expect((await serviceUsers.listTokens(admin.orgId, su.id)).map((t) => t.name)).toEqual(["third", "second", "first"]);
  });
});

describe("the organization-wide view", () => {
  test("leaves out expired tokens of both kinds and records their expiry; live ones are listed with their owner's name", async () => {
    const admin = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "ow", { name: "Owen" });
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const oldUser = await h.userTokens.generate({ ...m, name: "old user" });
    const oldRobot = await serviceUsers.generateToken(admin, su.id, "old robot");
    h.clock.advance(20 * DAY);
    const newUser = await h.userTokens.generate({ ...m, name: "new user" });
    const newRobot = await serviceUsers.generateToken(admin, su.id, "new robot");
    h.clock.advance(11 * DAY);

    const listed = await organizationTokens.list(admin.orgId, 50, undefined);
    expect(listed.tokens.map((t) => [t.name, t.ownerName])).toEqual(
      expect.arrayContaining([
        ["new user", "Owen"],
        ["new robot", "Robot"],
      ]),
    );
    expect(listed.tokens).toHaveLength(2);
    expect(listed.nextCursor).toBeNull();
    expect(listed.tokens.find((t) => t.id === newUser.token.id)).toEqual({ ...newUser.token, ownerName: "Owen" });
    const expired = (await activityOf(admin.orgId)).filter((e) => e.action === "token.expired");
    expect(expired.map((e) => e.tokenId).sort()).toEqual([oldUser.token.id, oldRobot.token.id].sort());
    expect(newRobot.token.kind).toBe("service_user");
  });

  test("an admin revokes only tokens of their own organization, live ones, once", async () => {
    const admin = await h.newAdmin();
    const other = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "v");
    const t = await h.userTokens.generate({ ...m, name: "t" });
    expect(await code(organizationTokens.revoke(other, t.token.id))).toBe("not_found");
    expect(await code(organizationTokens.revoke(admin, "not-a-token-id"))).toBe("not_found");
    expect(await code(organizationTokens.revoke(admin, "0123456789abcdef"))).toBe("not_found");
    expect(await h.verifier.verify({ token: t.secret })).toMatchObject({ valid: true });
    await organizationTokens.revoke(admin, t.token.id);
    expect(await code(organizationTokens.revoke(admin, t.token.id))).toBe("not_found");
    expect((await activityOf(admin.orgId)).filter((e) => e.action === "token.revoked")).toHaveLength(1);
  });

  test("revoking an expired token is not_found, and records the expiry", async () => {
    const admin = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "exp");
    const t = await h.userTokens.generate({ ...m, name: "t" });
    h.clock.advance(31 * DAY);
    expect(await code(organizationTokens.revoke(admin, t.token.id))).toBe("not_found");
    const records = await activityOf(admin.orgId);
    expect(records.filter((e) => e.action === "token.expired").map((e) => e.tokenId)).toEqual([t.token.id]);
    expect(records.filter((e) => e.action === "token.revoked")).toEqual([]);
  });
});

describe("what each revoke route lets the caller see", () => {
  test("a person revokes only their own user tokens in that organization", async () => {
    const admin = await h.newAdmin();
    const a = await h.addMember(admin.orgId, "a");
    const b = await h.addMember(admin.orgId, "b");
    const aElsewhere = await h.addMember(`org-${randomUUID().slice(0, 8)}`, "a");
    const bToken = await h.userTokens.generate({ ...b, name: "b's" });
    const aOther = await h.userTokens.generate({ ...aElsewhere, name: "a's elsewhere" });
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const robot = await serviceUsers.generateToken(admin, su.id, "robot");
    for (const tokenId of [bToken.token.id, aOther.token.id, robot.token.id]) {
      expect(await code(h.revoke({ ...a, tokenId }))).toBe("not_found");
    }
    for (const secret of [bToken.secret, aOther.secret, robot.secret]) {
      expect(await h.verifier.verify({ token: secret })).toMatchObject({ valid: true });
    }
  });

  test("a service user's route revokes only that service user's tokens", async () => {
    const admin = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "u");
    const one = await serviceUsers.create(admin, { name: "One", permissions: [] });
    const two = await serviceUsers.create(admin, { name: "Two", permissions: [] });
    const oneToken = await serviceUsers.generateToken(admin, one.id, "one's");
    const userToken = await h.userTokens.generate({ ...m, name: "u's" });
    expect(await code(serviceUsers.revokeToken(admin, two.id, oneToken.token.id))).toBe("not_found");
    expect(await code(serviceUsers.revokeToken(admin, one.id, userToken.token.id))).toBe("not_found");
    expect(await code(serviceUsers.revokeToken(admin, "su_nobody", oneToken.token.id))).toBe("not_found");
    expect(await code(serviceUsers.revokeToken(admin, "../x", oneToken.token.id))).toBe("not_found");
    const otherAdmin = await h.newAdmin();
    expect(await code(serviceUsers.revokeToken(otherAdmin, one.id, oneToken.token.id))).toBe("not_found");
    await serviceUsers.revokeToken(admin, one.id, oneToken.token.id);
    expect(await h.verifier.verify({ token: oneToken.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: userToken.secret })).toMatchObject({ valid: true });
  });
});

describe("service users", () => {
  test("each counts its own active tokens (not revoked or expired ones); update answers with the count", async () => {
    const admin = await h.newAdmin();
    const one = await serviceUsers.create(admin, { name: "One", permissions: ["p"] });
    const two = await serviceUsers.create(admin, { name: "Two", permissions: [] });
    const old = await serviceUsers.generateToken(admin, one.id, "old");
    h.clock.advance(20 * DAY);
    await serviceUsers.generateToken(admin, one.id, "a");
    const revoked = await serviceUsers.generateToken(admin, one.id, "b");
    await serviceUsers.generateToken(admin, two.id, "c");
    await serviceUsers.revokeToken(admin, one.id, revoked.token.id);
    h.clock.advance(11 * DAY); // `old` has expired

    const listed = await serviceUsers.list(admin.orgId, 50, undefined);
    expect(listed.serviceUsers.map((s) => [s.name, s.activeTokenCount])).toEqual([
      ["One", 1],
      ["Two", 1],
    ]);
    expect(listed.nextCursor).toBeNull();
    expect(await serviceUsers.update(admin, one.id, { name: "One v2" })).toEqual({
      id: one.id,
      name: "One v2",
      permissions: ["p"],
      createdAt: one.createdAt,
      createdBy: "admin",
      activeTokenCount: 1,
    });
    expect(old.token.kind).toBe("service_user");
  });

  test("an update names exactly the fields it changed, and takes effect on the next verification", async () => {
    const admin = await h.newAdmin();
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: ["a"] });
    const t = await serviceUsers.generateToken(admin, su.id, "t");
    await serviceUsers.update(admin, su.id, { permissions: ["b"] });
    await serviceUsers.update(admin, su.id, { name: "Robot 2", permissions: ["c"] });
    const updates = (await activityOf(admin.orgId)).filter((e) => e.action === "service_user.updated").reverse();
    expect(updates.map((e) => e.detail)).toEqual([
      { serviceUserId: su.id, changed: ["permissions"], name: "Robot", permissions: ["b"] },
      { serviceUserId: su.id, changed: ["name", "permissions"], name: "Robot 2", permissions: ["c"] },
    ]);
    expect(await h.verifier.verify({ token: t.secret })).toMatchObject({
      valid: true,
      principal: { type: "service_user", name: "Robot 2" },
      permissions: ["c"],
    });
    expect(await code(serviceUsers.update(admin, "su_nobody", { name: "x" }))).toBe("not_found");
  });

  test("none can be made in a deleted organization", async () => {
    const admin = await h.newAdmin();
    await h.memberships.applyOrganizationDeleted({ orgId: admin.orgId, occurredAt: h.nextEventTime() });
    expect(await code(serviceUsers.create(admin, { name: "Late", permissions: [] }))).toBe("forbidden");
  });
});

describe("activity detail", () => {
  test("token.created and token.revoked name the token's kind, name and owner; service-user records name the service user", async () => {
    const admin = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "det", { name: "Dee" });
    const mine = await h.userTokens.generate({ ...m, name: "mine" });
    await h.revoke({ ...m, tokenId: mine.token.id });
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: ["x"] });
    const robot = await serviceUsers.generateToken(admin, su.id, "robot's");
    await serviceUsers.delete(admin, su.id);

    const records = (await activityOf(admin.orgId))
      .reverse()
      .map(({ action, actor, tokenId, detail }) => ({ action, actor: actor.name, tokenId, detail }));
    expect(records.slice(0, 4)).toEqual([
      { action: "token.created", actor: "Dee", tokenId: mine.token.id, detail: { kind: "user", name: "mine", ownerId: "det" } },
      { action: "token.revoked", actor: "Dee", tokenId: mine.token.id, detail: { kind: "user", name: "mine", ownerId: "det" } },
      {
        action: "service_user.created",
        actor: "Ada Admin",
        tokenId: undefined,
        detail: { serviceUserId: su.id, name: "Robot", permissions: ["x"] },
      },
      {
        action: "token.created",
        actor: "Ada Admin",
        tokenId: robot.token.id,
        detail: { kind: "service_user", name: "robot's", ownerId: su.id },
      },
    ]);
    expect(records.slice(4)).toEqual(
      expect.arrayContaining([
        { action: "service_user.deleted", actor: "Ada Admin", tokenId: undefined, detail: { serviceUserId: su.id, name: "Robot" } },
        {
          action: "token.revoked",
          actor: "Ada Admin",
          tokenId: robot.token.id,
          detail: { kind: "service_user", name: "robot's", ownerId: su.id, reason: "service_user_deleted" },
        },
      ]),
    );
    expect(records).toHaveLength(6);
  });

  test("when the organization is deleted, its service users go by System, saying why", async () => {
    const admin = await h.newAdmin();
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const robot = await serviceUsers.generateToken(admin, su.id, "r");
    await h.memberships.applyOrganizationDeleted({ orgId: admin.orgId, occurredAt: h.nextEventTime() });
    const records = await activityOf(admin.orgId);
    expect(records.find((e) => e.action === "service_user.deleted")).toMatchObject({
      actor: SYSTEM_ACTOR,
      detail: { serviceUserId: su.id, name: "Robot", reason: "organization_deleted" },
    });
    expect(records.find((e) => e.tokenId === robot.token.id && e.action === "token.revoked")).toMatchObject({
      actor: SYSTEM_ACTOR,
      detail: { kind: "service_user", ownerId: su.id, reason: "organization_deleted" },
    });
  });

  test("the activity view: newest first, a tokenId only where a token is concerned, detail as recorded, actor as three fields", async () => {
    const admin = await h.newAdmin();
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const t = await serviceUsers.generateToken(admin, su.id, "t");
    const page = await listActivity(h.store, admin.orgId, 1, undefined);
    expect(page.events).toEqual([
      {
        at: expect.any(String),
        action: "token.created",
        actor: { type: "user", id: "admin", name: "Ada Admin" },
        tokenId: t.token.id,
        detail: { kind: "service_user", name: "t", ownerId: su.id },
      },
    ]);
    expect(page.nextCursor).toEqual(expect.any(String));
    const rest = await listActivity(h.store, admin.orgId, 50, page.nextCursor!);
    expect(rest.nextCursor).toBeNull();
    expect(rest.events).toHaveLength(1);
    expect(rest.events[0]).not.toHaveProperty("tokenId");
    expect(Object.keys(rest.events[0]!).sort()).toEqual(["action", "actor", "at", "detail"]);
  });

  test("a login's record names its token and has no detail", async () => {
    const admin = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "lo", { name: "Lo" });
    const t = await h.userTokens.generate({ ...m, name: "t" });
    await h.verifier.login(t.secret);
    const [login] = (await listActivity(h.store, admin.orgId, 1, undefined)).events;
    expect(login).toEqual({
      at: expect.any(String),
      action: "token.login",
      actor: { type: "user", id: "lo", name: "Lo" },
      tokenId: t.token.id,
    });
    expect(Object.keys(login!).sort()).toEqual(["action", "actor", "at", "tokenId"]);
  });
});
