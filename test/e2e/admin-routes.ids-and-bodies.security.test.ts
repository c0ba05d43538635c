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
  adminTokenPath,
  createServiceUser,
  expectError,
  generateServiceUserToken,
  listServiceUserTokens,
  serviceUserPath,
  serviceUserTokenPath,
  serviceUsersPath,
  useSharedLocalService,
  verify,
} from "./e2e-support.ts";

import { ADMIN_ROUTES, UNKNOWN_SERVICE_USER_ID, UNKNOWN_TOKEN_ID, adminRouteFixtures } from "./admin-routes.fixtures.ts";

const ctx = useSharedLocalService();
const { call, organization, snapshot, expectUnchanged } = adminRouteFixtures(ctx);

describe("404 not_found: ids that this organization's admin may not act on", () => {
  test("unknown or malformed service-user ids and token ids", async () => {
    const { api } = ctx;
    const org = await organization();
    const { admin } = org;
    const before = await snapshot(admin);
    const unknownServiceUsers = [UNKNOWN_SERVICE_USER_ID, "no such id!", "a#b", "x".repeat(200)];
    const serviceUserRoutes = ADMIN_ROUTES.filter((r) => r.path(org.ids).includes("/service-users/"));
    expect(serviceUserRoutes).toHaveLength(6);
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
      expectError(
        await api.request("POST", `${serviceUserTokenPath(admin.orgId, org.robot.id, tokenId)}/rotate`, {
          bearer: admin.session,
          body: {},
        }),
        404,
        "not_found",
      );
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
