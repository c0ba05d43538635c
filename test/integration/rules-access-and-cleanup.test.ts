import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { requireActiveMember } from "../../functions/domain/access.ts";
import { StoreUnavailable } from "../../functions/domain/errors.ts";
import { SYSTEM_ACTOR } from "../../functions/domain/model.ts";
import type { TokenStore } from "../../functions/domain/ports.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

/**
 * Who management routes act for (API.md: an active member of the organization in the path, else 403), and the
 * organization deletion's sweep of service users when a redelivery of the same deletion got there first.
 */

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const uniqueOrg = () => `org-${randomUUID().slice(0, 8)}`;

describe("management routes act for an active member only", () => {
  test("an active member is let through with their membership; anyone else, or a malformed id, is forbidden", async () => {
    const org = uniqueOrg();
    await h.addMember(org, "in", { name: "Inez" });
    await h.addMember(org, "deac");
    await h.memberships.applyUserDeactivated({ orgId: org, userId: "deac", occurredAt: h.nextEventTime() });
    expect(await requireActiveMember(h.store, org, "in")).toMatchObject({ orgId: org, userId: "in", name: "Inez", status: "active" });
    for (const [orgId, userId] of [
      [org, "deac"],
      [org, "stranger"],
      [uniqueOrg(), "in"],
      ["..", "in"],
      [org, "a/b"],
    ] as const) {
      expect(await code(requireActiveMember(h.store, orgId, userId)), `${orgId} ${userId}`).toBe("forbidden");
    }
  });
});

describe("a service user's tokens route", () => {
  test("an unknown service user is not_found", async () => {
    const admin = await h.newAdmin();
    const serviceUsers = new ServiceUsers(h);
    expect(await code(serviceUsers.listTokens(admin.orgId, "su_nobody"))).toBe("not_found");
    expect(await code(serviceUsers.generateToken(admin, "su_nobody", "t"))).toBe("not_found");
    expect(await code(serviceUsers.delete(admin, "su_nobody"))).toBe("not_found");
  });
});

describe("the deletion's sweep of service users", () => {
  const withStore = (override: Partial<Record<keyof TokenStore, unknown>>): TokenStore =>
    new Proxy(h.store, {
      get(target, property, receiver) {
        if (property in override) return override[property as keyof TokenStore];
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });

  test("one already deleted meanwhile (by another delivery) is skipped; the rest are deleted", async () => {
    const admin = await h.newAdmin();
    const live = await new ServiceUsers(h).create(admin, { name: "Live", permissions: [] });
    const gone = {
      orgId: admin.orgId,
      id: "su_gone",
      name: "Gone",
      permissions: [],
      createdAt: live.createdAt,
      createdBy: "admin",
      version: 1,
    };
    const store = withStore({ listAllServiceUsers: async (orgId: string) => [gone, ...(await h.store.listAllServiceUsers(orgId))] });
    await new ServiceUsers({ store, clock: h.clock }).deleteAll(admin.orgId, SYSTEM_ACTOR, "organization_deleted");
    expect(await h.store.getServiceUser(admin.orgId, live.id)).toBeUndefined();
  });

  test("any other failure stops the sweep, so the redelivered event finishes it", async () => {
    const admin = await h.newAdmin();
    const su = await new ServiceUsers(h).create(admin, { name: "Stays", permissions: [] });
    const store = withStore({ getServiceUser: async () => Promise.reject(new StoreUnavailable("down")) });
    const outcome = await new ServiceUsers({ store, clock: h.clock })
      .deleteAll(admin.orgId, SYSTEM_ACTOR, "organization_deleted")
      .catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StoreUnavailable);
    expect(await h.store.getServiceUser(admin.orgId, su.id)).toBeDefined();
  });
});
