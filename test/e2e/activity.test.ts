/**
 * API.md "Activity (requires `api-tokens:admin`)": `GET /v1/orgs/{orgId}/activity` → `{ events: [...] }`, newest
 * first, a page at a time; every action of the list, with `at`, `action`, `actor { type, id, name }` (the name
 * at the time), `tokenId` where it applies; revocations an admin causes have that admin as actor; `token.expired`
 * has the System actor and `detail.reason: "inactivity"` and is recorded once per token, no later than the
 * first request that finds the token expired. No secret, hash or password is ever in it.
 *
 * The server's clock is process-wide: only the last test of this file moves it.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  DAY_SECONDS,
  adminTokenPath,
  allPages,
  createServiceUserOk,
  expectError,
  generate,
  generateOk,
  generateServiceUserTokenOk,
  list,
  listActivity,
  listOrganizationTokens,
  listServiceUserTokens,
  listServiceUsers,
  login,
  newAdmin,
  newPerson,
  revoke,
  serverNow,
  serviceUserPath,
  serviceUserTokenPath,
  signInAgain,
  useLocalService,
  verify,
  ADMIN_PERMISSION,
  type ActivityEvent,
  type Person,
} from "./e2e-support.ts";

const ctx = useLocalService();

/** The actions API.md lists; the service may record more ("at least"), which these tests leave aside. */
const LISTED_ACTIONS = new Set([
  "token.created",
  "token.revoked",
  "token.expired",
  "token.login",
  "service_user.created",
  "service_user.updated",
  "service_user.deleted",
]);
const SYSTEM = { type: "system", id: "system", name: "System" };
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every event of the organization, newest first, by following the cursors; also every response text. */
async function wholeActivity(admin: Person, limit = 200): Promise<{ events: ActivityEvent[]; texts: string[] }> {
  const texts: string[] = [];
  const { items } = await allPages<ActivityEvent>(async (cursor) => {
    const response = await listActivity(ctx.api, admin, { limit, ...(cursor ? { cursor } : {}) });
    texts.push(response.text);
    return response;
  }, "events");
  return { events: items, texts };
}

const user = (person: Person, name = person.name) => ({ type: "user", id: person.userId, name });

/** The shape of every event: only API.md's fields, an ISO time, an actor of exactly three fields. */
function expectEventShapes(events: ActivityEvent[]): void {
  for (const event of events) {
    for (const key of Object.keys(event)) expect(["at", "action", "actor", "tokenId", "detail"]).toContain(key);
    expect(event.at).toMatch(ISO_UTC);
    expect(Object.keys(event.actor).sort()).toEqual(["id", "name", "type"]);
    expect(["user", "service_user", "system"]).toContain(event.actor.type);
    if (event.action.startsWith("token.")) expect(typeof event.tokenId).toBe("string");
    if (event.detail !== undefined) expect(typeof event.detail).toBe("object");
  }
  // Newest first.
  for (let i = 1; i < events.length; i++) {
    expect(Date.parse(events[i]!.at), `event ${i} is not older than event ${i - 1}`).toBeLessThanOrEqual(Date.parse(events[i - 1]!.at));
  }
}

/** The forms in which a secret's SHA-256 could be written down. */
const hashForms = (secret: string) => {
  const digest = createHash("sha256").update(secret).digest();
  return [digest.toString("hex"), digest.toString("hex").toUpperCase(), digest.toString("base64"), digest.toString("base64url")];
};
function expectNothingSecret(texts: string[], secrets: string[], passwords: string[]): void {
  const all = texts.join("\n");
  expect(all.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(all.includes(secret), "a secret is in the activity").toBe(false);
    for (const form of hashForms(secret)) expect(all.includes(form), "a secret's hash is in the activity").toBe(false);
  }
  for (const password of passwords) expect(all.includes(password), "a password is in the activity").toBe(false);
  // No 64-hex-character string at all (what a SHA-256 hash looks like).
  expect(all).not.toMatch(/[0-9a-f]{64}/i);
}

type Expected = { action: string; actor: object; tokenId?: string };
const summary = (event: ActivityEvent): Expected => ({
  action: event.action,
  actor: event.actor,
  ...(event.tokenId !== undefined ? { tokenId: event.tokenId } : {}),
});

describe("the activity log", () => {
  test("records every action with its actor's name at the time, newest first, and no secret", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada" });
    const bob = await newPerson(api, { orgId: admin.orgId, name: "Bob" });
    const start = await serverNow(api);

    const t1 = await generateOk(api, bob, "bob one");
    expect((await login(api, t1.secret)).status).toBe(200);
    // Bob is renamed: later records say "Robert", earlier ones keep "Bob".
    await api.upsertMember({ orgId: bob.orgId, userId: bob.userId, name: "Robert" });
    expect((await login(api, t1.secret)).body).toEqual({ orgId: bob.orgId, user: { id: bob.userId, name: "Robert" } });
    const t2 = await generateOk(api, bob, "bob two");
    expect((await revoke(api, bob, t2.token.id)).status).toBe(204);
    // A verification is no action of the list.
    expect((await verify(api, { token: t1.secret })).body).toMatchObject({ valid: true });

    const robot = await createServiceUserOk(api, admin, "Robot", ["p"]);
    // The admin is renamed too.
    await api.upsertMember({ orgId: admin.orgId, userId: admin.userId, name: "Ada Lovelace", permissions: [ADMIN_PERMISSION] });
    const patched = await api.request("PATCH", serviceUserPath(admin.orgId, robot.id), { bearer: admin.session, body: { permissions: ["q"] } });
    expect(patched.status, patched.text).toBe(200);
    const s1 = await generateServiceUserTokenOk(api, admin, robot.id, "robot one");
    const s2 = await generateServiceUserTokenOk(api, admin, robot.id, "robot two");
    // A service-user token cannot log in: that is no login.
    expectError(await login(api, s1.secret), 403, "login_not_allowed");
    // The admin revokes Bob's token (organization-wide view) and one of the robot's (service-user route) ...
    expect((await api.request("DELETE", adminTokenPath(admin.orgId, t1.token.id), { bearer: admin.session })).status).toBe(204);
    expect((await api.request("DELETE", serviceUserTokenPath(admin.orgId, robot.id, s1.token.id), { bearer: admin.session })).status).toBe(204);
    // ... and deletes the robot, which revokes its other token.
    expect((await api.request("DELETE", serviceUserPath(admin.orgId, robot.id), { bearer: admin.session })).status).toBe(204);
    const end = await serverNow(api);

    // Something in another organization, which must not show here.
    const otherAdmin = await newAdmin(api);
    const otherToken = await generateOk(api, otherAdmin, "elsewhere");

    const first = await listActivity(api, admin);
    expect(first.status, first.text).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(["events", "nextCursor"]);
    expect(first.body.nextCursor).toBeNull();
    const events = first.body.events;
    expectEventShapes(events);
    for (const event of events) {
      expect(Date.parse(event.at)).toBeGreaterThanOrEqual(start);
      expect(Date.parse(event.at)).toBeLessThanOrEqual(end);
    }
    expect(events.map((e) => e.tokenId)).not.toContain(otherToken.token.id);

    const listed = events.filter((e) => LISTED_ACTIONS.has(e.action));
    const ada = user(admin, "Ada Lovelace");
    // The deletion writes its records at once (same moment): compare those two as a set.
    const deletion: Expected[] = [
      { action: "service_user.deleted", actor: ada },
      { action: "token.revoked", actor: ada, tokenId: s2.token.id },
    ];
    const byJson = (a: Expected, b: Expected) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(listed.slice(0, 2).map(summary).sort(byJson)).toEqual([...deletion].sort(byJson));
    expect(listed.slice(2).map(summary)).toEqual([
      { action: "token.revoked", actor: ada, tokenId: s1.token.id },
      { action: "token.revoked", actor: ada, tokenId: t1.token.id },
      { action: "token.created", actor: ada, tokenId: s2.token.id },
      { action: "token.created", actor: ada, tokenId: s1.token.id },
      { action: "service_user.updated", actor: ada },
      { action: "service_user.created", actor: user(admin, "Ada") },
      { action: "token.revoked", actor: user(bob, "Robert"), tokenId: t2.token.id },
      { action: "token.created", actor: user(bob, "Robert"), tokenId: t2.token.id },
      { action: "token.login", actor: user(bob, "Robert"), tokenId: t1.token.id },
      { action: "token.login", actor: user(bob, "Bob"), tokenId: t1.token.id },
      { action: "token.created", actor: user(bob, "Bob"), tokenId: t1.token.id },
    ]);

    // The other organization's log is its own.
    const theirs = (await listActivity(api, otherAdmin)).body.events;
    expect(theirs.map(summary)).toEqual([{ action: "token.created", actor: user(otherAdmin), tokenId: otherToken.token.id }]);

    expectNothingSecret(
      [first.text, ...(await wholeActivity(admin, 1)).texts],
      [t1, t2, s1, s2].map((c) => c.secret),
      [admin.password, bob.password],
    );
  });

  test("pages with ?limit= and ?cursor=: the same events in the same order, the last page's nextCursor null", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    for (let i = 1; i <= 4; i++) {
      const su = await createServiceUserOk(api, admin, `robot ${i}`);
      await generateServiceUserTokenOk(api, admin, su.id, `robot ${i} token`);
    }
    await generateOk(api, admin, "own");
    // 9 events: 4 × service_user.created, 5 × token.created.
    const whole = await listActivity(api, admin);
    expect(whole.body.nextCursor).toBeNull();
    expect(whole.body.events).toHaveLength(9);

    const { items, pages } = await allPages<ActivityEvent>(
      (cursor) => listActivity(api, admin, { limit: 4, ...(cursor ? { cursor } : {}) }),
      "events",
    );
    expect(pages.map((p) => p.items.length)).toEqual([4, 4, 1]);
    expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
    expect(items).toEqual(whole.body.events);

    const byOne = await allPages<ActivityEvent>((cursor) => listActivity(api, admin, { limit: 1, ...(cursor ? { cursor } : {}) }), "events");
    expect(byOne.items).toEqual(whole.body.events);
    // A page fetched again with the same cursor is the same.
    const again = await listActivity(api, admin, { limit: 4, cursor: pages[0]!.nextCursor! });
    expect(again.body).toEqual({ events: pages[1]!.items, nextCursor: pages[1]!.nextCursor });
  });
});

describe("token.expired (moves the server's clock: last in this file)", () => {
  test("recorded once per token by System with reason inactivity, by the first request that finds it expired", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada" });
    const [bob, carol, dave, erin] = await Promise.all(
      ["Bob", "Carol", "Dave", "Erin"].map((name) => newPerson(api, { orgId: admin.orgId, name })),
    );
    const robotA = await createServiceUserOk(api, admin, "Robot A");
    const robotB = await createServiceUserOk(api, admin, "Robot B");
    const idle = {
      byVerify: await generateOk(api, bob!, "found by a verification"),
      byLogin: await generateOk(api, carol!, "found by a login"),
      byOwnList: await generateOk(api, dave!, "found by its owner's list"),
      byGenerate: await generateOk(api, erin!, "found by its owner's generate"),
      byServiceUserTokens: await generateServiceUserTokenOk(api, admin, robotB.id, "found by its service user's token list"),
      byAdminList: await generateServiceUserTokenOk(api, admin, robotA.id, "found by the organization-wide view"),
    };
    const usedUser = await generateOk(api, bob!, "used user token");
    const usedRobot = await generateServiceUserTokenOk(api, admin, robotA.id, "used robot token");

    // Day 20: two are used. Day 31: the others have been idle for over 30 days.
    await api.advanceClock(20 * DAY_SECONDS);
    expect((await verify(api, { token: usedUser.secret })).body).toMatchObject({ valid: true });
    expect((await verify(api, { token: usedRobot.secret })).body).toMatchObject({ valid: true });
    const moved = Date.parse(await api.advanceClock(11 * DAY_SECONDS));
    await signInAgain(api, admin, bob!, carol!, dave!, erin!);
    const expiredRecords = async () => (await wholeActivity(admin)).events.filter((e) => e.action === "token.expired");

    // Nothing has found them yet (and locally no TTL deletion runs): nothing is recorded.
    expect(await expiredRecords()).toEqual([]);

    // Each is recorded by the first request that finds it expired, at once, by the service's (moved) clock.
    const probes: Array<[string, { token: { id: string } }, () => Promise<void>]> = [
      ["a verification", idle.byVerify, async () => {
        expect((await verify(api, { token: idle.byVerify.secret })).body).toEqual({ valid: false, reason: "expired" });
      }],
      ["a login", idle.byLogin, async () => expectError(await login(api, idle.byLogin.secret), 401, "unauthenticated")],
      ["the owner's list", idle.byOwnList, async () => expect((await list(api, dave!)).body.tokens).toEqual([])],
      ["the owner's generate", idle.byGenerate, async () => {
        expect((await generate(api, erin!, { name: "fresh", password: erin!.password })).status).toBe(201);
      }],
      ["the service user's token list", idle.byServiceUserTokens, async () => {
        expect((await listServiceUserTokens(api, admin, robotB.id)).body.tokens).toEqual([]);
      }],
      ["the organization-wide view", idle.byAdminList, async () => {
        expect((await listOrganizationTokens(api, admin)).body.tokens.map((t) => t.id)).not.toContain(idle.byAdminList.token.id);
      }],
    ];
    const recorded = new Set<string>();
    for (const [label, created, probe] of probes) {
      await probe();
      const afterProbe = await serverNow(api);
      recorded.add(created.token.id);
      const records = await expiredRecords();
      expect(records.map((e) => e.tokenId).sort(), `after ${label}`).toEqual([...recorded].sort());
      const record = records.find((e) => e.tokenId === created.token.id)!;
      expect(record, label).toEqual({
        at: expect.stringMatching(ISO_UTC),
        action: "token.expired",
        actor: SYSTEM,
        tokenId: created.token.id,
        detail: expect.objectContaining({ reason: "inactivity" }),
      });
      expect(Date.parse(record.at), label).toBeGreaterThanOrEqual(moved);
      expect(Date.parse(record.at), label).toBeLessThanOrEqual(afterProbe);
    }

    // Many more requests find them expired: still one record each.
    for (const created of Object.values(idle)) {
      for (let i = 0; i < 2; i++) {
        expect((await verify(api, { token: created.secret })).body).toEqual({ valid: false, reason: "expired" });
        expectError(await login(api, created.secret), 401, "unauthenticated");
      }
    }
    expect((await list(api, bob!)).body.tokens.map((t) => t.id)).toEqual([usedUser.token.id]);
    expect((await listServiceUserTokens(api, admin, robotA.id)).body.tokens.map((t) => t.id)).toEqual([usedRobot.token.id]);
    expect(Object.fromEntries((await listServiceUsers(api, admin)).body.serviceUsers.map((s) => [s.name, s.activeTokenCount]))).toEqual({
      "Robot A": 1,
      "Robot B": 0,
    });
    expect((await listOrganizationTokens(api, admin, { limit: 1 })).status).toBe(200);
    expect((await generate(api, bob!, { name: "fresh", password: bob!.password })).status).toBe(201);
    expectError(await api.request("DELETE", adminTokenPath(admin.orgId, idle.byVerify.token.id), { bearer: admin.session }), 404, "not_found");
    expectError(await revoke(api, bob!, idle.byVerify.token.id), 404, "not_found");

    const { events, texts } = await wholeActivity(admin, 3);
    expectEventShapes(events);
    const expired = events.filter((e) => e.action === "token.expired");
    expect(expired.map((e) => e.tokenId).sort()).toEqual(Object.values(idle).map((c) => c.token.id).sort());
    for (const event of expired) expect(event).toMatchObject({ actor: SYSTEM, detail: { reason: "inactivity" } });
    // The used tokens did not expire and were not revoked.
    for (const { token } of [usedUser, usedRobot]) {
      expect(events.filter((e) => e.tokenId === token.id).map((e) => e.action)).toEqual(["token.created"]);
    }
    expectNothingSecret(
      texts,
      [...Object.values(idle), usedUser, usedRobot].map((c) => c.secret),
      [admin, bob!, carol!, dave!, erin!].map((p) => p.password),
    );
  });
});
