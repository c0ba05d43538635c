/**
 * API.md "Activity (requires `api-tokens:admin`)": `GET /v1/orgs/{orgId}/activity` → `{ events: [...] }`, newest
 * first, a page at a time; every action of the list, with `at`, `action`, `actor { type, id, name }` (the name
 * at the time), `tokenId` where it applies; revocations an admin causes have that admin as actor; `token.expired`
 * has the System actor and `detail.reason: "inactivity"` and is recorded once per token, no later than the
 * first request that finds the token expired. No secret, hash or password is ever in it.
 *
 * This file shares the run's local server; token.expired, which needs the clock moved, is in clock.test.ts.
 */
import { describe, expect, test } from "vitest";
import {
  adminTokenPath,
  allPages,
  createServiceUserOk,
  expectError,
  generateOk,
  generateServiceUserTokenOk,
  listActivity,
  login,
  newAdmin,
  newPerson,
  revoke,
  serverNow,
  serviceUserPath,
  serviceUserTokenPath,
  useSharedLocalService,
  verify,
  ADMIN_PERMISSION,
  type ActivityEvent,
} from "./e2e-support.ts";
import { type Expected, LISTED_ACTIONS, expectEventShapes, expectNothingSecret, summary, user, wholeActivity } from "./activity-support.ts";

const ctx = useSharedLocalService();

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
    const patched = await api.request("PATCH", serviceUserPath(admin.orgId, robot.id), {
      bearer: admin.session,
      body: { permissions: ["q"] },
    });
    expect(patched.status, patched.text).toBe(200);
    const s1 = await generateServiceUserTokenOk(api, admin, robot.id, "robot one");
    const s2 = await generateServiceUserTokenOk(api, admin, robot.id, "robot two");
    // A service-user token cannot log in: that is no login.
    expectError(await login(api, s1.secret), 403, "login_not_allowed");
    // The admin revokes Bob's token (organization-wide view) and one of the robot's (service-user route) ...
    expect((await api.request("DELETE", adminTokenPath(admin.orgId, t1.token.id), { bearer: admin.session })).status).toBe(204);
    expect((await api.request("DELETE", serviceUserTokenPath(admin.orgId, robot.id, s1.token.id), { bearer: admin.session })).status).toBe(
      204,
    );
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
      [first.text, ...(await wholeActivity(ctx.api, admin, 1)).texts],
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

    const byOne = await allPages<ActivityEvent>(
      (cursor) => listActivity(api, admin, { limit: 1, ...(cursor ? { cursor } : {}) }),
      "events",
    );
    expect(byOne.items).toEqual(whole.body.events);
    // A page fetched again with the same cursor is the same.
    const again = await listActivity(api, admin, { limit: 4, cursor: pages[0]!.nextCursor! });
    expect(again.body).toEqual({ events: pages[1]!.items, nextCursor: pages[1]!.nextCursor });
  });
});
