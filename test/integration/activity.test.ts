import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, test } from "vitest";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import { activity, personActor } from "../../functions/domain/activity.ts";
import { SYSTEM_ACTOR, type ActivityRecord, type MembershipRecord } from "../../functions/domain/model.ts";
import { OrganizationTokens } from "../../functions/domain/organization-tokens.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { newTokenSecret } from "../../functions/domain/token-secret.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
let serviceUsers: ServiceUsers;
beforeAll(async () => {
  h = await createDomainHarness();
  serviceUsers = new ServiceUsers(h);
});

const newAdmin = () => h.newAdmin();
const allActivity = async (orgId: string) => (await h.store.listActivity(orgId, 200, undefined)).items;

describe("the activity log", () => {
  test("records every action with the actor's name at the time, newest first, and never a secret", async () => {
    const admin = await newAdmin();
    const person = await h.addMember(admin.orgId, "pat", { name: "Pat" });
    const mine = await h.userTokens.generate({ ...person, name: "mine" });
    await h.verifier.login(mine.secret);
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: ["a"] });
    await serviceUsers.update(admin, su.id, { name: "Robot v2" });
    const robots = await serviceUsers.generateToken(admin, su.id, "robot's");
    // The person is renamed: later records carry the new name, earlier ones keep the old.
    await h.addMember(admin.orgId, "pat", { name: "Patricia" });
    await h.revoke({ ...person, tokenId: mine.token.id });
    await serviceUsers.delete(admin, su.id);

    const events = await allActivity(admin.orgId);
    expect(events.map((e) => e.action).sort()).toEqual(
      [
        "token.created", // Pat's own token
        "token.login",
        "service_user.created",
        "service_user.updated",
        "token.created", // the robot's, by the admin
        "token.revoked", // Pat revokes hers
        "service_user.deleted",
        "token.revoked", // the robot's token goes with its service user
      ].sort(),
    );
    const byAction = (action: string) => events.filter((e) => e.action === action);
    expect(byAction("token.created").map((e) => e.actor)).toEqual([
      { type: "user", id: "admin", name: "Ada Admin" },
      { type: "user", id: "pat", name: "Pat" },
    ]);
    expect(byAction("token.login")).toEqual([
      expect.objectContaining({ tokenId: mine.token.id, actor: { type: "user", id: "pat", name: "Pat" } }),
    ]);
    expect(
      byAction("token.revoked")
        .map((e) => [e.tokenId, e.actor.name])
        .sort(),
    ).toEqual(
      [
        [mine.token.id, "Patricia"],
        [robots.token.id, "Ada Admin"],
      ].sort(),
    );
    expect(byAction("service_user.created")).toHaveLength(1);
    expect(byAction("service_user.updated")[0]?.detail).toMatchObject({ serviceUserId: su.id, changed: ["name"], name: "Robot v2" });
    expect(byAction("service_user.deleted")).toHaveLength(1);
    // Newest first.
    const times = events.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    const text = JSON.stringify(events);
    for (const secret of [mine.secret, robots.secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain((await h.store.getToken(secret === mine.secret ? mine.token.id : robots.token.id))!.secretHash);
    }
    expect(text).not.toContain("pw-pat");
  });

  test("token.expired is recorded once per token, by the first request that finds it expired, as System", async () => {
    const admin = await newAdmin();
    const person = await h.addMember(admin.orgId, "ida");
    const idle = await h.userTokens.generate({ ...person, name: "idle" });
    const listedLater = await h.userTokens.generate({ ...person, name: "listed later" });
    h.clock.advance(31 * 86_400);
    // Verifications, a list and a generate all find them expired; each token is recorded once.
    await Promise.all([h.verifier.verify({ token: idle.secret }), h.verifier.verify({ token: idle.secret })]);
    await h.verifier.verify({ token: idle.secret });
    expect(await h.userTokens.list(person)).toEqual([]);
    await h.userTokens.generate({ ...person, name: "new" });
    const expired = (await allActivity(admin.orgId)).filter((e) => e.action === "token.expired");
    expect(expired.map((e) => e.tokenId).sort()).toEqual([idle.token.id, listedLater.token.id].sort());
    for (const record of expired) {
      expect(record.actor).toEqual(SYSTEM_ACTOR);
      expect(record.detail).toMatchObject({ reason: "inactivity" });
    }
  });

  test("pages with a cursor", async () => {
    const admin = await newAdmin();
    for (let i = 0; i < 5; i++) await serviceUsers.create(admin, { name: `su${i}`, permissions: [] });
    const first = await h.store.listActivity(admin.orgId, 3, undefined);
    const second = await h.store.listActivity(admin.orgId, 3, first.nextCursor!);
    expect(first.items).toHaveLength(3);
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.items, ...second.items].map((e) => e.id)).size).toBe(5);
  });
});

/**
 * Atomicity: each change and its activity record are one DynamoDB transaction. Each case forces a failure
 * of one side at the database (a record whose key is already taken, or a change whose condition no longer
 * holds) and shows the other side was not written either.
 */
describe("each action's record is written atomically with its change", () => {
  /** Occupies the record's key, so the record's `attribute_not_exists` condition fails in the transaction. */
  async function occupy(record: ActivityRecord) {
    await h.documentClient.send(
      new PutCommand({ TableName: h.tables.activity, Item: { ...keys.activity(record.orgId, record.at, record.id), placeholder: true } }),
    );
  }
  const recordsOf = async (orgId: string) =>
    (await allActivity(orgId)).filter((e) => !(e as unknown as { placeholder?: boolean }).placeholder && e.action);

  async function setup() {
    const admin = await newAdmin();
    const person = await h.addMember(admin.orgId, "pat", { name: "Pat" });
    const membership = (await h.store.getMembership(admin.orgId, "pat"))!;
    return { admin, person, membership };
  }

  const newUserToken = (membership: MembershipRecord) => {
    const secret = newTokenSecret("user");
    const now = h.clock.now();
    return {
      id: secret.id,
      orgId: membership.orgId,
      kind: "user" as const,
      ownerId: membership.userId,
      name: "t",
      secretHash: secret.secretHash,
      hint: secret.hint,
      createdAt: now.toISOString(),
      lastUsedAt: null,
      expiresAt: Math.ceil(now.getTime() / 1000) + 30 * 86_400,
      status: "active" as const,
      eventSequence: 1,
      principal: { name: membership.name, permissions: [], groups: [], sites: [] },
    };
  };

  test("token.created (user token)", async () => {
    const { membership } = await setup();
    const before = (await recordsOf(membership.orgId)).length;
    // Record fails → no token.
    const token = newUserToken(membership);
    const record = activity(h.clock, membership.orgId, "token.created", personActor(membership), { tokenId: token.id });
    await occupy(record);
    const tokenSet = await h.store.getTokenSet(membership.orgId, "pat");
    await expect(h.store.createToken(token, tokenSet, { [token.id]: "pat" }, { membership }, record)).rejects.toThrow();
    expect(await h.store.getToken(token.id)).toBeUndefined();
    expect((await h.store.getTokenSet(membership.orgId, "pat")).tokens).toEqual({});
    // Change fails (stale membership version) → no record.
    const other = newUserToken(membership);
    const otherRecord = activity(h.clock, membership.orgId, "token.created", personActor(membership), { tokenId: other.id });
    await expect(
      h.store.createToken(
        other,
        tokenSet,
        { [other.id]: "pat" },
        { membership: { ...membership, version: membership.version - 1 } },
        otherRecord,
      ),
    ).rejects.toThrow();
    expect(await h.store.getToken(other.id)).toBeUndefined();
    expect((await recordsOf(membership.orgId)).length).toBe(before);
  });

  test("token.revoked and token.login", async () => {
    const { person, membership } = await setup();
    const { token: view, secret } = await h.userTokens.generate({ ...person, name: "t" });
    const token = (await h.store.getToken(view.id))!;
    const before = (await recordsOf(membership.orgId)).length;
    const now = h.clock.now();
    const revoked = activity(h.clock, membership.orgId, "token.revoked", personActor(membership), { tokenId: token.id });
    await occupy(revoked);
    await expect(h.store.revokeToken(token, now.toISOString(), now, revoked)).rejects.toThrow();
    expect((await h.store.getToken(token.id))!.status).toBe("active");
    const login = activity(h.clock, membership.orgId, "token.login", personActor(membership), { tokenId: token.id });
    await occupy(login);
    await expect(
      h.store.recordTokenUse(token, { lastUsedAt: now.toISOString(), expiresAt: token.expiresAt + 10 }, now, login),
    ).rejects.toThrow();
    expect((await h.store.getToken(token.id))!.lastUsedAt).toBeNull();
    // The other way: the token is no longer active, so neither revocation nor login records anything.
    await h.revoke({ ...person, tokenId: token.id });
    const afterRevoke = (await recordsOf(membership.orgId)).length;
    expect(afterRevoke).toBe(before + 1);
    const late = activity(h.clock, membership.orgId, "token.login", personActor(membership), { tokenId: token.id });
    expect(await h.store.recordTokenUse(token, undefined, now, late)).toBe(false);
    expect(
      await h.store.revokeToken(
        token,
        now.toISOString(),
        now,
        activity(h.clock, membership.orgId, "token.revoked", personActor(membership), { tokenId: token.id }),
      ),
    ).toBe(false);
    expect((await recordsOf(membership.orgId)).length).toBe(afterRevoke);
    expect(await h.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
  });

  test("token.expired", async () => {
    const { person, membership } = await setup();
    const { token: view } = await h.userTokens.generate({ ...person, name: "t" });
    h.clock.advance(31 * 86_400);
    const token = (await h.store.getToken(view.id))!;
    const now = h.clock.now();
    const record = activity(h.clock, membership.orgId, "token.expired", SYSTEM_ACTOR, { tokenId: token.id });
    await occupy(record);
    await expect(h.store.recordExpiry(token, now, record)).rejects.toThrow();
    expect((await h.store.getToken(token.id))!.expiryRecorded).toBeUndefined();
    const again = activity(h.clock, membership.orgId, "token.expired", SYSTEM_ACTOR, { tokenId: token.id });
    expect(await h.store.recordExpiry(token, now, again)).toBe(true);
    // Once recorded, a second record is refused together with its (already made) change.
    const twice = activity(h.clock, membership.orgId, "token.expired", SYSTEM_ACTOR, { tokenId: token.id });
    expect(await h.store.recordExpiry(token, now, twice)).toBe(false);
    expect((await recordsOf(membership.orgId)).filter((e) => e.action === "token.expired")).toHaveLength(1);
  });

  test("service_user.created, .updated and .deleted, and service-user token.created", async () => {
    const { admin } = await setup();
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const stored = (await h.store.getServiceUser(admin.orgId, su.id))!;
    const before = (await recordsOf(admin.orgId)).length;

    const created = activity(h.clock, admin.orgId, "service_user.created", personActor(admin));
    await occupy(created);
    const ghost = { ...stored, id: "su_ghost", version: 1 };
    await expect(h.store.createServiceUser(ghost, created)).rejects.toThrow();
    expect(await h.store.getServiceUser(admin.orgId, "su_ghost")).toBeUndefined();

    const tokenSet = await h.store.getTokenSet(admin.orgId);
    const updated = activity(h.clock, admin.orgId, "service_user.updated", personActor(admin));
    await occupy(updated);
    await expect(h.store.updateServiceUser({ ...stored, name: "Renamed", version: 2 }, 1, tokenSet, [], updated)).rejects.toThrow();
    expect((await h.store.getServiceUser(admin.orgId, su.id))!.name).toBe("Robot");
    // Change fails (stale version) → no record.
    const staleUpdate = activity(h.clock, admin.orgId, "service_user.updated", personActor(admin));
    await expect(h.store.updateServiceUser({ ...stored, name: "Renamed", version: 8 }, 7, tokenSet, [], staleUpdate)).rejects.toThrow();

    const secret = newTokenSecret("service_user");
    const now = h.clock.now();
    const suToken = {
      id: secret.id,
      orgId: admin.orgId,
      kind: "service_user" as const,
      ownerId: su.id,
      name: "t",
      secretHash: secret.secretHash,
      hint: secret.hint,
      createdAt: now.toISOString(),
      lastUsedAt: null,
      expiresAt: Math.ceil(now.getTime() / 1000) + 86_400,
      status: "active" as const,
      eventSequence: 1,
      principal: { name: "Robot", permissions: [], groups: [], sites: [] },
    };
    const tokenCreated = activity(h.clock, admin.orgId, "token.created", personActor(admin), { tokenId: suToken.id });
    await occupy(tokenCreated);
    await expect(h.store.createToken(suToken, tokenSet, { [suToken.id]: su.id }, { serviceUser: stored }, tokenCreated)).rejects.toThrow();
    expect(await h.store.getToken(suToken.id)).toBeUndefined();
    expect((await h.store.getTokenSet(admin.orgId)).tokens).toEqual({});

    const deleted = activity(h.clock, admin.orgId, "service_user.deleted", personActor(admin));
    await occupy(deleted);
    await expect(h.store.deleteServiceUser(stored, tokenSet, [], now.toISOString(), [deleted])).rejects.toThrow();
    expect(await h.store.getServiceUser(admin.orgId, su.id)).toBeDefined();

    expect((await recordsOf(admin.orgId)).length).toBe(before);
  });
});

// Keep the admin view's wiring honest too: an OrganizationTokens revoke records with the admin as actor.
test("an admin's revocation through the organization-wide view is recorded with the admin as actor", async () => {
  const admin = await newAdmin();
  const person = await h.addMember(admin.orgId, "pat", { name: "Pat" });
  const { token } = await h.userTokens.generate({ ...person, name: "t" });
  await new OrganizationTokens(h).revoke(admin, token.id);
  const [latest] = await allActivity(admin.orgId);
  expect(latest).toMatchObject({ action: "token.revoked", tokenId: token.id, actor: { type: "user", id: "admin", name: "Ada Admin" } });
});
