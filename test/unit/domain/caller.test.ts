/** `describeCaller` without I/O (API.md "The caller"): what it keeps, how it sorts and names, from what the store answers. */
import { describe, expect, test } from "vitest";
import { type CallerLookup, describeCaller } from "../../../functions/domain/caller.ts";
import type { MembershipRecord, OrganizationSettings } from "../../../functions/domain/model.ts";

const membership = (orgId: string, overrides: Partial<MembershipRecord> = {}): MembershipRecord => ({
  orgId,
  userId: "ada",
  name: "Ada",
  permissions: [],
  groups: [],
  sites: [],
  status: "active",
  lastEventAt: "2026-01-01T00:00:00.000Z",
  nameAt: "2026-01-01T00:00:00.000Z",
  version: 1,
  ...overrides,
});
const settings = (orgId: string, overrides: Partial<OrganizationSettings> = {}): OrganizationSettings => ({
  orgId,
  ssoEnforced: false,
  lastEventAt: "2026-01-01T00:00:00.000Z",
  version: 1,
  ...overrides,
});
const storeOf = (found: { membership: MembershipRecord; settings?: OrganizationSettings }[]): CallerLookup => ({
  listMembershipsOfPerson: async () => found.map(({ membership, settings }) => ({ membership, settings })),
});

describe("describeCaller", () => {
  test("sorted by code units (as DynamoDB sorts keys), not by locale; admin only for exactly api-tokens:admin", async () => {
    const result = await describeCaller(
      storeOf([
        { membership: membership("b") },
        {
          membership: membership("B", { permissions: ["api-tokens:admin"] }),
          settings: settings("B", { name: "Big B", ssoEnforced: true }),
        },
        { membership: membership("a", { permissions: ["API-TOKENS:ADMIN", "api-tokens:admin "] }) },
      ]),
      "ada",
    );
    expect(result.organizations).toEqual([
      { orgId: "B", name: "Big B", ssoEnforced: true, admin: true },
      { orgId: "a", name: null, ssoEnforced: false, admin: false },
      { orgId: "b", name: null, ssoEnforced: false, admin: false },
    ]);
  });

  test("only active memberships of organizations not deleted; never another person's, whatever the store answers", async () => {
    const result = await describeCaller(
      storeOf([
        { membership: membership("active") },
        { membership: membership("deactivated", { status: "deactivated" }) },
        { membership: membership("removed", { status: "removed" }) },
        { membership: membership("unknown", { status: "unknown", nameAt: undefined }) },
        { membership: membership("deleted"), settings: settings("deleted", { deletedAt: "2026-02-01T00:00:00.000Z" }) },
        { membership: membership("someone-elses", { userId: "bob", name: "Bob", nameAt: "2027-01-01T00:00:00.000Z" }) },
      ]),
      "ada",
    );
    expect(result).toEqual({
      user: { id: "ada", name: "Ada" },
      organizations: [{ orgId: "active", name: null, ssoEnforced: false, admin: false }],
    });
  });

  test("the name of the newest applied upsert of any membership (by time, not by text), ties to the first organization; else null", async () => {
    const named = await describeCaller(
      storeOf([
        { membership: membership("z", { name: "Newest", nameAt: "2026-03-01T00:00:00.000Z", status: "removed" }) },
        { membership: membership("a", { name: "Older", nameAt: "2026-02-01T00:00:00Z" }) },
        { membership: membership("m", { name: "No upsert", nameAt: undefined, lastEventAt: "2026-04-01T00:00:00.000Z" }) },
      ]),
      "ada",
    );
    expect(named.user.name).toBe("Newest");
    const tie = await describeCaller(
      storeOf([{ membership: membership("y", { name: "From y" }) }, { membership: membership("x", { name: "From x" }) }]),
      "ada",
    );
    expect(tie.user.name).toBe("From x");
    const unnamed = await describeCaller(storeOf([{ membership: membership("o", { nameAt: undefined, status: "unknown" }) }]), "ada");
    expect(unnamed).toEqual({ user: { id: "ada", name: null }, organizations: [] });
    expect(await describeCaller(storeOf([]), "ada")).toEqual({ user: { id: "ada", name: null }, organizations: [] });
  });
});
