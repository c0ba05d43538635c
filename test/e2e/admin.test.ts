/**
 * API.md "Organization-wide view (requires `api-tokens:admin`)": `GET /v1/orgs/{orgId}/admin/tokens` lists every
 * active token of the organization, both kinds, each with `ownerName`, a page at a time (`limit`, `cursor`,
 * `nextCursor`); `DELETE /v1/orgs/{orgId}/admin/tokens/{tokenId}` revokes anyone's token in the organization.
 * Revoked and expired tokens are not listed.
 *
 * Expired tokens in these views: clock.test.ts (e2e) and test/integration/list-cursors.test.ts.
 */
import { describe, expect, test } from "vitest";
import {
  adminTokenPath,
  allPages,
  createServiceUserOk,
  expectError,
  generateOk,
  generateServiceUserTokenOk,
  list,
  listOrganizationTokens,
  listServiceUserTokens,
  listServiceUsers,
  newAdmin,
  newPerson,
  revoke,
  serviceUserPath,
  useSharedLocalService,
  verify,
  type AdminTokenView,
  type Created,
  type Person,
} from "./e2e-support.ts";

const ctx = useSharedLocalService();

const revokeAsAdmin = (admin: Person, tokenId: string, orgId = admin.orgId) =>
  ctx.api.request("DELETE", adminTokenPath(orgId, tokenId), { bearer: admin.session });

const TOKEN_FIELDS = ["createdAt", "expiresAt", "hint", "id", "kind", "lastUsedAt", "name", "ownerId", "ownerName"];
/** What the organization-wide view shows for a token: the `Token` as created, and its owner's name. */
const asListed = (created: Created, ownerName: string): AdminTokenView => ({ ...created.token, ownerName });
const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
const sortedById = <T extends { id: string }>(items: T[]) => [...items].sort(byId);

/** An organization with an admin, a member and a service user, each with tokens, and a second organization. */
async function organization() {
  const { api } = ctx;
  const admin = await newAdmin(api, { name: "Ada Admin" });
  const bob = await newPerson(api, { orgId: admin.orgId, name: "Bob Builder" });
  const robot = await createServiceUserOk(api, admin, "Nightly export", ["reports:read"]);
  const tokens = {
    admin: await generateOk(api, admin, "admin's own"),
    bob1: await generateOk(api, bob, "bob one"),
    bob2: await generateOk(api, bob, "bob two"),
    robot1: await generateServiceUserTokenOk(api, admin, robot.id, "robot one"),
    robot2: await generateServiceUserTokenOk(api, admin, robot.id, "robot two"),
  };
  // Another organization, with tokens of both kinds, that must never show.
  const otherAdmin = await newAdmin(api, { name: "Other Admin" });
  const otherRobot = await createServiceUserOk(api, otherAdmin, "Other robot");
  const elsewhere = {
    user: await generateOk(api, otherAdmin, "elsewhere"),
    robot: await generateServiceUserTokenOk(api, otherAdmin, otherRobot.id, "elsewhere robot"),
  };
  return { admin, bob, robot, tokens, otherAdmin, otherRobot, elsewhere };
}

describe("GET admin/tokens", () => {
  test("every active token of both kinds, with ownerName, and nothing of another organization", async () => {
    const { api } = ctx;
    const { admin, tokens, otherAdmin, elsewhere } = await organization();

    const response = await listOrganizationTokens(api, admin);
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["nextCursor", "tokens"]);
    expect(response.body.nextCursor).toBeNull();
    for (const token of response.body.tokens) expect(Object.keys(token).sort()).toEqual(TOKEN_FIELDS);
    expect(sortedById(response.body.tokens)).toEqual(
      sortedById([
        asListed(tokens.admin, "Ada Admin"),
        asListed(tokens.bob1, "Bob Builder"),
        asListed(tokens.bob2, "Bob Builder"),
        asListed(tokens.robot1, "Nightly export"),
        asListed(tokens.robot2, "Nightly export"),
      ]),
    );
    expect(response.body.tokens.filter((t) => t.kind === "user")).toHaveLength(3);
    expect(response.body.tokens.filter((t) => t.kind === "service_user")).toHaveLength(2);

    // The other organization's view is its own.
    const other = (await listOrganizationTokens(api, otherAdmin)).body.tokens;
    expect(sortedById(other)).toEqual(sortedById([asListed(elsewhere.user, "Other Admin"), asListed(elsewhere.robot, "Other robot")]));
  });

  test("pages with ?limit= and ?cursor=: every token exactly once, the last page's nextCursor null", async () => {
    const { api } = ctx;
    const { admin, tokens } = await organization();
    const all = Object.values(tokens).map((c) => c.token.id);

    const { items, pages } = await allPages<AdminTokenView>(
      (cursor) => listOrganizationTokens(api, admin, { limit: 2, ...(cursor ? { cursor } : {}) }),
      "tokens",
    );
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.slice(0, 2).every((p) => typeof p.nextCursor === "string" && p.nextCursor.length > 0)).toBe(true);
    expect(pages[2]!.nextCursor).toBeNull();
    expect(items.map((t) => t.id).sort()).toEqual([...all].sort());

    const byOne = await allPages<AdminTokenView>(
      (cursor) => listOrganizationTokens(api, admin, { limit: 1, ...(cursor ? { cursor } : {}) }),
      "tokens",
    );
    expect(byOne.items.map((t) => t.id).sort()).toEqual([...all].sort());
    expect(byOne.pages.every((p) => p.items.length <= 1)).toBe(true);
    expect(byOne.pages.at(-1)!.nextCursor).toBeNull();

    const whole = await listOrganizationTokens(api, admin, { limit: 200 });
    expect(whole.body.nextCursor).toBeNull();
    expect(whole.body.tokens.map((t) => t.id).sort()).toEqual([...all].sort());
  });

  test("ownerName follows the owner's current name: a person renamed by User Upserted, a service user by PATCH", async () => {
    const { api } = ctx;
    const { admin, bob, robot, tokens } = await organization();
    await api.upsertMember({ orgId: bob.orgId, userId: bob.userId, name: "Robert Builder" });
    const patched = await api.request("PATCH", serviceUserPath(admin.orgId, robot.id), {
      bearer: admin.session,
      body: { name: "Hourly export" },
    });
    expect(patched.status, patched.text).toBe(200);

    const names = Object.fromEntries((await listOrganizationTokens(api, admin)).body.tokens.map((t) => [t.id, t.ownerName]));
    expect(names).toEqual({
      [tokens.admin.token.id]: "Ada Admin",
      [tokens.bob1.token.id]: "Robert Builder",
      [tokens.bob2.token.id]: "Robert Builder",
      [tokens.robot1.token.id]: "Hourly export",
      [tokens.robot2.token.id]: "Hourly export",
    });
  });
});

describe("DELETE admin/tokens/{tokenId}", () => {
  test("revokes anyone's token (a member's, a service user's, the admin's own): 204, revoked, unlisted, a second time 404", async () => {
    const { api } = ctx;
    const { admin, bob, robot, tokens } = await organization();

    for (const created of [tokens.bob1, tokens.robot1, tokens.admin]) {
      const response = await revokeAsAdmin(admin, created.token.id);
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe("");
      expect((await verify(api, { token: created.secret })).body).toEqual({ valid: false, reason: "revoked" });
      expectError(await revokeAsAdmin(admin, created.token.id), 404, "not_found");
    }

    // Gone from every list it was in; the others are untouched.
    expect((await listOrganizationTokens(api, admin)).body.tokens.map((t) => t.id).sort()).toEqual(
      [tokens.bob2.token.id, tokens.robot2.token.id].sort(),
    );
    expect((await list(api, bob)).body.tokens.map((t) => t.id)).toEqual([tokens.bob2.token.id]);
    expect((await list(api, admin)).body.tokens).toEqual([]);
    expect((await listServiceUserTokens(api, admin, robot.id)).body.tokens.map((t) => t.id)).toEqual([tokens.robot2.token.id]);
    expect((await listServiceUsers(api, admin)).body.serviceUsers[0]!.activeTokenCount).toBe(1);
    for (const created of [tokens.bob2, tokens.robot2]) {
      expect((await verify(api, { token: created.secret })).body).toMatchObject({ valid: true, tokenId: created.token.id });
    }
    // The owner's own routes agree: 404 for the revoked one.
    expectError(await revoke(api, bob, tokens.bob1.token.id), 404, "not_found");
  });

  test("a token revoked by its owner is not listed and is 404 here", async () => {
    const { api } = ctx;
    const { admin, bob, tokens } = await organization();
    expect((await revoke(api, bob, tokens.bob1.token.id)).status).toBe(204);
    expect((await listOrganizationTokens(api, admin)).body.tokens.map((t) => t.id)).not.toContain(tokens.bob1.token.id);
    expectError(await revokeAsAdmin(admin, tokens.bob1.token.id), 404, "not_found");
  });

  test("another organization's token, an unknown id or a malformed id: 404, and nothing is revoked", async () => {
    const { api } = ctx;
    const { admin, elsewhere } = await organization();
    const unknown = await revokeAsAdmin(admin, "0000000000000000");
    expectError(unknown, 404, "not_found");
    for (const created of [elsewhere.user, elsewhere.robot]) {
      const response = await revokeAsAdmin(admin, created.token.id);
      expectError(response, 404, "not_found");
      // Never revealing it: the same answer as for a token that does not exist.
      expect(response.body.error.message).toBe(unknown.body.error.message);
      expect(response.text).not.toContain(created.token.id);
      expect((await verify(api, { token: created.secret })).body).toMatchObject({ valid: true });
    }
    expectError(await revokeAsAdmin(admin, "not a token id"), 404, "not_found");
  });
});
