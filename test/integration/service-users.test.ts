import { beforeAll, describe, expect, test } from "vitest";
import { OrganizationTokens } from "../../functions/domain/organization-tokens.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
let serviceUsers: ServiceUsers;
let organizationTokens: OrganizationTokens;
beforeAll(async () => {
  h = await createDomainHarness();
  serviceUsers = new ServiceUsers(h);
  organizationTokens = new OrganizationTokens(h);
});

const newAdmin = () => h.newAdmin();

describe("service users", () => {
  test("create, list, update, delete; never members", async () => {
    const admin = await newAdmin();
    const created = await serviceUsers.create(admin, { name: "Nightly ETL", permissions: ["reports:read"] });
    expect(created).toMatchObject({ name: "Nightly ETL", permissions: ["reports:read"], createdBy: "admin", activeTokenCount: 0 });
    expect(created.id).toMatch(/^su_/);
    expect(await h.store.getMembership(admin.orgId, created.id)).toBeUndefined();
    const updated = await serviceUsers.update(admin, created.id, { permissions: ["reports:read", "reports:write"] });
    expect(updated).toMatchObject({ name: "Nightly ETL", permissions: ["reports:read", "reports:write"] });
    expect((await serviceUsers.list(admin.orgId, 50, undefined)).serviceUsers.map((s) => s.id)).toEqual([created.id]);
    await serviceUsers.delete(admin, created.id);
    expect((await serviceUsers.list(admin.orgId, 50, undefined)).serviceUsers).toEqual([]);
    expect(await code(serviceUsers.delete(admin, created.id))).toBe("not_found");
  });

  test("lists page with a cursor, in creation order", async () => {
    const admin = await newAdmin();
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await serviceUsers.create(admin, { name: `su ${i}`, permissions: [] })).id);
      h.clock.advance(1);
    }
    const first = await serviceUsers.list(admin.orgId, 2, undefined);
    const second = await serviceUsers.list(admin.orgId, 2, first.nextCursor!);
    const third = await serviceUsers.list(admin.orgId, 2, second.nextCursor!);
    expect([...first.serviceUsers, ...second.serviceUsers, ...third.serviceUsers].map((s) => s.id)).toEqual(ids);
    expect(third.nextCursor).toBeNull();
    // A page that ends exactly at the end says so: no empty page to fetch.
    const exact = await serviceUsers.list(admin.orgId, 5, undefined);
    expect(exact.serviceUsers).toHaveLength(5);
    expect(exact.nextCursor).toBeNull();
    const other = await newAdmin();
    expect(await code(serviceUsers.list(other.orgId, 2, first.nextCursor!))).toBe("invalid_request");
    expect(await code(serviceUsers.list(admin.orgId, 2, "not-a-cursor!"))).toBe("invalid_request");
  });

  test("60 simultaneous token generations over 3 service users: exactly 20 tokens, 40 token_limit_reached; each organization has its own 20", async () => {
    const admin = await newAdmin();
    const elsewhere = await newAdmin();
    const theirs = await serviceUsers.create(elsewhere, { name: "theirs", permissions: [] });
    const sus = await Promise.all([1, 2, 3].map((i) => serviceUsers.create(admin, { name: `svc ${i}`, permissions: ["p"] })));
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) => code(serviceUsers.generateToken(admin, sus[i % 3]!.id, `t${i}`))),
    );
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(20);
    expect(outcomes.filter((o) => o === "token_limit_reached")).toHaveLength(40);
    const counts = (await serviceUsers.list(admin.orgId, 50, undefined)).serviceUsers.map((s) => s.activeTokenCount);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    // Revoking one frees a place.
    const [one] = await serviceUsers.listTokens(admin.orgId, sus[0]!.id);
    await serviceUsers.revokeToken(admin, sus[0]!.id, one!.id);
    expect(await code(serviceUsers.generateToken(admin, sus[1]!.id, "after revoke"))).toBe("ok");
    expect(await code(serviceUsers.generateToken(admin, sus[2]!.id, "full again"))).toBe("token_limit_reached");
    // A full organization takes no place of another's: simultaneous generations there all succeed.
    const outcomesElsewhere = await Promise.all(
      Array.from({ length: 5 }, (_, i) => code(serviceUsers.generateToken(elsewhere, theirs.id, `theirs ${i}`))),
    );
    expect(outcomesElsewhere).toEqual(Array(5).fill("ok"));
    expect(await code(serviceUsers.generateToken(admin, sus[2]!.id, "still full"))).toBe("token_limit_reached");
  });

  test("tokens verify with the service user's current permissions, no groups or sites, and cannot log in", async () => {
    const admin = await newAdmin();
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: ["a"] });
    const { token, secret } = await serviceUsers.generateToken(admin, su.id, "robot token");
    expect(secret.startsWith("atk_svc_")).toBe(true);
    expect(await h.verifier.verify({ token: secret })).toEqual({
      valid: true,
      orgId: admin.orgId,
      tokenId: token.id,
      kind: "service_user",
      principal: { type: "service_user", id: su.id, name: "Robot" },
      permissions: ["a"],
      groups: [],
      sites: [],
      canLogin: false,
    });
    await serviceUsers.update(admin, su.id, { name: "Robot 2", permissions: ["b", "c"] });
    expect(await h.verifier.verify({ token: secret })).toMatchObject({ permissions: ["b", "c"], principal: { name: "Robot 2" } });
    expect(await code(h.verifier.login(secret))).toBe("login_not_allowed");
  });

  test("deleting a service user revokes all its tokens, and only its", async () => {
    const admin = await newAdmin();
    const [a, b] = await Promise.all([1, 2].map((i) => serviceUsers.create(admin, { name: `svc ${i}`, permissions: [] })));
    const aTokens = [await serviceUsers.generateToken(admin, a!.id, "a1"), await serviceUsers.generateToken(admin, a!.id, "a2")];
    const bToken = await serviceUsers.generateToken(admin, b!.id, "b1");
    await serviceUsers.delete(admin, a!.id);
    for (const t of aTokens) expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: bToken.secret })).toMatchObject({ valid: true });
    const activity = (await h.store.listActivity(admin.orgId, 50, undefined)).items;
    const deletion = activity.filter((e) => e.action === "service_user.deleted" || e.action === "token.revoked");
    expect(deletion.map((e) => e.action).sort()).toEqual(["service_user.deleted", "token.revoked", "token.revoked"]);
    expect(deletion.every((e) => e.actor.id === "admin" && e.actor.name === "Ada Admin")).toBe(true);
  });

  test("service-user routes see only that service user's tokens", async () => {
    const admin = await newAdmin();
    const [a, b] = await Promise.all([1, 2].map((i) => serviceUsers.create(admin, { name: `svc ${i}`, permissions: [] })));
    const aToken = await serviceUsers.generateToken(admin, a!.id, "a1");
    expect(await code(serviceUsers.revokeToken(admin, b!.id, aToken.token.id))).toBe("not_found");
    expect(await serviceUsers.listTokens(admin.orgId, b!.id)).toEqual([]);
    expect(await code(serviceUsers.listTokens(admin.orgId, "su_nope"))).toBe("not_found");
    const otherAdmin = await newAdmin();
    expect(await code(serviceUsers.revokeToken(otherAdmin, a!.id, aToken.token.id))).toBe("not_found");
    expect(await code(organizationTokens.revoke(otherAdmin, aToken.token.id))).toBe("not_found");
  });
});

describe("the organization-wide view", () => {
  test("lists every active token of both kinds with its owner's name, and revokes any", async () => {
    const admin = await newAdmin();
    const person = await h.addMember(admin.orgId, "pat", { name: "Pat" });
    const userToken = await h.userTokens.generate({ ...person, name: "pat's" });
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const suToken = await serviceUsers.generateToken(admin, su.id, "robot's");
    const listed = await organizationTokens.list(admin.orgId, 50, undefined);
    expect(listed.tokens.map((t) => [t.id, t.kind, t.ownerName]).sort()).toEqual(
      [
        [userToken.token.id, "user", "Pat"],
        [suToken.token.id, "service_user", "Robot"],
      ].sort(),
    );
    expect(JSON.stringify(listed)).not.toContain(userToken.secret);
    await organizationTokens.revoke(admin, userToken.token.id);
    expect(await h.verifier.verify({ token: userToken.secret })).toEqual({ valid: false, reason: "revoked" });
    expect((await organizationTokens.list(admin.orgId, 50, undefined)).tokens.map((t) => t.id)).toEqual([suToken.token.id]);
    const revoked = (await h.store.listActivity(admin.orgId, 1, undefined)).items[0];
    expect(revoked).toMatchObject({
      action: "token.revoked",
      tokenId: userToken.token.id,
      actor: { type: "user", id: "admin", name: "Ada Admin" },
    });
  });
});
