/**
 * The admin routes' fixtures shared by the admin-routes security tests: the route list, an organization
 * with service users and tokens, and the snapshot that proves a refused request changed nothing.
 */
import { expect } from "vitest";
import {
  activityPath,
  adminTokenPath,
  adminTokensPath,
  createServiceUserOk,
  generateOk,
  generateServiceUserTokenOk,
  listActivity,
  listOrganizationTokens,
  listServiceUsers,
  newAdmin,
  newPerson,
  serviceUserPath,
  serviceUserTokenPath,
  serviceUserTokensPath,
  serviceUsersPath,
  verify,
  type E2eContext,
  type Person,
} from "./e2e-support.ts";

export const KiB = 1024;
/** A well-formed token id that was never issued. */
export const UNKNOWN_TOKEN_ID = "0000000000000000";
/** A well-formed service-user id that was never issued. */
export const UNKNOWN_SERVICE_USER_ID = "su_0000000000000000000";

export interface Ids {
  orgId: string;
  serviceUserId: string;
  /** A token of `serviceUserId`. */
  serviceUserTokenId: string;
  /** Any token of the organization (for the organization-wide view). */
  tokenId: string;
}
export interface Route {
  label: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: (ids: Ids) => string;
  /** A valid body, for the routes that take one. */
  body?: unknown;
}

/** Every admin route of API.md. */
export const ADMIN_ROUTES: Route[] = [
  { label: "POST service-users", method: "POST", path: (i) => serviceUsersPath(i.orgId), body: { name: "new", permissions: ["p"] } },
  { label: "GET service-users", method: "GET", path: (i) => serviceUsersPath(i.orgId) },
  { label: "PATCH service-user", method: "PATCH", path: (i) => serviceUserPath(i.orgId, i.serviceUserId), body: { name: "renamed" } },
  { label: "DELETE service-user", method: "DELETE", path: (i) => serviceUserPath(i.orgId, i.serviceUserId) },
  {
    label: "POST service-user tokens",
    method: "POST",
    path: (i) => serviceUserTokensPath(i.orgId, i.serviceUserId),
    body: { name: "new" },
  },
  { label: "GET service-user tokens", method: "GET", path: (i) => serviceUserTokensPath(i.orgId, i.serviceUserId) },
  {
    label: "DELETE service-user token",
    method: "DELETE",
    path: (i) => serviceUserTokenPath(i.orgId, i.serviceUserId, i.serviceUserTokenId),
  },
  { label: "GET admin/tokens", method: "GET", path: (i) => adminTokensPath(i.orgId) },
  { label: "DELETE admin/tokens", method: "DELETE", path: (i) => adminTokenPath(i.orgId, i.tokenId) },
  { label: "GET activity", method: "GET", path: (i) => activityPath(i.orgId) },
];
export const BODY_ROUTES = ADMIN_ROUTES.filter((r) => r.body !== undefined);
export const LIST_ROUTES = [
  { label: "service-users", path: serviceUsersPath },
  { label: "admin/tokens", path: adminTokensPath },
  { label: "activity", path: activityPath },
];

/** The helpers that talk to the server, for one test file's context. */
export function adminRouteFixtures(ctx: Pick<E2eContext, "api">) {
  const call = (
    route: Route,
    ids: Ids,
    options: { bearer?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string } = {},
  ) =>
    ctx.api.request(route.method, route.path(ids), {
      ...(route.body !== undefined && options.rawBody === undefined ? { body: route.body } : {}),
      ...options,
      ...(options.rawBody !== undefined ? { headers: { "content-type": "application/json", ...options.headers } } : {}),
    });

  /** An organization with an admin, a member without admin, two service users with tokens, and a user token. */
  async function organization() {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada Admin" });
    const member = await newPerson(api, { orgId: admin.orgId, name: "Mo Member", permissions: ["reports:read"] });
    const robot = await createServiceUserOk(api, admin, "Robot", ["robots:run"]);
    const robotToken = await generateServiceUserTokenOk(api, admin, robot.id, "robot token");
    const other = await createServiceUserOk(api, admin, "Other robot", ["other:run"]);
    const otherToken = await generateServiceUserTokenOk(api, admin, other.id, "other robot token");
    const memberToken = await generateOk(api, member, "member's own");
    const ids: Ids = {
      orgId: admin.orgId,
      serviceUserId: robot.id,
      serviceUserTokenId: robotToken.token.id,
      tokenId: memberToken.token.id,
    };
    const secrets = [robotToken.secret, otherToken.secret, memberToken.secret];
    return { admin, member, robot, robotToken, other, otherToken, memberToken, ids, secrets };
  }

  /** What an organization holds, seen by one of its admins: compared before and after refused requests. */
  async function snapshot(admin: Person) {
    const { api } = ctx;
    const serviceUsers = await listServiceUsers(api, admin, { limit: 200 });
    const tokens = await listOrganizationTokens(api, admin, { limit: 200 });
    const activity = await listActivity(api, admin, { limit: 200 });
    for (const r of [serviceUsers, tokens, activity]) expect(r.status, r.text).toBe(200);
    return {
      serviceUsers: serviceUsers.body.serviceUsers.map(({ id, name, permissions, activeTokenCount }) => ({
        id,
        name,
        permissions,
        activeTokenCount,
      })),
      tokens: tokens.body.tokens.map((t) => `${t.id} ${t.name} ${t.ownerName}`).sort(),
      activity: activity.body.events.length,
    };
  }

  async function expectUnchanged(org: Organization, before: Awaited<ReturnType<typeof snapshot>>) {
    expect(await snapshot(org.admin)).toEqual(before);
    for (const secret of org.secrets) expect((await verify(ctx.api, { token: secret })).body).toMatchObject({ valid: true });
  }

  return { call, organization, snapshot, expectUnchanged };
}
export type Organization = Awaited<ReturnType<ReturnType<typeof adminRouteFixtures>["organization"]>>;
