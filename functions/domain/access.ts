import { DomainError } from "./errors.ts";
import type { MembershipRecord } from "./model.ts";
import type { TokenStore } from "./ports.ts";
import { isValidId } from "./ids.ts";

/** What the access rules read: one membership. The token store is one; a test can pass a map. */
export type MembershipLookup = Pick<TokenStore, "getMembership">;

/** The permission that makes a member an admin of API tokens in an organization (API.md). */
export const ADMIN_PERMISSION = "api-tokens:admin";

/** Management routes act for an active member of the organization in the path; anyone else is `forbidden`. */
export async function requireActiveMember(members: MembershipLookup, orgId: string, userId: string): Promise<MembershipRecord> {
  const membership = isValidId(orgId) && isValidId(userId) ? await members.getMembership(orgId, userId) : undefined;
  if (membership?.status !== "active") {
    throw new DomainError("forbidden", "You are not an active member of this organization.");
  }
  return membership;
}

export const isAdmin = (membership: MembershipRecord): boolean => membership.permissions.includes(ADMIN_PERMISSION);

/** Admin routes (service users, the organization-wide view, activity): an active member who holds the permission. */
export async function requireAdmin(members: MembershipLookup, orgId: string, userId: string): Promise<MembershipRecord> {
  const membership = await requireActiveMember(members, orgId, userId);
  if (!isAdmin(membership)) {
    throw new DomainError("forbidden", `This needs the permission \`${ADMIN_PERMISSION}\` in this organization.`);
  }
  return membership;
}
