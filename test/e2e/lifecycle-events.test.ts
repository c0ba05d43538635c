/**
 * User-lifecycle events sent as the platform's user service sends them: with the AWS SDK's EventBridgeClient
 * to the local PutEvents endpoint, which routes them to the handler modules by the CDK rules' patterns.
 */
import { describe, expect, test } from "vitest";
import {
  ADMIN_PERMISSION,
  activityPath,
  generateOk,
  list,
  newPerson,
  serviceUserTokensPath,
  serviceUsersPath,
  uniqueId,
  useSharedLocalService,
  verify,
  withQuery,
  type Person,
} from "./e2e-support.ts";

const ctx = useSharedLocalService();
let eventTime = Date.parse("2030-01-01T00:00:00Z");
/** Each lifecycle event happens after every earlier one (and after newPerson's upserts). */
const later = () => {
  eventTime += 60_000;
  return new Date(eventTime).toISOString();
};

const send = (detailType: string, person: { orgId: string; userId: string }, occurredAt = later()) =>
  ctx.api.publish("platform.users", detailType, { orgId: person.orgId, userId: person.userId, occurredAt });

/** The same person, also a member of another organization (one identity, one session). */
async function alsoMemberElsewhere(person: Person, name: string): Promise<Person> {
  const orgId = uniqueId("org");
  await ctx.api.upsertMember({ orgId, userId: person.userId, name });
  return { ...person, orgId };
}

const verifyAs = async (secret: string) => (await verify(ctx.api, { token: secret })).body;

async function activityOf(admin: Person) {
  const response = await ctx.api.request("GET", withQuery(activityPath(admin.orgId), { limit: 200 }), { bearer: admin.session });
  expect(response.status, response.text).toBe(200);
  return response.body.events as Array<{
    action: string;
    tokenId?: string;
    actor: { type: string; id: string; name: string };
    detail?: Record<string, unknown>;
  }>;
}

describe("User Deactivated", () => {
  test("revokes the person's tokens in that organization only, recorded once each as System, also when delivered twice", async () => {
    const api = ctx.api;
    const admin = await newPerson(api, { permissions: [ADMIN_PERMISSION], name: "Admin" });
    const person = await newPerson(api, { orgId: admin.orgId, name: "Pat" });
    const elsewhere = await alsoMemberElsewhere(person, "Pat");
    const here = [await generateOk(api, person, "one"), await generateOk(api, person, "two")];
    const there = await generateOk(api, elsewhere, "other org");
    const colleague = await generateOk(api, admin, "admin's own");

    const occurredAt = later();
    await send("User Deactivated", person, occurredAt);
    await send("User Deactivated", person, occurredAt); // at-least-once delivery: a duplicate

    for (const t of here) expect(await verifyAs(t.secret)).toEqual({ valid: false, reason: "revoked" });
    expect(await verifyAs(there.secret)).toMatchObject({ valid: true });
    expect(await verifyAs(colleague.secret)).toMatchObject({ valid: true });
    const revoked = (await activityOf(admin)).filter((e) => e.action === "token.revoked");
    expect(revoked.map((e) => e.tokenId).sort()).toEqual(here.map((t) => t.token.id).sort());
    for (const e of revoked) {
      expect(e.actor).toEqual({ type: "system", id: "system", name: "System" });
      expect(e.detail?.reason).toBe("user_deactivated");
    }
    // A deactivated person's session no longer works on this organization's routes.
    expect((await list(api, person)).status).toBe(403);
  });

  test("reactivation leaves old tokens revoked; new ones can be made", async () => {
    const api = ctx.api;
    const person = await newPerson(api);
    const old = await generateOk(api, person, "old");
    await send("User Deactivated", person);
    await send("User Reactivated", person);
    expect(await verifyAs(old.secret)).toEqual({ valid: false, reason: "revoked" });
    const fresh = await generateOk(api, person, "fresh");
    expect(await verifyAs(fresh.secret)).toMatchObject({ valid: true });
    expect((await list(api, person)).body.tokens.map((t: { name: string }) => t.name)).toEqual(["fresh"]);
  });

  test("a User Upserted never reactivates a deactivated member, and a stale one is ignored", async () => {
    const api = ctx.api;
    const person = await newPerson(api, { permissions: ["reports:read"], name: "Quinn" });
    const token = await generateOk(api, person, "t");
    // A stale upsert (older than the last event applied) changes nothing.
    await api.publish("platform.users", "User Upserted", {
      orgId: person.orgId,
      userId: person.userId,
      name: "Old Quinn",
      permissions: ["everything"],
      groups: [],
      sites: [],
      occurredAt: "2020-01-01T00:00:00Z",
    });
    expect(await verifyAs(token.secret)).toMatchObject({ valid: true, permissions: ["reports:read"], principal: { name: "Quinn" } });
    await send("User Deactivated", person);
    await api.publish("platform.users", "User Upserted", {
      orgId: person.orgId,
      userId: person.userId,
      name: "Quinn",
      permissions: ["reports:read"],
      groups: [],
      sites: [],
      occurredAt: later(),
    });
    expect((await list(api, person)).status).toBe(403);
  });
});

describe("User Removed From Organization", () => {
  test("revokes the person's tokens there and leaves their other organizations", async () => {
    const api = ctx.api;
    const admin = await newPerson(api, { permissions: [ADMIN_PERMISSION] });
    const person = await newPerson(api, { orgId: admin.orgId });
    const elsewhere = await alsoMemberElsewhere(person, person.name);
    const here = await generateOk(api, person, "here");
    const there = await generateOk(api, elsewhere, "there");
    await send("User Removed From Organization", person);
    expect(await verifyAs(here.secret)).toEqual({ valid: false, reason: "revoked" });
    expect(await verifyAs(there.secret)).toMatchObject({ valid: true });
    const [revocation] = (await activityOf(admin)).filter((e) => e.action === "token.revoked");
    expect(revocation).toMatchObject({ tokenId: here.token.id, actor: { type: "system" }, detail: { reason: "user_removed" } });
  });
});

describe("service-user tokens", () => {
  test("are untouched by any people change, even of the admin who made them", async () => {
    const api = ctx.api;
    const admin = await newPerson(api, { permissions: [ADMIN_PERMISSION] });
    const su = await api.request("POST", serviceUsersPath(admin.orgId), {
      bearer: admin.session,
      body: { name: "Robot", permissions: ["p"] },
    });
    expect(su.status).toBe(201);
    const made = await api.request("POST", serviceUserTokensPath(admin.orgId, su.body.serviceUser.id), {
      bearer: admin.session,
      body: { name: "robot" },
    });
    expect(made.status).toBe(201);
    await send("User Deactivated", admin);
    await send("User Reactivated", admin);
    await send("User Removed From Organization", admin);
    await api.publish("platform.organizations", "Organization Settings Changed", {
      orgId: admin.orgId,
      ssoEnforced: true,
      occurredAt: later(),
    });
    expect(await verifyAs(made.body.secret)).toMatchObject({ valid: true, kind: "service_user", permissions: ["p"] });
  });
});

describe("Organization Deleted", () => {
  test("ends every token of the organization, both kinds, and later events for it change nothing", async () => {
    const api = ctx.api;
    const admin = await newPerson(api, { permissions: [ADMIN_PERMISSION] });
    const person = await newPerson(api, { orgId: admin.orgId });
    const elsewhere = await alsoMemberElsewhere(person, person.name);
    const userToken = await generateOk(api, person, "user");
    const there = await generateOk(api, elsewhere, "other org");
    const su = await api.request("POST", serviceUsersPath(admin.orgId), {
      bearer: admin.session,
      body: { name: "Robot", permissions: ["p"] },
    });
    const made = await api.request("POST", serviceUserTokensPath(admin.orgId, su.body.serviceUser.id), {
      bearer: admin.session,
      body: { name: "robot" },
    });
    expect(made.status).toBe(201);

    const occurredAt = later();
    await api.publish("platform.organizations", "Organization Deleted", { orgId: admin.orgId, occurredAt });
    await api.publish("platform.organizations", "Organization Deleted", { orgId: admin.orgId, occurredAt }); // a duplicate

    expect(await verifyAs(userToken.secret)).toEqual({ valid: false, reason: "revoked" });
    expect(await verifyAs(made.body.secret)).toEqual({ valid: false, reason: "revoked" });
    expect(await verifyAs(there.secret)).toMatchObject({ valid: true });
    // Its people are no longer members there; a later upsert does not bring them back.
    await api.upsertMember({ orgId: admin.orgId, userId: person.userId, name: person.name });
    const after = await api.request("POST", `/v1/orgs/${admin.orgId}/tokens`, {
      bearer: person.session,
      body: { name: "again", password: person.password },
    });
    expect(after.status, after.text).toBe(403);
    expect(after.body.error.code).toBe("forbidden");
    expect((await api.request("GET", serviceUsersPath(admin.orgId), { bearer: admin.session })).status).toBe(403);
  });
});

describe("malformed events", () => {
  test("are accepted by PutEvents (as EventBridge does), change nothing, and do not break later events", async () => {
    const api = ctx.api;
    const person = await newPerson(api);
    const token = await generateOk(api, person, "t");
    await api.publish("platform.users", "User Deactivated", { orgId: person.orgId, userId: "bad#id", occurredAt: later() });
    await api.publish("platform.users", "User Deactivated", { orgId: person.orgId, occurredAt: later() });
    expect(await verifyAs(token.secret)).toMatchObject({ valid: true });
    await send("User Deactivated", { orgId: person.orgId, userId: person.userId });
    expect(await verifyAs(token.secret)).toEqual({ valid: false, reason: "revoked" });
  });
});
