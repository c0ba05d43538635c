import { isAdmin } from "./access.ts";
import type { TokenStore } from "./ports.ts";

/** `GET /v1/me` (API.md "The caller"): who the session's person is, and the organizations they are an active member of. */
export interface CallerView {
  readonly user: { readonly id: string; readonly name: string | null };
  readonly organizations: readonly {
    readonly orgId: string;
    readonly name: string | null;
    readonly ssoEnforced: boolean;
    readonly admin: boolean;
  }[];
}

/** What describing the caller reads: the person's memberships across organizations, with their settings. */
export type CallerLookup = Pick<TokenStore, "listMembershipsOfPerson">;

/** Code-unit order, as DynamoDB sorts string keys. */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The person and their organizations: every organization where they are an active member (not one that has
 * been deleted, whose memberships are ending), sorted by id, with its display name (null until an
 * `Organization Settings Changed` names it), whether it enforces SSO, and whether they hold `api-tokens:admin`
 * there. The person's name is the one of the newest applied `User Upserted` of any organization (whatever the
 * membership's status now), null when none was ever applied. Nothing of anyone else is read.
 */
export async function describeCaller(store: CallerLookup, userId: string): Promise<CallerView> {
  const found = (await store.listMembershipsOfPerson(userId))
    .filter(({ membership }) => membership.userId === userId)
    .sort((a, b) => byCodeUnits(a.membership.orgId, b.membership.orgId));
  let named: { name: string; at: number } | undefined;
  for (const { membership } of found) {
    if (membership.nameAt === undefined) continue;
    const at = Date.parse(membership.nameAt);
    if (named === undefined || at > named.at) named = { name: membership.name, at };
  }
  // Two upserts at the same instant: the first organization by id wins, whatever order the store answered in.
  const organizations = found
    .filter(({ membership, settings }) => membership.status === "active" && !settings?.deletedAt)
    .map(({ membership, settings }) => ({
      orgId: membership.orgId,
      name: settings?.name ?? null,
      ssoEnforced: settings?.ssoEnforced ?? false,
      admin: isAdmin(membership),
    }))
    .sort((a, b) => byCodeUnits(a.orgId, b.orgId));
  return { user: { id: userId, name: named?.name ?? null }, organizations };
}
