import { DomainError } from "./errors.ts";
import type { MembershipRecord } from "./model.ts";
import type { TokenStore } from "./ports.ts";
import { isValidId } from "./ids.ts";

/** Management routes act for an active member of the organization in the path; anyone else is `forbidden`. */
export async function requireActiveMember(
  store: TokenStore,
  orgId: string,
  userId: string,
): Promise<MembershipRecord> {
  const membership = isValidId(orgId) && isValidId(userId) ? await store.getMembership(orgId, userId) : undefined;
  if (!membership || membership.status !== "active") {
    throw new DomainError("forbidden", "You are not an active member of this organization.");
  }
  return membership;
}
