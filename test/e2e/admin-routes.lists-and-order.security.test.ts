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
  adminTokensPath,
  createServiceUserOk,
  expectError,
  generateServiceUserToken,
  generateServiceUserTokenOk,
  listActivity,
  listServiceUsers,
  newAdmin,
  serviceUserPath,
  serviceUsersPath,
  useSharedLocalService,
  withQuery,
} from "./e2e-support.ts";

import { BODY_ROUTES, KiB, LIST_ROUTES, UNKNOWN_SERVICE_USER_ID, adminRouteFixtures } from "./admin-routes.fixtures.ts";

const ctx = useSharedLocalService();
const { call, organization, snapshot, expectUnchanged } = adminRouteFixtures(ctx);

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
