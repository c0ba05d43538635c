/** The reference model of API.md's token rules (see ../token-rules.model.test.ts): plain data and the rules applied to it. */
import { LAST_USED_WRITE_INTERVAL_MS, expiryAfter } from "../../../functions/domain/model.ts";

export const ADMIN = "root";
export const ADMIN_PERMISSION = "api-tokens:admin";
export const PEOPLE = [
  { org: "A", user: "ann" },
  { org: "A", user: "bob" },
  { org: "B", user: "ann" },
] as const;
export const ORGS = ["A", "B"] as const;
export type OrgLabel = (typeof ORGS)[number];
export const ACCESS = [
  { name: "Ann Lovelace", permissions: ["reports:read"], groups: ["finance"], sites: ["london"] },
  { name: "Ann L.", permissions: ["reports:read", "exports:write"], groups: [], sites: ["paris", "rome"] },
  { name: "Ann", permissions: [], groups: ["ops"], sites: [] },
];
/** Display names an `Organization Settings Changed` may carry (or none: the stored one stays). */
export const ORG_NAMES = ["Acme", "Acme Corp"];
export const SERVICE_PERMISSIONS = [["reports:read"], ["exports:write", "reports:read"], []];
export const BASE_EVENT_TIME = Date.parse("2026-01-01T00:00:00Z");
export const at = (t: number) => new Date(BASE_EVENT_TIME + t * 1000).toISOString();

// ---- the reference model ---------------------------------------------------------------------------------

export type MemberStatus = "none" | "active" | "deactivated" | "removed";
export interface Access {
  name: string;
  permissions: readonly string[];
  groups: readonly string[];
  sites: readonly string[];
}
export interface ModelMember {
  status: MemberStatus;
  lastEventAt: number;
  access: Access;
  /** `t` of the applied upsert that set `access.name`; undefined until one did (GET /v1/me names by the newest). */
  nameAt?: number;
}
export interface ModelToken {
  id: string;
  secret: string;
  org: OrgLabel;
  kind: "user" | "service_user";
  ownerId: string;
  lastUsedAt: number | null;
  expiresAt: number;
  revoked: boolean;
  /** A request (verification, login, the owner's list or generate) found it expired: its record must exist. */
  expiryFound: boolean;
  /** Rotation: replaced, working until then (ms); past it the token verifies as revoked. */
  graceEndsAt?: number;
  /** Rotation: the token this one replaced. */
  replaces?: string;
}
export interface ModelServiceUser {
  id: string;
  org: OrgLabel;
  name: string;
  permissions: readonly string[];
  deleted: boolean;
}
export type LifecycleEvent =
  | { type: "upsert"; org: OrgLabel; user: string; t: number; access: number }
  | { type: "deactivate" | "reactivate" | "remove"; org: OrgLabel; user: string; t: number }
  | { type: "organizationDeleted"; org: OrgLabel; t: number }
  | { type: "settingsChanged"; org: OrgLabel; t: number; ssoEnforced: boolean; name?: number | undefined };

export interface Model {
  /** The person's id in this run (a person known only from events is named by it until an upsert). */
  uid: (user: string) => string;
  now: number;
  orgs: Record<OrgLabel, { deleted: boolean; lastEventAt: number; ssoEnforced: boolean; name: string | null }>;
  /** Password throttling, per person across organizations: recent failures and the lock's end (ms). */
  throttle: Map<string, { failedAt: number[]; lockedUntil: number }>;
  members: Map<string, ModelMember>;
  tokens: ModelToken[];
  serviceUsers: ModelServiceUser[];
  delivered: LifecycleEvent[];
}

export const memberKey = (org: OrgLabel, user: string) => `${org}/${user}`;
export const member = (m: Model, org: OrgLabel, user: string): ModelMember =>
  m.members.get(memberKey(org, user)) ?? {
    status: "none",
    lastEventAt: -Infinity,
    access: { name: m.uid(user), permissions: [], groups: [], sites: [] },
  };
/** A rotated token past its grace: it verifies as revoked; its record is written by the first request that finds it. */
export const isPastGrace = (m: Model, token: ModelToken) => token.graceEndsAt !== undefined && token.graceEndsAt <= m.now;
export const isLive = (m: Model, token: ModelToken) => !token.revoked && token.expiresAt * 1000 > m.now && !isPastGrace(m, token);
export const isExpiredUnrevoked = (m: Model, token: ModelToken) =>
  !token.revoked && token.expiresAt * 1000 <= m.now && !isPastGrace(m, token);
/** Counts toward the limits: not in a rotation's grace (API.md "Rotation"). */
export const counted = (token: ModelToken) => token.graceEndsAt === undefined;
export const liveUserTokens = (m: Model, org: OrgLabel, user: string) =>
  m.tokens.filter((t) => t.kind === "user" && t.org === org && t.ownerId === user && isLive(m, t));
export const liveServiceTokens = (m: Model, org: OrgLabel) =>
  m.tokens.filter((t) => t.kind === "service_user" && t.org === org && isLive(m, t));
export const adminIsActive = (m: Model, org: OrgLabel) => member(m, org, ADMIN).status === "active";
/** A request that reads these tokens records what it finds: expiries, and the ends of rotations' graces. */
export const findExpired = (m: Model, tokens: readonly ModelToken[]) => {
  for (const token of tokens) {
    if (isExpiredUnrevoked(m, token)) token.expiryFound = true;
    if (!token.revoked && isPastGrace(m, token)) token.revoked = true;
  }
};

/** API.md "User-lifecycle events": what an event does to the model, if it applies. */
export function applyEvent(m: Model, event: LifecycleEvent): void {
  const org = m.orgs[event.org];
  if (org.deleted) return; // later events for a deleted organization change nothing
  if (event.type === "settingsChanged") {
    if (event.t <= org.lastEventAt) return;
    org.lastEventAt = event.t;
    org.ssoEnforced = event.ssoEnforced;
    if (event.name !== undefined) org.name = ORG_NAMES[event.name]!;
    return;
  }
  if (event.type === "organizationDeleted") {
    if (event.t <= org.lastEventAt) return;
    org.deleted = true;
    org.lastEventAt = event.t;
    for (const token of m.tokens) if (token.org === event.org && isLive(m, token)) token.revoked = true;
    for (const [key, value] of m.members) if (key.startsWith(`${event.org}/`)) value.status = "removed";
    for (const su of m.serviceUsers) if (su.org === event.org) su.deleted = true;
    return;
  }
  const current = member(m, event.org, event.user);
  if (event.t <= current.lastEventAt) return; // stale or a duplicate
  const next: ModelMember = { ...current, lastEventAt: event.t };
  switch (event.type) {
    case "upsert":
      next.access = ACCESS[event.access]!;
      next.nameAt = event.t;
      if (current.status === "none" || current.status === "removed") next.status = "active";
      break;
    case "deactivate":
      next.status = current.status === "removed" ? "removed" : "deactivated";
      break;
    case "reactivate":
      if (current.status === "deactivated") next.status = "active";
      break;
    case "remove":
      next.status = "removed";
      break;
  }
  if (event.type === "deactivate" || event.type === "remove") {
    for (const token of liveUserTokens(m, event.org, event.user)) token.revoked = true;
  }
  m.members.set(memberKey(event.org, event.user), next);
}

/** The access a live token must carry right now. */
export function expectedAccess(m: Model, token: ModelToken): Access {
  if (token.kind === "user") return member(m, token.org, token.ownerId).access;
  const su = m.serviceUsers.find((s) => s.id === token.ownerId)!;
  return { name: su.name, permissions: su.permissions, groups: [], sites: [] };
}

/** A verification or login uses the token: the first use at once, then at most once per interval. */
export function recordUse(m: Model, token: ModelToken): void {
  if (token.lastUsedAt === null || m.now - token.lastUsedAt >= LAST_USED_WRITE_INTERVAL_MS) {
    token.lastUsedAt = m.now;
    token.expiresAt = expiryAfter(new Date(m.now));
  }
}

/** API.md "Password throttling": 5 failures in a row within 15 minutes lock generation for 15 minutes. */
export const WINDOW_MS = 15 * 60_000;
export const throttleOf = (m: Model, user: string) => {
  if (!m.throttle.has(user)) m.throttle.set(user, { failedAt: [], lockedUntil: 0 });
  return m.throttle.get(user)!;
};
export const recentFailures = (m: Model, user: string) => throttleOf(m, user).failedAt.filter((at) => at > m.now - WINDOW_MS);
export const isLocked = (m: Model, user: string) => throttleOf(m, user).lockedUntil > m.now || recentFailures(m, user).length >= 5;
/** A password check: a right one resets the count, a wrong or missing one counts (the 5th locks). */
export function checkPassword(m: Model, user: string, right: boolean): boolean {
  const throttle = throttleOf(m, user);
  if (right) {
    throttle.failedAt = [];
    throttle.lockedUntil = 0;
    return true;
  }
  throttle.failedAt = [...recentFailures(m, user), m.now].slice(-5);
  if (throttle.failedAt.length >= 5) throttle.lockedUntil = m.now + WINDOW_MS;
  return false;
}
