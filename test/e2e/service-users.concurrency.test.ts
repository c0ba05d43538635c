/**
 * The organization's limit of 20 active service-user tokens under contention (API.md "Status codes":
 * 409 `token_limit_reached` when "the organization already has 20 active service-user tokens"; 503: "Contention
 * alone never gives 503: concurrent generates each end in 201 or 409"), and changes to a service user racing
 * with generations of its tokens.
 */
import { describe, expect, test } from "vitest";
import {
  adminTokenPath,
  createServiceUserOk,
  expectError,
  generateOk,
  generateServiceUserToken,
  generateServiceUserTokenOk,
  listOrganizationTokens,
  listServiceUserTokens,
  listServiceUsers,
  newAdmin,
  serviceUserPath,
  serviceUserTokenPath,
  useSharedLocalService,
  verify,
  type Created,
  countStatuses,
} from "./e2e-support.ts";
import type { ApiResponse } from "../support/api-client.ts";

const ctx = useSharedLocalService();

const createdIn = (responses: Array<ApiResponse<Created>>) => responses.filter((r) => r.status === 201).map((r) => r.body);

describe("the organization's limit of 20 service-user tokens under contention", () => {
  test("60 simultaneous generations over 3 service users: exactly 20 × 201 and 40 × 409; revoking one frees one place", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const serviceUsers = [
      await createServiceUserOk(api, admin, "Exporter", ["exports:write"]),
      await createServiceUserOk(api, admin, "Importer", ["imports:write"]),
      await createServiceUserOk(api, admin, "Auditor", ["audit:read"]),
    ];

    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => generateServiceUserToken(api, admin, serviceUsers[i % 3]!.id, { name: `concurrent ${i}` })),
    );
    expect(countStatuses(responses)).toEqual({ 201: 20, 409: 40 });
    for (const response of responses.filter((r) => r.status === 409)) expectError(response, 409, "token_limit_reached");
    const created = createdIn(responses);
    expect(new Set(created.map((c) => c.token.id)).size).toBe(20);

    // Every 201 is a real token of the service user it was made for.
    for (const [i, response] of responses.entries()) {
      if (response.status !== 201) continue;
      const owner = serviceUsers[i % 3]!;
      expect(response.body.token.ownerId).toBe(owner.id);
      expect((await verify(api, { token: response.body.secret })).body).toMatchObject({
        valid: true,
        tokenId: response.body.token.id,
        principal: { type: "service_user", id: owner.id, name: owner.name },
        permissions: owner.permissions,
      });
    }

    // The counts and the lists agree: 20 in all.
    const listed = (await listServiceUsers(api, admin)).body.serviceUsers;
    expect(listed.reduce((sum, s) => sum + s.activeTokenCount, 0)).toBe(20);
    const perOwner = new Map(serviceUsers.map((s) => [s.id, 0]));
    for (const c of created) perOwner.set(c.token.ownerId, perOwner.get(c.token.ownerId)! + 1);
    for (const s of listed) expect(s.activeTokenCount, s.name).toBe(perOwner.get(s.id));
    const listedTokenIds: string[] = [];
    for (const s of serviceUsers) listedTokenIds.push(...(await listServiceUserTokens(api, admin, s.id)).body.tokens.map((t) => t.id));
    expect(new Set(listedTokenIds)).toEqual(new Set(created.map((c) => c.token.id)));
    expect(listedTokenIds).toHaveLength(20);
    expect((await listOrganizationTokens(api, admin, { limit: 200 })).body.tokens).toHaveLength(20);

    // Full: any service user's next generation is 409, with the error shape.
    for (const s of serviceUsers)
      expectError(await generateServiceUserToken(api, admin, s.id, { name: "one more" }), 409, "token_limit_reached");
    // The admin's own user tokens are a separate limit.
    await generateOk(api, admin, "the admin's own");

    // Revoking one frees exactly one place, for any service user of the organization.
    const freed = created[0]!;
    const revoked = await api.request("DELETE", serviceUserTokenPath(admin.orgId, freed.token.ownerId, freed.token.id), {
      bearer: admin.session,
    });
    expect(revoked.status, revoked.text).toBe(204);
    const otherOwner = serviceUsers.find((s) => s.id !== freed.token.ownerId)!;
    const next = await Promise.all(
      Array.from({ length: 5 }, (_, i) => generateServiceUserToken(api, admin, otherOwner.id, { name: `after revoke ${i}` })),
    );
    expect(countStatuses(next)).toEqual({ 201: 1, 409: 4 });
    expectError(await generateServiceUserToken(api, admin, freed.token.ownerId, { name: "again" }), 409, "token_limit_reached");
    const final = (await listServiceUsers(api, admin)).body.serviceUsers;
    expect(final.reduce((sum, s) => sum + s.activeTokenCount, 0)).toBe(20);
  });
});

describe("changes racing with generations", () => {
  test("tokens generated while the service user's permissions change all verify with the new permissions", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const su = await createServiceUserOk(api, admin, "Old name", ["old"]);
    const [patched, ...made] = await Promise.all([
      api.request("PATCH", serviceUserPath(admin.orgId, su.id), {
        bearer: admin.session,
        body: { name: "New name", permissions: ["new"] },
      }),
      ...Array.from({ length: 8 }, (_, i) => generateServiceUserToken(api, admin, su.id, { name: `during ${i}` })),
    ]);
    expect(patched!.status, patched!.text).toBe(200);
    for (const response of made) {
      expect(response.status, response.text).toBe(201);
      expect((await verify(api, { token: (response.body as Created).secret })).body).toMatchObject({
        valid: true,
        principal: { name: "New name" },
        permissions: ["new"],
      });
    }
  });

  test("tokens generated while the service user is deleted: each one answered 201 is revoked, the others 404", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const su = await createServiceUserOk(api, admin, "Doomed", ["p"]);
    const bystander = await createServiceUserOk(api, admin, "Bystander", ["q"]);
    const kept = await generateServiceUserTokenOk(api, admin, bystander.id, "kept");
    const [deleted, ...made] = await Promise.all([
      api.request("DELETE", serviceUserPath(admin.orgId, su.id), { bearer: admin.session }),
      ...Array.from({ length: 10 }, (_, i) => generateServiceUserToken(api, admin, su.id, { name: `during ${i}` })),
    ]);
    expect(deleted!.status, deleted!.text).toBe(204);
    for (const response of made) {
      if (response.status === 201) {
        expect((await verify(api, { token: (response.body as Created).secret })).body).toEqual({ valid: false, reason: "revoked" });
      } else {
        expectError(response, 404, "not_found");
      }
    }
    // Nothing of it is left active, and its places are free again: only the bystander's token counts.
    expect((await listOrganizationTokens(api, admin)).body.tokens.map((t) => t.id)).toEqual([kept.token.id]);
    expect((await listServiceUsers(api, admin)).body.serviceUsers).toEqual([{ ...bystander, activeTokenCount: 1 }]);
    const refill = await Promise.all(
      Array.from({ length: 20 }, (_, i) => generateServiceUserToken(api, admin, bystander.id, { name: `r${i}` })),
    );
    expect(countStatuses(refill)).toEqual({ 201: 19, 409: 1 });
  });

  test("simultaneous revokes of one service-user token through both routes: exactly one 204, the rest 404", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const su = await createServiceUserOk(api, admin, "Robot");
    const { token, secret } = await generateServiceUserTokenOk(api, admin, su.id, "target");
    const keep = await generateServiceUserTokenOk(api, admin, su.id, "keep");
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.request("DELETE", i % 2 === 0 ? serviceUserTokenPath(admin.orgId, su.id, token.id) : adminTokenPath(admin.orgId, token.id), {
          bearer: admin.session,
        }),
      ),
    );
    expect(countStatuses(responses)).toEqual({ 204: 1, 404: 9 });
    for (const response of responses.filter((r) => r.status === 404)) expectError(response, 404, "not_found");
    expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "revoked" });
    expect((await listServiceUserTokens(api, admin, su.id)).body.tokens.map((t) => t.id)).toEqual([keep.token.id]);
    expect((await listServiceUsers(api, admin)).body.serviceUsers[0]!.activeTokenCount).toBe(1);
  });
});
