/**
 * What the admin routes refuse (API.md "Conventions", "Status codes and error codes", "Service users and their
 * tokens", "Organization-wide view", "Activity"). Who may call them (401, 403 `forbidden`) is swept over the
 * route table in route-auth.security.test.ts; here: ids of another
 * organization, of another service user, or of nothing are 404 `not_found` and reveal nothing; bodies and
 * `?limit=`/`?cursor=` are checked (400, 413); and the errors come in API.md's order.
 * After each refusal the organization is checked to be exactly as it was: no service user, token or activity
 * record was made, changed or removed.
 */
import { describe, expect, test } from "vitest";
import {
  activityPath,
  adminTokenPath,
  adminTokensPath,
  createServiceUser,
  createServiceUserOk,
  expectError,
  generateOk,
  generateServiceUserToken,
  generateServiceUserTokenOk,
  listActivity,
  listOrganizationTokens,
  listServiceUserTokens,
  listServiceUsers,
  newAdmin,
  newPerson,
  serviceUserPath,
  serviceUserTokenPath,
  serviceUserTokensPath,
  serviceUsersPath,
  useSharedLocalService,
  verify,
  withQuery,
  type Person,
} from "./e2e-support.ts";

const ctx = useSharedLocalService();
const KiB = 1024;
/** A well-formed token id that was never issued. */
const UNKNOWN_TOKEN_ID = "0000000000000000";
/** A well-formed service-user id that was never issued. */
const UNKNOWN_SERVICE_USER_ID = "su_0000000000000000000";

interface Ids {
  orgId: string;
  serviceUserId: string;
  /** A token of `serviceUserId`. */
  serviceUserTokenId: string;
  /** Any token of the organization (for the organization-wide view). */
  tokenId: string;
}
interface Route {
  label: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: (ids: Ids) => string;
  /** A valid body, for the routes that take one. */
  body?: unknown;
}

/** Every admin route of API.md. */
const ADMIN_ROUTES: Route[] = [
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
const BODY_ROUTES = ADMIN_ROUTES.filter((r) => r.body !== undefined);
const LIST_ROUTES = [
  { label: "service-users", path: serviceUsersPath },
  { label: "admin/tokens", path: adminTokensPath },
  { label: "activity", path: activityPath },
];

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
  const ids: Ids = { orgId: admin.orgId, serviceUserId: robot.id, serviceUserTokenId: robotToken.token.id, tokenId: memberToken.token.id };
  const secrets = [robotToken.secret, otherToken.secret, memberToken.secret];
  return { admin, member, robot, robotToken, other, otherToken, memberToken, ids, secrets };
}
type Organization = Awaited<ReturnType<typeof organization>>;

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

describe("404 not_found: ids that this organization's admin may not act on", () => {
  test("unknown or malformed service-user ids and token ids", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const before = await snapshot(admin);
    const unknownServiceUsers = [UNKNOWN_SERVICE_USER_ID, "no such id!", "a#b", "x".repeat(200)];
    const serviceUserRoutes = ADMIN_ROUTES.filter((r) => r.path(org.ids).includes("/service-users/"));
    expect(serviceUserRoutes).toHaveLength(5);
    for (const route of serviceUserRoutes) {
      for (const serviceUserId of unknownServiceUsers) {
        const response = await call(route, { ...org.ids, serviceUserId }, { bearer: admin.session });
        expect.soft(response.status, `${route.label} ${serviceUserId}`).toBe(404);
        expectError(response, 404, "not_found");
      }
    }
    for (const tokenId of [UNKNOWN_TOKEN_ID, "not a token id", "x"]) {
      expectError(
        await api.request("DELETE", serviceUserTokenPath(admin.orgId, org.robot.id, tokenId), { bearer: admin.session }),
        404,
        "not_found",
      );
      expectError(await api.request("DELETE", adminTokenPath(admin.orgId, tokenId), { bearer: admin.session }), 404, "not_found");
    }
    await expectUnchanged(org, before);
  });

  test("another organization's service user or token, used in this organization: 404, the same answer as for nothing", async () => {
    const { api } = ctx;
    const org = await organization();
    const theirs = await organization();
    const before = { ours: await snapshot(org.admin), theirs: await snapshot(theirs.admin) };
    const { admin } = org;

    // Their service user, and their service user's token, on every service-user route of ours.
    const unknown = await call(ADMIN_ROUTES[2]!, { ...org.ids, serviceUserId: UNKNOWN_SERVICE_USER_ID }, { bearer: admin.session });
    for (const route of ADMIN_ROUTES.filter((r) => r.path(org.ids).includes("/service-users/"))) {
      const response = await call(
        route,
        { ...org.ids, serviceUserId: theirs.robot.id, serviceUserTokenId: theirs.robotToken.token.id },
        {
          bearer: admin.session,
        },
      );
      expect.soft(response.status, route.label).toBe(404);
      expectError(response, 404, "not_found");
      expect(response.body.error.message).toBe(unknown.body.error.message);
      expect(response.text).not.toContain(theirs.robot.id);
      expect(response.text).not.toContain("Robot");
    }
    // Their tokens (both kinds) through our organization-wide view, and through our own service user's path.
    const unknownToken = await api.request("DELETE", adminTokenPath(admin.orgId, UNKNOWN_TOKEN_ID), { bearer: admin.session });
    for (const tokenId of [theirs.robotToken.token.id, theirs.memberToken.token.id]) {
      const viaView = await api.request("DELETE", adminTokenPath(admin.orgId, tokenId), { bearer: admin.session });
      expectError(viaView, 404, "not_found");
      expect(viaView.body.error.message).toBe(unknownToken.body.error.message);
      expect(viaView.text).not.toContain(tokenId);
      expectError(
        await api.request("DELETE", serviceUserTokenPath(admin.orgId, org.robot.id, tokenId), { bearer: admin.session }),
        404,
        "not_found",
      );
    }
    // Their organization is untouched; so is ours.
    expect(await snapshot(theirs.admin)).toEqual(before.theirs);
    await expectUnchanged(org, before.ours);
    for (const secret of theirs.secrets) expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
  });

  test("a service user's token through another service user's path, or a user token through a service-user path: 404", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const before = await snapshot(admin);
    // Robot's token through Other robot's path (and the other way round).
    expectError(
      await api.request("DELETE", serviceUserTokenPath(admin.orgId, org.other.id, org.robotToken.token.id), { bearer: admin.session }),
      404,
      "not_found",
    );
    expectError(
      await api.request("DELETE", serviceUserTokenPath(admin.orgId, org.robot.id, org.otherToken.token.id), { bearer: admin.session }),
      404,
      "not_found",
    );
    // A member's user token through a service-user path.
    expectError(
      await api.request("DELETE", serviceUserTokenPath(admin.orgId, org.robot.id, org.memberToken.token.id), { bearer: admin.session }),
      404,
      "not_found",
    );
    // Lists show only their own service user's tokens.
    expect((await listServiceUserTokens(api, admin, org.other.id)).body.tokens.map((t) => t.id)).toEqual([org.otherToken.token.id]);
    expect((await listServiceUserTokens(api, admin, org.robot.id)).body.tokens.map((t) => t.id)).toEqual([org.robotToken.token.id]);
    await expectUnchanged(org, before);
  });
});

describe("400 invalid_request: bodies", () => {
  test("POST service-users: unknown fields, bad names, bad permissions, wrong types, not an object", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const before = await snapshot(admin);
    const rejected: Array<[string, unknown]> = [
      ["an unknown field", { name: "x", permissions: [], createdBy: "someone" }],
      ["an id", { id: "su_mine", name: "x", permissions: [] }],
      ["an empty name", { name: "", permissions: [] }],
      ["a white-space name", { name: " \t\u3000 ", permissions: [] }],
      ["a 101-code-point name", { name: "a".repeat(101), permissions: [] }],
      ["a 101-code-point name of astral characters", { name: "🤖".repeat(101), permissions: [] }],
      ["a name with a control character", { name: "Ro\u0007bot", permissions: [] }],
      ["a name with a newline", { name: "Ro\nbot", permissions: [] }],
      ["no name", { permissions: [] }],
      ["a number as name", { name: 5, permissions: [] }],
      ["null as name", { name: null, permissions: [] }],
      ["an array as name", { name: ["x"], permissions: [] }],
      ["101 permissions", { name: "x", permissions: Array.from({ length: 101 }, (_, i) => `p${i}`) }],
      ["a permission of 101 characters", { name: "x", permissions: ["p".repeat(101)] }],
      ["an empty permission", { name: "x", permissions: [""] }],
      ["a permission with a control character", { name: "x", permissions: ["a\u0000b"] }],
      ["a string as permissions", { name: "x", permissions: "reports:read" }],
      ["a number in permissions", { name: "x", permissions: [1] }],
      ["null in permissions", { name: "x", permissions: [null] }],
      ["an object as permissions", { name: "x", permissions: { p: true } }],
      ["null as permissions", { name: "x", permissions: null }],
      ["a JSON array", [{ name: "x", permissions: [] }]],
      ["a JSON string", "x"],
      ["JSON null", null],
    ];
    for (const [label, body] of rejected) {
      const response = await createServiceUser(api, admin, body);
      expect.soft(response.status, label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    for (const rawBody of ['{"name": "x", "permissions": []', "", "not json"]) {
      const response = await api.request("POST", serviceUsersPath(admin.orgId), {
        bearer: admin.session,
        rawBody,
        headers: { "content-type": "application/json" },
      });
      expect.soft(response.status, JSON.stringify(rawBody)).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    await expectUnchanged(org, before);

    // The limits themselves are fine: 100 permissions, 100 characters, a 100-code-point name, no permissions.
    for (const body of [
      { name: "a".repeat(100), permissions: Array.from({ length: 100 }, (_, i) => `p${i}`) },
      { name: "🤖".repeat(100), permissions: ["p".repeat(100)] },
      { name: "no permissions", permissions: [] },
    ]) {
      const response = await createServiceUser(api, admin, body);
      expect(response.status, response.text).toBe(201);
      expect(response.body.serviceUser).toMatchObject(body);
    }
    // Stored trimmed and otherwise exactly as given: inner spaces and a combining accent (not normalized) stay.
    const exact = await createServiceUser(api, admin, { name: " \t Ro  bot e\u0301 \u00a0", permissions: [" spaced ", "É"] });
    expect(exact.status, exact.text).toBe(201);
    expect(exact.body.serviceUser).toMatchObject({ name: "Ro  bot e\u0301", permissions: [" spaced ", "É"] });
  });

  test("PATCH a service user: {} and the same bad fields are 400, and nothing changes", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const before = await snapshot(admin);
    const rejected: Array<[string, unknown]> = [
      ["an empty object", {}],
      ["an unknown field", { name: "x", activeTokenCount: 0 }],
      ["only an unknown field", { createdBy: "me" }],
      ["an empty name", { name: "" }],
      ["a 101-code-point name", { name: "a".repeat(101) }],
      ["a name with a control character", { name: "a\u001bb" }],
      ["null as name", { name: null }],
      ["a number as name", { name: 1 }],
      ["101 permissions", { permissions: Array.from({ length: 101 }, (_, i) => `p${i}`) }],
      ["a permission of 101 characters", { permissions: ["p".repeat(101)] }],
      ["a string as permissions", { permissions: "p" }],
      ["null as permissions", { permissions: null }],
      ["a good name and bad permissions", { name: "fine", permissions: [42] }],
      ["a JSON array", [{ name: "x" }]],
    ];
    for (const [label, body] of rejected) {
      const response = await api.request("PATCH", serviceUserPath(admin.orgId, org.robot.id), { bearer: admin.session, body });
      expect.soft(response.status, label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    const noBody = await api.request("PATCH", serviceUserPath(admin.orgId, org.robot.id), { bearer: admin.session });
    expectError(noBody, 400, "invalid_request");
    await expectUnchanged(org, before);
    expect((await verify(api, { token: org.robotToken.secret })).body).toMatchObject({
      principal: { name: "Robot" },
      permissions: ["robots:run"],
    });
  });

  test("POST service-user tokens: a bad name, a password (no such field), unknown fields", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const before = await snapshot(admin);
    const rejected: Array<[string, unknown]> = [
      ["no name", {}],
      ["an empty name", { name: "" }],
      ["a 101-code-point name", { name: "t".repeat(101) }],
      ["a number as name", { name: 7 }],
      ["a password", { name: "x", password: org.admin.password }],
      ["a kind", { name: "x", kind: "user" }],
      ["an owner", { name: "x", ownerId: org.other.id }],
      ["a JSON array", [{ name: "x" }]],
    ];
    for (const [label, body] of rejected) {
      const response = await generateServiceUserToken(api, admin, org.robot.id, body);
      expect.soft(response.status, label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    await expectUnchanged(org, before);
  });

  test("DELETE routes take no body: a body with a field is 400 and nothing is deleted", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin, ids } = org;
    const before = await snapshot(admin);
    for (const route of ADMIN_ROUTES.filter((r) => r.method === "DELETE")) {
      const response = await call(route, ids, { bearer: admin.session, body: { force: true } });
      expect.soft(response.status, route.label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    await expectUnchanged(org, before);
    // No body, or {}, is fine.
    const emptyObject = await api.request("DELETE", adminTokenPath(admin.orgId, org.memberToken.token.id), {
      bearer: admin.session,
      body: {},
    });
    expect(emptyObject.status, emptyObject.text).toBe(204);
  });
});

describe("400 invalid_request: ?limit= and ?cursor= of the lists", () => {
  test("limit outside 1–200 or not a whole number; garbage cursors; another organization's cursor", async () => {
    const { api } = ctx;
    const org = await organization();
    const theirs = await organization();
    const { admin } = org;

    for (const list of LIST_ROUTES) {
      for (const limit of ["0", "201", "abc", "1.5", "-1", "1e2", "", " 5", "99999999999999999999"]) {
        const response = await api.request("GET", withQuery(list.path(admin.orgId), { limit }), { bearer: admin.session });
        expect.soft(response.status, `${list.label} limit=${JSON.stringify(limit)}`).toBe(400);
        expectError(response, 400, "invalid_request");
      }
      for (const limit of ["1", "200"]) {
        const response = await api.request("GET", withQuery(list.path(admin.orgId), { limit }), { bearer: admin.session });
        expect.soft(response.status, `${list.label} limit=${limit}`).toBe(200);
      }
      const garbage = ["garbage!!", "abc", Buffer.from("[]").toString("base64url"), Buffer.from('"x"').toString("base64url"), "", "%00"];
      for (const cursor of garbage) {
        const response = await api.request("GET", withQuery(list.path(admin.orgId), { cursor }), { bearer: admin.session });
        expect.soft(response.status, `${list.label} cursor=${JSON.stringify(cursor)}`).toBe(400);
        expectError(response, 400, "invalid_request");
      }
      // A real cursor of the same list in another organization: refused, and nothing of theirs shows.
      const theirPage = await api.request("GET", withQuery(list.path(theirs.admin.orgId), { limit: 1 }), { bearer: theirs.admin.session });
      expect(theirPage.status, theirPage.text).toBe(200);
      const theirCursor = theirPage.body.nextCursor as string;
      expect(typeof theirCursor).toBe("string");
      const response = await api.request("GET", withQuery(list.path(admin.orgId), { cursor: theirCursor }), { bearer: admin.session });
      expectError(response, 400, "invalid_request");
      expect(response.text).not.toContain(theirs.admin.orgId);
      // Their admin may use it.
      expect(
        (
          await api.request("GET", withQuery(list.path(theirs.admin.orgId), { limit: 1, cursor: theirCursor }), {
            bearer: theirs.admin.session,
          })
        ).status,
      ).toBe(200);
    }
  });

  // API.md "Conventions": "A cursor reveals nothing of the storage (no table, index, key or attribute names)".
  test("a cursor names no table, index, key or attribute, however it is decoded", async () => {
    const { api } = ctx;
    const { admin } = await organization();
    const forbidden = [
      "byOrganization",
      "gsi1",
      "ORG#",
      "TOKEN#",
      "SERVICE_USER#",
      "MEMBER#",
      "#TOKENS",
      '"pk"',
      '"sk"',
      "-activity",
      "e2e-",
    ];
    for (const list of LIST_ROUTES) {
      const page = await api.request("GET", withQuery(list.path(admin.orgId), { limit: 1 }), { bearer: admin.session });
      const cursor = page.body.nextCursor as string;
      expect(typeof cursor, list.label).toBe("string");
      const readings = [cursor, ...cursor.split(".")].flatMap((part) => [
        part,
        Buffer.from(part, "base64").toString("utf8"),
        Buffer.from(part, "base64url").toString("utf8"),
        Buffer.from(part, "base64url").toString("latin1"),
      ]);
      for (const reading of readings) {
        for (const word of forbidden) expect.soft(reading, `${list.label} cursor ${cursor}`).not.toContain(word);
        expect.soft(reading).not.toContain(admin.orgId);
      }
    }
  });

  // API.md "Conventions": "Every error has this body, and a status that fits it": a cursor from another list
  // of the same organization is the caller's mistake (400), never a server error.
  test("a cursor handed out by another list of the same organization is 400, not 500", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const activityPage = await listActivity(api, admin, { limit: 1 });
    const activityCursor = activityPage.body.nextCursor!;
    expect(typeof activityCursor).toBe("string");
    expectError(await listServiceUsers(api, admin, { cursor: activityCursor }), 400, "invalid_request");
  });

  // The same for a cursor edited by hand that names this organization's partition but lacks the sort key.
  test("a hand-edited cursor naming this organization is 400, not 500", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const forged = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const cursors: Array<[string, string]> = [
      [serviceUsersPath(admin.orgId), forged({ pk: `ORG#${admin.orgId}` })],
      [activityPath(admin.orgId), forged({ pk: `ORG#${admin.orgId}` })],
      [adminTokensPath(admin.orgId), forged({ gsi1pk: `ORG#${admin.orgId}#TOKENS` })],
    ];
    for (const [path, cursor] of cursors) {
      const response = await api.request("GET", withQuery(path, { cursor }), { bearer: admin.session });
      expect.soft(response.status, path).toBe(400);
      expectError(response, 400, "invalid_request");
    }
  });
});

describe("precedence (API.md: 401, 403 forbidden, 413, 400, 404, 409)", () => {
  test("no session beats everything; a non-admin gets 403 whatever the body; an admin gets 413 for a body over 16 KiB", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin, member, ids } = org;
    const before = await snapshot(admin);
    const tooBig = JSON.stringify({ name: "x", permissions: ["p"], padding: "p".repeat(17 * KiB) });
    const badBodies = ["{not json", JSON.stringify({ unknown: 1 }), JSON.stringify({ name: "" }), tooBig];

    for (const route of BODY_ROUTES) {
      for (const rawBody of badBodies) {
        expectError(await call(route, ids, { rawBody }), 401, "unauthenticated");
        expectError(await call(route, ids, { bearer: member.session, rawBody }), 403, "forbidden");
        // A non-admin asking about a service user that does not exist: still 403, never 404.
        expectError(
          await call(route, { ...ids, serviceUserId: UNKNOWN_SERVICE_USER_ID }, { bearer: member.session, rawBody }),
          403,
          "forbidden",
        );
      }
      // 413 before 400: too big, with unknown fields, or not even JSON.
      expectError(await call(route, ids, { bearer: admin.session, rawBody: tooBig }), 413, "payload_too_large");
      expectError(await call(route, ids, { bearer: admin.session, rawBody: `{${"x".repeat(17 * KiB)}` }), 413, "payload_too_large");
      // 413 before 404.
      expectError(
        await call(route, { ...ids, serviceUserId: UNKNOWN_SERVICE_USER_ID }, { bearer: admin.session, rawBody: tooBig }),
        413,
        "payload_too_large",
      );
    }
    // A body over 16 KiB on a route that takes none.
    expectError(
      await api.request("DELETE", serviceUserPath(admin.orgId, org.robot.id), {
        bearer: admin.session,
        rawBody: JSON.stringify({ p: "p".repeat(17 * KiB) }),
        headers: { "content-type": "application/json" },
      }),
      413,
      "payload_too_large",
    );
    // 400 before 404: a bad body for a service user that does not exist.
    for (const route of BODY_ROUTES.filter((r) => r.method !== "POST" || r.label.includes("tokens"))) {
      const response = await call(route, { ...ids, serviceUserId: UNKNOWN_SERVICE_USER_ID }, { bearer: admin.session, body: { name: "" } });
      expect.soft(response.status, route.label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    await expectUnchanged(org, before);
  });

  test("at the organization's limit of 20: 400 before 404 before 409", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const robot = await createServiceUserOk(api, admin, "Robot");
    for (let i = 0; i < 20; i++) await generateServiceUserTokenOk(api, admin, robot.id, `t${i}`);
    expectError(await generateServiceUserToken(api, admin, robot.id, { name: "" }), 400, "invalid_request");
    expectError(await generateServiceUserToken(api, admin, UNKNOWN_SERVICE_USER_ID, { name: "x" }), 404, "not_found");
    expectError(await generateServiceUserToken(api, admin, robot.id, { name: "x" }), 409, "token_limit_reached");
    expect((await listServiceUsers(api, admin)).body.serviceUsers[0]!.activeTokenCount).toBe(20);
  });
});
