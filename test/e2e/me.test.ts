/**
 * `GET /v1/me` over HTTP (API.md "The caller"): the person behind the session and the organizations where they
 * are an active member, sorted by id, with admin, SSO and the organization's name. The domain's rules (names,
 * stale events, the index and its backfill) are proven in test/integration/caller.test.ts; here the contract,
 * one smoke per rule, and that nobody sees anybody else's organizations.
 */
import { describe, expect, test } from "vitest";
import { ADMIN_PERMISSION, expectError, generateOk, newPerson, uniqueId, useSharedLocalService, verify } from "./e2e-support.ts";

const ctx = useSharedLocalService();
const me = (session: string | undefined) =>
  ctx.api.request("GET", "/v1/me", { headers: session === undefined ? {} : { authorization: `Bearer ${session}` } });

/** Organization events with their own, increasing times: each organization here is new, so none is stale. */
let orgEventTime = Date.parse("2030-01-01T00:00:00Z");
const orgSettings = (orgId: string, ssoEnforced: boolean, name?: string) => {
  orgEventTime += 1000;
  return ctx.api.publish("platform.organizations", "Organization Settings Changed", {
    orgId,
    ssoEnforced,
    ...(name === undefined ? {} : { name }),
    occurredAt: new Date(orgEventTime).toISOString(),
  });
};
const statusEvent = (detailType: string, orgId: string, userId: string) =>
  ctx.api.publish("platform.users", detailType, { orgId, userId, occurredAt: "2035-01-01T00:00:00.000Z" });

describe("GET /v1/me", () => {
  test("the person and their organizations, sorted by id, with admin, SSO and name; the name of the newest upsert", async () => {
    const { api } = ctx;
    const [first, second] = [uniqueId("b-org"), uniqueId("a-org")];
    const ada = await newPerson(api, { orgId: first, name: "Ada (old)", permissions: [ADMIN_PERMISSION, "reports:read"] });
    await api.upsertMember({ orgId: second, userId: ada.userId, name: "Ada Lovelace", permissions: ["reports:read"] });
    await orgSettings(first, true, "  Beta Corp  ");

    const response = await me(ada.session);
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get("content-type") ?? "").toMatch(/^application\/json/);
    expect(response.body).toEqual({
      user: { id: ada.userId, name: "Ada Lovelace" },
      organizations: [
        { orgId: first, name: "Beta Corp", ssoEnforced: true, admin: true },
        { orgId: second, name: null, ssoEnforced: false, admin: false },
      ].sort((a, b) => (a.orgId < b.orgId ? -1 : 1)),
    });

    // A settings event without name keeps the name; SSO follows the newest event.
    await orgSettings(first, false);
    expect((await me(ada.session)).body.organizations.find((o: { orgId: string }) => o.orgId === first)).toEqual({
      orgId: first,
      name: "Beta Corp",
      ssoEnforced: false,
      admin: true,
    });
  });

  test("no active membership: 200 with an empty list; deactivated and removed memberships vanish", async () => {
    const { api } = ctx;
    const stranger = await newPerson(api, { member: false });
    expect((await me(stranger.session)).body).toEqual({ user: { id: stranger.userId, name: null }, organizations: [] });

    const bob = await newPerson(api, { name: "Bob" });
    const [deactivatedIn, removedIn] = [uniqueId("org"), uniqueId("org")];
    for (const orgId of [deactivatedIn, removedIn]) await api.upsertMember({ orgId, userId: bob.userId, name: "Bob" });
    expect((await me(bob.session)).body.organizations.map((o: { orgId: string }) => o.orgId).sort()).toEqual(
      [bob.orgId, deactivatedIn, removedIn].sort(),
    );
    await statusEvent("User Deactivated", deactivatedIn, bob.userId);
    await statusEvent("User Removed From Organization", removedIn, bob.userId);
    const after = await me(bob.session);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({
      user: { id: bob.userId, name: "Bob" },
      organizations: [{ orgId: bob.orgId, name: null, ssoEnforced: false, admin: false }],
    });
  });

  test("401 without a valid session: none, garbage, an API token instead; a query string changes nothing", async () => {
    const { api } = ctx;
    const cy = await newPerson(api);
    const token = await generateOk(api, cy, "not a session");
    expectError(await me(undefined), 401, "unauthenticated");
    expectError(await me("garbage"), 401, "unauthenticated");
    expectError(await me(token.secret), 401, "unauthenticated");
    expect(await verify(api, { token: token.secret })).toMatchObject({ status: 200 });
    // It takes no input: a query string naming someone else is ignored.
    const withQuery = await api.request("GET", `/v1/me?userId=${encodeURIComponent("someone-else")}`, {
      headers: { authorization: `Bearer ${cy.session}` },
    });
    expect(withQuery.body.user.id).toBe(cy.userId);
  });
});

describe("GET /v1/me shows only the caller's own memberships", () => {
  test("two people in the same organization: each sees their own organizations and admin flag, never the other's", async () => {
    const { api } = ctx;
    const shared = uniqueId("shared");
    const ann = await newPerson(api, { orgId: shared, name: "Ann" });
    const ben = await newPerson(api, { orgId: shared, name: "Ben", permissions: [ADMIN_PERMISSION] });
    const bensOwn = uniqueId("bens-own");
    await api.upsertMember({ orgId: bensOwn, userId: ben.userId, name: "Ben", permissions: [ADMIN_PERMISSION] });
    await orgSettings(bensOwn, true, "Ben's secret org");

    const seenByAnn = await me(ann.session);
    expect(seenByAnn.body).toEqual({
      user: { id: ann.userId, name: "Ann" },
      organizations: [{ orgId: shared, name: null, ssoEnforced: false, admin: false }],
    });
    for (const secret of [ben.userId, bensOwn, "Ben"]) expect(seenByAnn.text).not.toContain(secret);

    const seenByBen = await me(ben.session);
    expect(seenByBen.body.user).toEqual({ id: ben.userId, name: "Ben" });
    expect(seenByBen.body.organizations).toEqual(
      [
        { orgId: shared, name: null, ssoEnforced: false, admin: true },
        { orgId: bensOwn, name: "Ben's secret org", ssoEnforced: true, admin: true },
      ].sort((a, b) => (a.orgId < b.orgId ? -1 : 1)),
    );
    expect(seenByBen.text).not.toContain(ann.userId);
  });

  test("an id that is a prefix of another person's is someone else", async () => {
    const { api } = ctx;
    const long = await newPerson(api, { userId: uniqueId("prefix-person") });
    const short = await newPerson(api, { userId: long.userId.slice(0, -1), member: false });
    expect((await me(short.session)).body).toEqual({ user: { id: short.userId, name: null }, organizations: [] });
  });
});
