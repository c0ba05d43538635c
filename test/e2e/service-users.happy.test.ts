/**
 * API.md "Service users and their tokens" and the service-user side of "Using a token", end to end over HTTP:
 * an admin (a member with `api-tokens:admin`) makes a service user, pages through the organization's service
 * users, changes one, gives it tokens (no password), and deletes it; its tokens verify with the service user's
 * current permissions, empty groups and sites, and cannot log in. Service users are never members, and no
 * people change touches their tokens.
 */
import { describe, expect, test } from "vitest";
import {
  ADMIN_PERMISSION,
  SERVICE_USER_PREFIX,
  adminTokenPath,
  allPages,
  createServiceUser,
  createServiceUserOk,
  expectError,
  expectNewServiceUserToken,
  expectServiceUserShape,
  generate,
  generateOk,
  generateServiceUserToken,
  generateServiceUserTokenOk,
  list,
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
  serviceUsersPath,
  THIRTY_DAYS_MS,
  tokensPath,
  uniqueId,
  useSharedLocalService,
  verify,
  type Person,
  type ServiceUserView,
} from "./e2e-support.ts";

const ctx = useSharedLocalService();

const patch = (admin: Person, serviceUserId: string, body: unknown) =>
  ctx.api.request<{ serviceUser: ServiceUserView }>("PATCH", serviceUserPath(admin.orgId, serviceUserId), {
    bearer: admin.session,
    body,
  });
const deleteServiceUser = (admin: Person, serviceUserId: string) =>
  ctx.api.request("DELETE", serviceUserPath(admin.orgId, serviceUserId), { bearer: admin.session });
const revokeServiceUserToken = (admin: Person, serviceUserId: string, tokenId: string) =>
  ctx.api.request("DELETE", serviceUserTokenPath(admin.orgId, serviceUserId, tokenId), { bearer: admin.session });

/** API.md "Using a token": what a valid service-user token verifies as. */
const validServiceUserToken = (orgId: string, tokenId: string, serviceUser: { id: string; name: string; permissions: string[] }) => ({
  valid: true,
  orgId,
  tokenId,
  kind: "service_user",
  principal: { type: "service_user", id: serviceUser.id, name: serviceUser.name },
  permissions: serviceUser.permissions,
  groups: [],
  sites: [],
  canLogin: false,
});

describe("a service user's life", () => {
  test("create → list → PATCH → token (no password) → verify → PATCH is seen by the existing token → no login → revoke → delete", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada Admin" });

    // Create: 201, exactly the `ServiceUser` fields, the name stored trimmed, made by this admin.
    const before = await serverNow(api);
    const created = await createServiceUser(api, admin, { name: "  Nightly export  ", permissions: ["reports:read", "exports:write"] });
    const after = await serverNow(api);
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get("content-type") ?? "").toMatch(/^application\/json/);
    expect(Object.keys(created.body)).toEqual(["serviceUser"]);
    const su = created.body.serviceUser;
    expectServiceUserShape(su);
    expect(su).toEqual({
      id: expect.any(String),
      name: "Nightly export",
      permissions: ["reports:read", "exports:write"],
      createdAt: expect.any(String),
      createdBy: admin.userId,
      activeTokenCount: 0,
    });
    expect(Date.parse(su.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(su.createdAt)).toBeLessThanOrEqual(after + 1000);

    // List: the one service user, as created, on one last page.
    const listed = await listServiceUsers(api, admin);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual({ serviceUsers: [su], serviceTokens: { active: 0, limit: 20 }, nextCursor: null });

    // PATCH the name, then the permissions, then both: 200 with the whole, current `ServiceUser`.
    const renamed = await patch(admin, su.id, { name: " Nightly export v2 " });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toEqual({ serviceUser: { ...su, name: "Nightly export v2" } });
    const narrowed = await patch(admin, su.id, { permissions: ["reports:read"] });
    expect(narrowed.status, narrowed.text).toBe(200);
    expect(narrowed.body).toEqual({ serviceUser: { ...su, name: "Nightly export v2", permissions: ["reports:read"] } });
    expect((await listServiceUsers(api, admin)).body.serviceUsers).toEqual([narrowed.body.serviceUser]);

    // A token: 201 with the secret, no password needed (an admin makes it for a system).
    const made = await generateServiceUserToken(api, admin, su.id, { name: "CI pipeline" });
    expect(made.status, made.text).toBe(201);
    expectNewServiceUserToken(made.body, { name: "CI pipeline", ownerId: su.id });
    const { token, secret } = made.body;
    expect(secret.startsWith(SERVICE_USER_PREFIX)).toBe(true);

    // Its tokens: this one, exactly as created; the service user counts one active token.
    const tokens = await listServiceUserTokens(api, admin, su.id);
    expect(tokens.status, tokens.text).toBe(200);
    expect(tokens.body).toEqual({ tokens: [token] });
    expect((await listServiceUsers(api, admin)).body.serviceUsers).toEqual([{ ...narrowed.body.serviceUser, activeTokenCount: 1 }]);

    // Verify: the service user as principal, its permissions, no groups or sites, no login.
    const current = { id: su.id, name: "Nightly export v2", permissions: ["reports:read"] };
    const verified = await verify(api, { token: secret });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual(validServiceUserToken(admin.orgId, token.id, current));
    expect((await verify(api, { token: secret, orgId: admin.orgId })).body).toEqual(validServiceUserToken(admin.orgId, token.id, current));
    expect((await verify(api, { token: secret, orgId: uniqueId("elsewhere") })).body).toEqual({ valid: false, reason: "wrong_org" });
    // The verification was a use.
    const used = (await listServiceUserTokens(api, admin, su.id)).body.tokens[0]!;
    expect(used.lastUsedAt).not.toBeNull();
    expect(Math.abs(Date.parse(used.expiresAt) - Date.parse(used.lastUsedAt!) - THIRTY_DAYS_MS)).toBeLessThanOrEqual(1000);

    // A PATCH takes effect on the EXISTING token's next verification: name and permissions.
    const widened = await patch(admin, su.id, { name: "Nightly export v3", permissions: ["reports:read", "billing:read"] });
    expect(widened.status, widened.text).toBe(200);
    expect(widened.body.serviceUser).toEqual({
      ...su,
      name: "Nightly export v3",
      permissions: ["reports:read", "billing:read"],
      activeTokenCount: 1,
    });
    expect((await verify(api, { token: secret })).body).toEqual(
      validServiceUserToken(admin.orgId, token.id, { id: su.id, name: "Nightly export v3", permissions: ["reports:read", "billing:read"] }),
    );
    const emptied = await patch(admin, su.id, { permissions: [] });
    expect(emptied.status, emptied.text).toBe(200);
    expect((await verify(api, { token: secret })).body).toEqual(
      validServiceUserToken(admin.orgId, token.id, { id: su.id, name: "Nightly export v3", permissions: [] }),
    );

    // A service-user token cannot log in: 403 login_not_allowed, and it still works afterwards.
    expectError(await login(api, secret), 403, "login_not_allowed");
    expectError(await login(api, secret, { body: {} }), 403, "login_not_allowed");
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true, tokenId: token.id });

    // Revoke it: 204 with no body; it verifies revoked, is no longer listed or counted; a second time 404.
    const revoked = await revokeServiceUserToken(admin, su.id, token.id);
    expect(revoked.status, revoked.text).toBe(204);
    expect(revoked.text).toBe("");
    expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "revoked" });
    expect((await listServiceUserTokens(api, admin, su.id)).body).toEqual({ tokens: [] });
    expect((await listServiceUsers(api, admin)).body.serviceUsers[0]!.activeTokenCount).toBe(0);
    expectError(await revokeServiceUserToken(admin, su.id, token.id), 404, "not_found");
    expectError(await login(api, secret), 401, "unauthenticated");

    // DELETE the service user with two live tokens: 204, and both tokens are revoked with it.
    const one = await generateServiceUserTokenOk(api, admin, su.id, "one");
    const two = await generateServiceUserTokenOk(api, admin, su.id, "two");
    // API.md: the list says how many service-user tokens of the organization are active, against the limit.
    expect((await listServiceUsers(api, admin)).body.serviceTokens).toEqual({ active: 2, limit: 20 });
    expect(new Set((await listServiceUserTokens(api, admin, su.id)).body.tokens.map((t) => t.id))).toEqual(
      new Set([one.token.id, two.token.id]),
    );
    const deleted = await deleteServiceUser(admin, su.id);
    expect(deleted.status, deleted.text).toBe(204);
    expect(deleted.text).toBe("");
    for (const { secret: s } of [one, two]) expect((await verify(api, { token: s })).body).toEqual({ valid: false, reason: "revoked" });
    expect((await listServiceUsers(api, admin)).body).toEqual({
      serviceUsers: [],
      serviceTokens: { active: 0, limit: 20 },
      nextCursor: null,
    });
    expect((await listOrganizationTokens(api, admin)).body.tokens).toEqual([]);
    // Gone: every route on it answers 404, a second delete too.
    expectError(await deleteServiceUser(admin, su.id), 404, "not_found");
    expectError(await patch(admin, su.id, { name: "back" }), 404, "not_found");
    expectError(await listServiceUserTokens(api, admin, su.id), 404, "not_found");
    expectError(await generateServiceUserToken(api, admin, su.id, { name: "after delete" }), 404, "not_found");
    expectError(await revokeServiceUserToken(admin, su.id, one.token.id), 404, "not_found");
  });

  test("a service user's tokens come whole (no cursor), only its own, each with its own secret", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const su = await createServiceUserOk(api, admin, "Exporter", ["exports:write"]);
    const other = await createServiceUserOk(api, admin, "Importer", ["imports:write"]);
    const made = [];
    for (let i = 1; i <= 4; i++) made.push(await generateServiceUserTokenOk(api, admin, su.id, `exporter ${i}`));
    const otherToken = await generateServiceUserTokenOk(api, admin, other.id, "importer");

    const listed = (await listServiceUserTokens(api, admin, su.id)).body;
    expect(Object.keys(listed)).toEqual(["tokens"]);
    // API.md gives no order for this list: compare as sets.
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect([...listed.tokens].sort(byId)).toEqual(made.map((c) => c.token).sort(byId));
    expect((await listServiceUserTokens(api, admin, other.id)).body.tokens).toEqual([otherToken.token]);
    expect(new Set([...made, otherToken].map((c) => c.secret)).size).toBe(5);
    // Each token verifies as its own service user.
    expect((await verify(api, { token: made[0]!.secret })).body).toMatchObject({
      principal: { type: "service_user", id: su.id, name: "Exporter" },
      permissions: ["exports:write"],
    });
    expect((await verify(api, { token: otherToken.secret })).body).toMatchObject({
      principal: { type: "service_user", id: other.id, name: "Importer" },
      permissions: ["imports:write"],
    });
    const counts = Object.fromEntries((await listServiceUsers(api, admin)).body.serviceUsers.map((s) => [s.name, s.activeTokenCount]));
    expect(counts).toEqual({ Exporter: 4, Importer: 1 });
  });
});

describe("listing service users", () => {
  test("?limit=2 pages through 5 service users with nextCursor, the last page's nextCursor is null", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const made: ServiceUserView[] = [];
    for (let i = 1; i <= 5; i++) made.push(await createServiceUserOk(api, admin, `service user ${i}`, [`p${i}`]));

    const { items, pages } = await allPages<ServiceUserView>(
      (cursor) => listServiceUsers(api, admin, { limit: 2, ...(cursor ? { cursor } : {}) }),
      "serviceUsers",
    );
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => typeof p.nextCursor)).toEqual(["string", "string", "object"]);
    expect(pages[2]!.nextCursor).toBeNull();
    // Every service user exactly once, exactly as created.
    expect(items).toHaveLength(5);
    expect(new Set(items.map((s) => s.id)).size).toBe(5);
    expect([...items].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...made].sort((a, b) => a.id.localeCompare(b.id)));

    // Without a limit (default 50) or with a large one: all five on one last page.
    for (const query of [{}, { limit: 200 }, { limit: 6 }]) {
      const whole = await listServiceUsers(api, admin, query);
      expect(whole.status, whole.text).toBe(200);
      expect(whole.body.nextCursor).toBeNull();
      expect(new Set(whole.body.serviceUsers.map((s) => s.id))).toEqual(new Set(made.map((s) => s.id)));
    }
    // The same cursor gives the same page again.
    const again = await listServiceUsers(api, admin, { limit: 2, cursor: pages[0]!.nextCursor! });
    expect(again.body).toEqual({
      serviceUsers: pages[1]!.items,
      serviceTokens: { active: 0, limit: 20 },
      nextCursor: pages[1]!.nextCursor,
    });

    // Another organization's admin sees none of them.
    const otherAdmin = await newAdmin(api);
    expect((await listServiceUsers(api, otherAdmin)).body).toEqual({
      serviceUsers: [],
      serviceTokens: { active: 0, limit: 20 },
      nextCursor: null,
    });
  });
});

describe("service users are never members", () => {
  test("no person's token list shows a service-user token, and a service user's id is no member", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada Admin" });
    const bob = await newPerson(api, { orgId: admin.orgId, name: "Bob" });
    const su = await createServiceUserOk(api, admin, "Robot", ["robots:run"]);
    const suToken = await generateServiceUserTokenOk(api, admin, su.id, "robot token");
    const adminsOwn = await generateOk(api, admin, "admin's own");
    const bobsOwn = await generateOk(api, bob, "bob's own");

    // A person's own-token routes: only their user tokens, never a service user's.
    expect((await list(api, admin)).body).toEqual({ tokens: [adminsOwn.token] });
    expect((await list(api, bob)).body).toEqual({ tokens: [bobsOwn.token] });
    // ... so not even the admin who made it can revoke it there.
    expectError(await revoke(api, admin, suToken.token.id), 404, "not_found");
    expect((await verify(api, { token: suToken.secret })).body).toMatchObject({ valid: true });

    // Someone signing in with the service user's id as their user id is no member of the organization.
    const impostor = await api.signUp(su.id, `pw-${uniqueId("x")}`);
    for (const [method, path, body] of [
      ["GET", tokensPath(admin.orgId), undefined],
      ["POST", tokensPath(admin.orgId), { name: "as the robot" }],
      ["GET", serviceUsersPath(admin.orgId), undefined],
    ] as const) {
      expectError(await api.request(method, path, { bearer: impostor, ...(body ? { body } : {}) }), 403, "forbidden");
    }
    // The service-user token is no session either.
    expectError(await api.request("GET", tokensPath(admin.orgId), { bearer: suToken.secret }), 401, "unauthenticated");
    expectError(await api.request("GET", serviceUsersPath(admin.orgId), { bearer: suToken.secret }), 401, "unauthenticated");
  });

  test("people changes leave service-user tokens verifying unchanged: a rename, the admin losing admin, deactivation", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada Admin" });
    const su = await createServiceUserOk(api, admin, "Robot", ["robots:run"]);
    const { token, secret } = await generateServiceUserTokenOk(api, admin, su.id, "robot token");
    const adminsOwn = await generateOk(api, admin, "admin's own");
    const expected = validServiceUserToken(admin.orgId, token.id, su);
    expect((await verify(api, { token: secret })).body).toEqual(expected);

    // The admin is renamed and given other permissions.
    await api.upsertMember({
      orgId: admin.orgId,
      userId: admin.userId,
      name: "Ada Lovelace",
      permissions: [ADMIN_PERMISSION, "x"],
      groups: ["g"],
      sites: ["s"],
    });
    expect((await verify(api, { token: secret })).body).toEqual(expected);
    expect((await verify(api, { token: adminsOwn.secret })).body).toMatchObject({ principal: { name: "Ada Lovelace" }, groups: ["g"] });

    // The admin loses admin: no more admin routes, but the service user's token is unchanged.
    await api.upsertMember({ orgId: admin.orgId, userId: admin.userId, name: "Ada Lovelace", permissions: ["x"] });
    expectError(await listServiceUsers(api, admin), 403, "forbidden");
    expectError(await listServiceUserTokens(api, admin, su.id), 403, "forbidden");
    expect((await verify(api, { token: secret })).body).toEqual(expected);

    // A colleague who is admin still sees it as it was, with its creator unchanged.
    const colleague = await newAdmin(api, { orgId: admin.orgId });
    expect((await listServiceUsers(api, colleague)).body.serviceUsers).toEqual([{ ...su, activeTokenCount: 1 }]);

    // The creator is deactivated: their own token is revoked, the service user's is not.
    await api.publish("platform.users", "User Deactivated", {
      orgId: admin.orgId,
      userId: admin.userId,
      occurredAt: "2035-01-01T00:00:00.000Z",
    });
    expect((await verify(api, { token: adminsOwn.secret })).body).toEqual({ valid: false, reason: "revoked" });
    expect((await verify(api, { token: secret })).body).toEqual(expected);
    expect((await listServiceUserTokens(api, colleague, su.id)).body.tokens.map((t) => t.id)).toEqual([token.id]);
    // And an admin can still revoke it through the organization-wide view.
    expect((await api.request("DELETE", adminTokenPath(colleague.orgId, token.id), { bearer: colleague.session })).status).toBe(204);
    expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "revoked" });
  });

  test("service-user tokens need no password and do not count against the admin's own user tokens", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    for (let i = 0; i < 10; i++) await generateOk(api, admin, `own ${i}`);
    expectError(await generate(api, admin, { name: "eleventh", password: admin.password }), 409, "token_limit_reached");
    const su = await createServiceUserOk(api, admin, "Robot");
    const made = await generateServiceUserToken(api, admin, su.id, { name: "robot" });
    expect(made.status, made.text).toBe(201);
    expect((await list(api, admin)).body.tokens).toHaveLength(10);
  });
});
