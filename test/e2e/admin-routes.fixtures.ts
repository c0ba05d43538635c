/**
 * The admin routes' fixtures shared by the admin-routes security tests: the route list, an organization
 * with service users and tokens, and the snapshot that proves a refused request changed nothing.
 */
import {
  activityPath,
  adminTokenPath,
  adminTokensPath,
  expectOrganizationUnchanged,
  organizationSnapshot,
  seedOrganization,
  serviceUserPath,
  serviceUserTokenPath,
  serviceUserTokensPath,
  serviceUsersPath,
  type E2eContext,
  type Person,
  type SeededOrganization,
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
    label: "POST service-user token rotate",
    method: "POST",
    path: (i) => `${serviceUserTokenPath(i.orgId, i.serviceUserId, i.serviceUserTokenId)}/rotate`,
    body: { graceSeconds: 60 },
  },
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

  /** The sweeps' organization (seedOrganization), with the ids the admin routes' paths take. */
  async function organization() {
    const org = await seedOrganization(ctx.api);
    const ids: Ids = {
      orgId: org.admin.orgId,
      serviceUserId: org.robot.id,
      serviceUserTokenId: org.robotToken.token.id,
      tokenId: org.memberToken.token.id,
    };
    return { ...org, ids };
  }
  const snapshot = (admin: Person) => organizationSnapshot(ctx.api, admin);
  const expectUnchanged = (org: SeededOrganization, before: Awaited<ReturnType<typeof snapshot>>) =>
    expectOrganizationUnchanged(ctx.api, org, before);

  return { call, organization, snapshot, expectUnchanged };
}
export type Organization = Awaited<ReturnType<ReturnType<typeof adminRouteFixtures>["organization"]>>;
