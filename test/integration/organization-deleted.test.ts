import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { OrganizationTokens } from "../../functions/domain/organization-tokens.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";
import { transactionFaults } from "../support/faults.ts";

async function organizationWithTokens(h: Awaited<ReturnType<typeof createDomainHarness>>) {
  const orgId = `org-${randomUUID().slice(0, 8)}`;
  const adminPerson = await h.addMember(orgId, "ada", { permissions: ["api-tokens:admin"] });
  const colleague = await h.addMember(orgId, "ben");
  const userTokens = [
    await h.userTokens.generate({ ...adminPerson, name: "a" }),
    await h.userTokens.generate({ ...colleague, name: "b1" }),
    await h.userTokens.generate({ ...colleague, name: "b2" }),
  ];
  const serviceUsers = new ServiceUsers(h);
  const admin = (await h.store.getMembership(orgId, "ada"))!;
  const robots = [
    await serviceUsers.create(admin, { name: "ETL", permissions: ["reports:read"] }),
    await serviceUsers.create(admin, { name: "BI", permissions: [] }),
  ];
  const serviceTokens = [
    await serviceUsers.generateToken(admin, robots[0]!.id, "etl"),
    await serviceUsers.generateToken(admin, robots[1]!.id, "bi"),
  ];
  return { orgId, admin, adminPerson, colleague, userTokens, serviceTokens, robots, serviceUsers };
}

describe("Organization Deleted", () => {
  test("revokes every token of both kinds (System, organization_deleted), ends memberships, deletes service users", async () => {
    const h = await createDomainHarness();
    const org = await organizationWithTokens(h);
    const elsewhere = await h.addMember(`org-${randomUUID().slice(0, 8)}`, "ben");
    const otherOrgToken = await h.userTokens.generate({ ...elsewhere, name: "other org" });

    expect(await h.memberships.applyOrganizationDeleted({ orgId: org.orgId, occurredAt: h.nextEventTime() })).toBe("applied");

    for (const t of [...org.userTokens, ...org.serviceTokens]) {
      expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    }
    expect(await h.verifier.verify({ token: otherOrgToken.secret })).toMatchObject({ valid: true });
    expect((await h.store.listMemberships(org.orgId)).map((m) => m.status)).toEqual(["removed", "removed"]);
    expect((await h.store.listServiceUsers(org.orgId, 50, undefined)).items).toEqual([]);
    expect((await new OrganizationTokens(h).list(org.orgId, 50, undefined)).tokens).toEqual([]);

    const records = (await h.store.listActivity(org.orgId, 200, undefined)).items;
    const revoked = records.filter((r) => r.action === "token.revoked");
    expect(revoked.map((r) => r.tokenId).sort()).toEqual([...org.userTokens, ...org.serviceTokens].map((t) => t.token.id).sort());
    for (const record of revoked) {
      expect(record).toMatchObject({ actor: { type: "system", id: "system", name: "System" }, detail: { reason: "organization_deleted" } });
    }
    const deletedServiceUsers = records.filter((r) => r.action === "service_user.deleted");
    expect(deletedServiceUsers).toHaveLength(2);
    expect(deletedServiceUsers.every((r) => r.actor.type === "system" && r.detail?.reason === "organization_deleted")).toBe(true);

    // A duplicate delivery changes nothing and records nothing more.
    await h.memberships.applyOrganizationDeleted({ orgId: org.orgId, occurredAt: h.nextEventTime() });
    expect((await h.store.listActivity(org.orgId, 200, undefined)).items).toHaveLength(records.length);
  });

  test("later events for it change nothing, and nothing new joins it", async () => {
    const h = await createDomainHarness();
    const org = await organizationWithTokens(h);
    await h.memberships.applyOrganizationDeleted({ orgId: org.orgId, occurredAt: h.nextEventTime() });

    await h.addMember(org.orgId, "ben"); // a newer upsert: ignored
    await h.addMember(org.orgId, "new");
    expect((await h.store.getMembership(org.orgId, "ben"))!.status).toBe("removed");
    expect(await h.store.getMembership(org.orgId, "new")).toBeUndefined();
    expect(
      await h.memberships.applyOrganizationSettingsChanged({ orgId: org.orgId, ssoEnforced: true, occurredAt: h.nextEventTime() }),
    ).toBe("stale");
    expect(await code(h.userTokens.generate({ ...org.colleague, name: "after" }))).toBe("forbidden");
    // An admin request that read its membership just before the deletion still cannot add a service user.
    expect(await code(org.serviceUsers.create(org.admin, { name: "Late", permissions: [] }))).toBe("forbidden");
    expect(await code(org.serviceUsers.generateToken(org.admin, org.robots[0]!.id, "late"))).toBe("not_found");
  });

  test("a failure part-way is finished by the redelivered event, one record per token", async () => {
    const faults = transactionFaults();
    const h = await createDomainHarness({ wrapClient: faults.wrap });
    const org = await organizationWithTokens(h);
    const event = { orgId: org.orgId, occurredAt: h.nextEventTime() };
    // The clean-up's second transaction fails: one person is done, the rest is not.
    faults.failNth(2);
    await expect(h.memberships.applyOrganizationDeleted(event)).rejects.toThrow();
    expect(await h.verifier.verify({ token: org.serviceTokens[0]!.secret })).toMatchObject({ valid: true });

    expect(await h.memberships.applyOrganizationDeleted(event)).toBe("stale");
    for (const t of [...org.userTokens, ...org.serviceTokens]) {
      expect(await h.verifier.verify({ token: t.secret })).toEqual({ valid: false, reason: "revoked" });
    }
    const revoked = (await h.store.listActivity(org.orgId, 200, undefined)).items.filter((r) => r.action === "token.revoked");
    expect(revoked.map((r) => r.tokenId).sort()).toEqual([...org.userTokens, ...org.serviceTokens].map((t) => t.token.id).sort());
  });
});
