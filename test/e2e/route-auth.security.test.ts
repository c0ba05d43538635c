/**
 * Who may call which route, generated from the one route table (infra/routes.ts), so a new route is swept
 * the day it is added (API.md "Conventions", "Status codes and error codes"):
 *  - every session route without a valid session (none, garbage, tampered, Basic, an API token instead) → 401;
 *  - every session route under /v1/orgs/{orgId}, called by someone who is not an active member of the organization (a signed-in
 *    stranger, an admin of another organization, a deactivated admin) → 403 `forbidden`;
 *  - every admin route (every session route but the person's own user-token routes), called by a member
 *    without exactly `api-tokens:admin` → 403 `forbidden`;
 *  - every route with an id, called by this organization's admin with another organization's ids → 404
 *    `not_found`, the same answer as for an id that does not exist (API.md: ids of another organization reveal nothing).
 * After the sweep nothing has changed. The error bodies, precedence and the other statuses per route are in
 * user-tokens.error.test.ts, verify-and-login.error.test.ts and admin-routes.security.test.ts.
 */
import { describe, expect, test } from "vitest";
import { routes, type RouteDefinition } from "../../infra/routes.ts";
import {
  ADMIN_PERMISSION,
  expectError,
  expectOrganizationUnchanged,
  generateOk,
  newAdmin,
  newPerson,
  organizationSnapshot,
  seedOrganization,
  useSharedLocalService,
  type Person,
} from "./e2e-support.ts";
import { changeCharAt } from "./token-forgery.ts";

const ctx = useSharedLocalService();

/**
 * The routes a member without `api-tokens:admin` may use: their own user tokens (API.md "User API tokens").
 * Every other session route is an admin route, so a new route is admin-only until it is listed here.
 */
const MEMBER_ROUTES = new Set(["generate-user-token", "list-user-tokens", "rotate-user-token", "revoke-user-token"]);

/**
 * Session routes about the person, under no organization (API.md "The caller"): a session is all they need, so
 * they are swept for 401 only; what they show is in me.test.ts. Any other session route must be under an organization.
 */
const PERSON_ROUTES = new Set(["get-me"]);

/**
 * Routes that need no credentials of any kind (the OpenAPI document, leaked-token reports), so no 401 sweep:
 * revoke-leaked's indifference to credentials is in revoke-leaked.test.ts.
 */
const PUBLIC_ROUTES = new Set(["get-openapi", "revoke-leaked"]);
/** Routes authenticated by the API token in the header (login, an integration's own token): their own 401 sweep. */
const API_TOKEN_ROUTES = routes.filter((route) => route.auth === "none" && !PUBLIC_ROUTES.has(route.operation));

/** Every session route: the 401 sweep. */
const ALL_SESSION_ROUTES = routes.filter((route) => route.auth === "session");
/** The session routes scoped to an organization: the 403 and 404 sweeps. */
const SESSION_ROUTES = ALL_SESSION_ROUTES.filter((route) => !PERSON_ROUTES.has(route.operation));
const ADMIN_ROUTES = SESSION_ROUTES.filter((route) => !MEMBER_ROUTES.has(route.operation));
const KNOWN_PARAMETERS = new Set(["orgId", "serviceUserId", "tokenId"]);

interface Ids {
  orgId: string;
  serviceUserId: string;
  /** A service-user token of `serviceUserId`. */
  serviceUserTokenId: string;
  /** A user token. */
  userTokenId: string;
}

/** The route's path with its parameters filled in; a token under /service-users/ is a service-user token. */
function pathOf(route: RouteDefinition, ids: Ids): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    switch (name) {
      case "orgId":
        return encodeURIComponent(ids.orgId);
      case "serviceUserId":
        return encodeURIComponent(ids.serviceUserId);
      case "tokenId":
        return encodeURIComponent(route.path.includes("/service-users/") ? ids.serviceUserTokenId : ids.userTokenId);
      default:
        throw new Error(`${route.operation}: the sweep does not know the path parameter {${name}}: teach pathOf about it`);
    }
  });
}

/**
 * A body that the route would accept from someone allowed (so that a missing check shows as a success, not as
 * a 400): the user-token generate and rotate need a password, rotations take a grace, service users need
 * permissions, the rest a name.
 */
function bodyOf(route: RouteDefinition, password: string): unknown {
  if (route.method === "GET" || route.method === "DELETE") return undefined;
  if (route.operation === "generate-user-token") return { name: "sweep", password };
  if (route.operation === "rotate-user-token") return { password, graceSeconds: 60 };
  if (route.operation === "rotate-service-user-token") return { graceSeconds: 60 };
  if (route.operation === "create-service-user") return { name: "sweep", permissions: [] };
  return { name: "sweep" };
}

const call = (route: RouteDefinition, ids: Ids, headers: Record<string, string>, password = "irrelevant") => {
  const body = bodyOf(route, password);
  return ctx.api.request(route.method, pathOf(route, ids), { headers, ...(body === undefined ? {} : { body }) });
};
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

async function organization() {
  const org = await seedOrganization(ctx.api);
  const ids: Ids = {
    orgId: org.admin.orgId,
    serviceUserId: org.robot.id,
    serviceUserTokenId: org.robotToken.token.id,
    userTokenId: org.memberToken.token.id,
  };
  return { ...org, ids };
}
type Organization = Awaited<ReturnType<typeof organization>>;

const snapshot = (org: Organization) => organizationSnapshot(ctx.api, org.admin);
const expectUnchanged = (org: Organization, before: Awaited<ReturnType<typeof snapshot>>) =>
  expectOrganizationUnchanged(ctx.api, org, before);

test("the route table is what the sweeps expect: session routes under an organization (or known person routes), with known parameters", () => {
  expect(SESSION_ROUTES.length).toBeGreaterThan(0);
  for (const route of routes) expect(["session", "iam", "none"], route.operation).toContain(route.auth);
  for (const route of SESSION_ROUTES) {
    expect(route.path, route.operation).toMatch(/^\/v1\/orgs\/\{orgId\}\//);
    for (const [, name] of route.path.matchAll(/\{(\w+)\}/g)) expect(KNOWN_PARAMETERS, `${route.operation} {${name}}`).toContain(name);
  }
  // A person route is a session route with no parameters, outside /v1/orgs/ (so no organization check is skipped).
  for (const operation of PERSON_ROUTES) {
    const route = ALL_SESSION_ROUTES.find((r) => r.operation === operation);
    expect(route, operation).toBeDefined();
    expect(route!.path, operation).not.toMatch(/^\/v1\/orgs\//);
    expect(route!.path, operation).not.toMatch(/\{/);
  }
  expect(ALL_SESSION_ROUTES.length).toBe(SESSION_ROUTES.length + PERSON_ROUTES.size);
  for (const operation of MEMBER_ROUTES) expect(SESSION_ROUTES.map((r) => r.operation)).toContain(operation);
});

describe("401 unauthenticated on every session route", () => {
  test("no session, a garbage, empty, tampered or forged session, Basic, the session without Bearer, an API token", async () => {
    const org = await organization();
    const before = await snapshot(org);
    const session = org.admin.session;
    const [header, payload, signature] = session.split(".");
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), sub: org.member.userId }),
    ).toString("base64url");
    const sessions: Array<[string, Record<string, string>]> = [
      ["no Authorization header", {}],
      ["a garbage bearer", bearer("garbage")],
      ["an empty bearer", { authorization: "Bearer " }],
      ["a Basic header", { authorization: `Basic ${Buffer.from(`${org.admin.email}:${org.admin.password}`).toString("base64")}` }],
      ["a bad signature", bearer(`${header}.${payload}.${changeCharAt(signature!, 10)}`)],
      ["a forged payload", bearer(`${header}.${forgedPayload}.${signature}`)],
      ["the session without Bearer", { authorization: session }],
      ["a user API token as the session", bearer(org.memberToken.secret)],
      ["a service-user API token as the session", bearer(org.robotToken.secret)],
    ];
    for (const route of ALL_SESSION_ROUTES) {
      for (const [label, headers] of sessions) {
        const response = await call(route, org.ids, headers, org.admin.password);
        expect.soft(response.status, `${route.method} ${route.path} with ${label}`).toBe(401);
        expectError(response, 401, "unauthenticated");
      }
    }
    await expectUnchanged(org, before);
  });
});

describe("401 unauthenticated on every route authenticated by an API token", () => {
  test("no header, garbage, a session instead of an API token, a revoked token; nothing changes", async () => {
    expect(API_TOKEN_ROUTES.map((route) => route.operation)).toEqual(
      expect.arrayContaining(["login-with-token", "get-own-token", "revoke-own-token"]),
    );
    const org = await organization();
    const gone = await generateOk(ctx.api, org.admin, "gone");
    expect((await ctx.api.request("DELETE", "/v1/token", { headers: bearer(gone.secret) })).status).toBe(204);
    const before = await snapshot(org);
    const headers: Array<[string, Record<string, string>]> = [
      ["no Authorization header", {}],
      ["a garbage bearer", bearer("garbage")],
      ["a session (ID token)", bearer(org.admin.session)],
      ["an API token without Bearer", { authorization: org.memberToken.secret }],
      ["a forged API token", bearer(changeCharAt(org.memberToken.secret, org.memberToken.secret.length - 3))],
      ["a revoked API token", bearer(gone.secret)],
    ];
    for (const route of API_TOKEN_ROUTES) {
      for (const [label, header] of headers) {
        const response = await call(route, org.ids, header, org.admin.password);
        expect.soft(response.status, `${route.method} ${route.path} with ${label}`).toBe(401);
        expectError(response, 401, "unauthenticated");
      }
    }
    await expectUnchanged(org, before);
  });
});

describe("403 forbidden", () => {
  test("every session route, called by someone who is no active member of the organization", async () => {
    const { api } = ctx;
    const org = await organization();
    const stranger = await newPerson(api, { orgId: org.admin.orgId, member: false });
    const otherOrgAdmin = await newAdmin(api);
    const formerAdmin = await newAdmin(api, { orgId: org.admin.orgId });
    await api.publish("platform.users", "User Deactivated", {
      orgId: formerAdmin.orgId,
      userId: formerAdmin.userId,
      occurredAt: "2035-01-01T00:00:00.000Z",
    });
    const before = await snapshot(org);
    const callers: Array<[string, Person]> = [
      ["a signed-in non-member", stranger],
      ["an admin of another organization", otherOrgAdmin],
      ["a deactivated admin", formerAdmin],
    ];
    for (const route of SESSION_ROUTES) {
      for (const [label, caller] of callers) {
        const response = await call(route, org.ids, bearer(caller.session), caller.password);
        expect.soft(response.status, `${route.method} ${route.path} by ${label}`).toBe(403);
        expectError(response, 403, "forbidden");
      }
    }
    // An organization that cannot exist at all is no different: 403, never 404 or 400.
    for (const route of SESSION_ROUTES) {
      const response = await call(route, { ...org.ids, orgId: "no such org!" }, bearer(org.admin.session), org.admin.password);
      expect.soft(response.status, `${route.method} ${route.path} in no such org`).toBe(403);
      expectError(response, 403, "forbidden");
    }
    await expectUnchanged(org, before);
  });

  test("every admin route, called by a member without exactly api-tokens:admin", async () => {
    const { api } = ctx;
    const org = await organization();
    // An admin of another organization who is a plain member here: the permission does not travel.
    const adminElsewhere = await newAdmin(api);
    await api.upsertMember({
      orgId: org.admin.orgId,
      userId: adminElsewhere.userId,
      name: adminElsewhere.name,
      permissions: ["reports:read"],
    });
    // Permissions that merely look like admin are not admin.
    const lookalike = await newPerson(api, {
      orgId: org.admin.orgId,
      permissions: [`${ADMIN_PERMISSION} `, ADMIN_PERMISSION.toUpperCase(), "api-tokens:*"],
    });
    const before = await snapshot(org);
    const callers: Array<[string, Person]> = [
      ["a member without api-tokens:admin", org.member],
      ["an admin elsewhere who is a plain member here", adminElsewhere],
      ["a member with look-alike permissions", lookalike],
    ];
    expect(ADMIN_ROUTES.length).toBeGreaterThan(0);
    for (const route of ADMIN_ROUTES) {
      for (const [label, caller] of callers) {
        const response = await call(route, org.ids, bearer(caller.session), caller.password);
        expect.soft(response.status, `${route.method} ${route.path} by ${label}`).toBe(403);
        expectError(response, 403, "forbidden");
      }
    }
    await expectUnchanged(org, before);
  });
});

describe("404 not_found: another organization's ids in this organization's routes", () => {
  test("every route with an id, called by this organization's admin with the other organization's ids", async () => {
    const org = await organization();
    const theirs = await organization();
    const before = { ours: await snapshot(org), theirs: await snapshot(theirs) };
    const routesWithIds = SESSION_ROUTES.filter((route) => /\{(serviceUserId|tokenId)\}/.test(route.path));
    expect(routesWithIds.length).toBeGreaterThan(0);
    for (const route of routesWithIds) {
      // Their ids where the route has ids; ours elsewhere. The admin's own user-token route needs the admin's own token.
      const ids: Ids = { ...theirs.ids, orgId: org.ids.orgId };
      const response = await call(route, ids, bearer(org.admin.session), org.admin.password);
      expect.soft(response.status, `${route.method} ${route.path}`).toBe(404);
      expectError(response, 404, "not_found");
      for (const id of [theirs.ids.serviceUserId, theirs.ids.serviceUserTokenId, theirs.ids.userTokenId, theirs.ids.orgId]) {
        expect(response.text, `${route.method} ${route.path} names ${id}`).not.toContain(id);
      }
    }
    expect(await snapshot(theirs)).toEqual(before.theirs);
    await expectUnchanged(org, before.ours);
    await expectUnchanged(theirs, before.theirs);
  });
});
