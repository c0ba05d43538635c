import type { MembershipRecord } from "../../../domain/model.ts";
import { keyAttributes, keys, queries } from "../keys.ts";
import { VERSION, type Entity, type Item } from "./entity.ts";

/** A person's membership of one organization, an item of the organization's partition. */
export const membershipAttributes = { status: "status", version: VERSION } as const satisfies Record<string, keyof MembershipRecord>;

/** The status of a member whose tokens may be made and may verify. */
export const ACTIVE_MEMBERSHIP = "active" satisfies MembershipRecord["status"];

export const membershipEntity = {
  type: "membership",
  key: (membership: Pick<MembershipRecord, "orgId" | "userId">) => keys.membership(membership.orgId, membership.userId),
  /** Every membership of an organization. */
  query: (orgId: string) => queries.memberships(orgId),
  /** The keys of every membership of one person, across organizations (an index: read the items after). */
  queryOfPerson: (userId: string) => queries.membershipsOfPerson(userId),
  /** The key attributes of the person index, which every membership item carries. */
  personIndexAttributes: [keyAttributes.personIndexPartitionKey, keyAttributes.personIndexSortKey] as const,
  personIndexKey: (membership: Pick<MembershipRecord, "orgId" | "userId">) => keys.membershipByPerson(membership.orgId, membership.userId),
  toItem: (membership: MembershipRecord): Item => ({
    ...keys.membership(membership.orgId, membership.userId),
    ...keys.membershipByPerson(membership.orgId, membership.userId),
    type: membershipEntity.type,
    ...membership,
  }),
  fromItem: (item: Item): MembershipRecord => ({
    orgId: item.orgId as string,
    userId: item.userId as string,
    name: item.name as string,
    permissions: item.permissions as string[],
    groups: item.groups as string[],
    sites: item.sites as string[],
    status: item.status as MembershipRecord["status"],
    lastEventAt: item.lastEventAt as string,
    ...(typeof item.nameAt === "string" ? { nameAt: item.nameAt } : {}),
    version: item.version as number,
  }),
} as const satisfies Entity<MembershipRecord> & Record<string, unknown>;
