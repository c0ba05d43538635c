import type {
  ActivityRecord,
  MembershipRecord,
  PasswordFailures,
  PrincipalAccess,
  ServiceUserRecord,
  TokenRecord,
} from "../../domain/model.ts";
import { keys } from "./keys.ts";

/** Records to items and back: each entity's item is its keys, a `type`, and its fields. */
export type Item = Record<string, unknown>;

export function tokenItem(token: TokenRecord): Item {
  return { ...keys.token(token.id), ...keys.tokenByOrganization(token.orgId, token.createdAt, token.id), type: "token", ...token };
}

export function toToken(item: Item): TokenRecord {
  return {
    id: item.id as string,
    orgId: item.orgId as string,
    kind: item.kind as TokenRecord["kind"],
    ownerId: item.ownerId as string,
    name: item.name as string,
    secretHash: item.secretHash as string,
    hint: item.hint as string,
    createdAt: item.createdAt as string,
    lastUsedAt: (item.lastUsedAt as string | null | undefined) ?? null,
    expiresAt: item.expiresAt as number,
    status: item.status as TokenRecord["status"],
    ...(item.revokedAt ? { revokedAt: item.revokedAt as string } : {}),
    ...(item.expiryRecorded ? { expiryRecorded: true } : {}),
    principal: item.principal as PrincipalAccess,
  };
}

export function membershipItem(membership: MembershipRecord): Item {
  return { ...keys.membership(membership.orgId, membership.userId), type: "membership", ...membership };
}

export function toMembership(item: Item): MembershipRecord {
  return {
    orgId: item.orgId as string,
    userId: item.userId as string,
    name: item.name as string,
    permissions: item.permissions as string[],
    groups: item.groups as string[],
    sites: item.sites as string[],
    status: item.status as MembershipRecord["status"],
    lastEventAt: item.lastEventAt as string,
    version: item.version as number,
  };
}

export function serviceUserItem(serviceUser: ServiceUserRecord): Item {
  return { ...keys.serviceUser(serviceUser.orgId, serviceUser.id), type: "serviceUser", ...serviceUser };
}

export function toServiceUser(item: Item): ServiceUserRecord {
  return {
    orgId: item.orgId as string,
    id: item.id as string,
    name: item.name as string,
    permissions: item.permissions as string[],
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
    version: item.version as number,
  };
}

export function activityItem(record: ActivityRecord): Item {
  return { ...keys.activity(record.orgId, record.at, record.id), type: "activity", ...record };
}

export function toActivity(item: Item): ActivityRecord {
  return {
    orgId: item.orgId as string,
    id: item.id as string,
    at: item.at as string,
    action: item.action as ActivityRecord["action"],
    actor: item.actor as ActivityRecord["actor"],
    ...(item.tokenId ? { tokenId: item.tokenId as string } : {}),
    ...(item.detail ? { detail: item.detail as Record<string, unknown> } : {}),
  };
}

export const toPasswordFailures = (item: Item): PasswordFailures => ({
  userId: item.userId as string,
  failedAt: item.failedAt as string[],
  lockedUntil: (item.lockedUntil as string | null) ?? null,
  pending: (item.pending as Record<string, string> | undefined) ?? {},
  version: item.version as number,
});

