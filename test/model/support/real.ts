/** The system under test for the model-based test: the real domain on the real DynamoDB store, and the check that it agrees with the model. */
import { expect } from "vitest";
import type { AdjustableClock } from "../../../functions/adapters/clock/clocks.ts";
import type { DynamoDbTokenStore } from "../../../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { requireActiveMember } from "../../../functions/domain/access.ts";
import { DomainError } from "../../../functions/domain/errors.ts";
import type { Memberships } from "../../../functions/domain/memberships.ts";
import {
  SERVICE_USER_TOKEN_LIMIT,
  USER_TOKEN_LIMIT,
  type ActivityRecord,
  type MembershipRecord,
  type TokenEvent,
} from "../../../functions/domain/model.ts";
import type { OrganizationTokens } from "../../../functions/domain/organization-tokens.ts";
import type { ServiceUsers } from "../../../functions/domain/service-users.ts";
import type { UserTokens } from "../../../functions/domain/user-tokens.ts";
import type { TokenVerifier } from "../../../functions/domain/verification.ts";
import type { FakePasswordCheck } from "../../support/domain-harness.ts";
import {
  ADMIN,
  ADMIN_PERMISSION,
  ORGS,
  ORG_NAMES,
  type OrgLabel,
  ACCESS,
  at,
  type LifecycleEvent,
  type Model,
  expectedAccess,
  isPastGrace,
} from "./model.ts";

// ---- the system under test -------------------------------------------------------------------------------

export interface Real {
  orgIds: Record<OrgLabel, string>;
  /** People's ids are unique per run too: password throttling is per person across organizations. */
  uid: (user: string) => string;
  clock: AdjustableClock;
  store: DynamoDbTokenStore;
  memberships: Memberships;
  userTokens: UserTokens;
  serviceUsers: ServiceUsers;
  organizationTokens: OrganizationTokens;
  verifier: TokenVerifier;
  passwords: FakePasswordCheck;
  /** Every token event in the outbox of an organization's activity records, in record order (oldest first). */
  outbox: (orgId: string) => Promise<TokenEvent[]>;
}

export const outcome = async <T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string }> => {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, code: error.code };
    throw error;
  }
};

export async function requireAdmin(r: Real, org: OrgLabel): Promise<MembershipRecord> {
  const admin = await requireActiveMember(r.store, r.orgIds[org], r.uid(ADMIN));
  if (!admin.permissions.includes(ADMIN_PERMISSION)) throw new DomainError("forbidden", "not an admin");
  return admin;
}

export async function deliver(r: Real, event: LifecycleEvent): Promise<void> {
  const orgId = r.orgIds[event.org];
  const occurredAt = at(event.t);
  switch (event.type) {
    case "upsert": {
      const access = ACCESS[event.access]!;
      await r.memberships.applyUserUpserted({
        orgId,
        userId: r.uid(event.user),
        name: access.name,
        permissions: [...access.permissions],
        groups: [...access.groups],
        sites: [...access.sites],
        occurredAt,
      });
      return;
    }
    case "deactivate":
      await r.memberships.applyUserDeactivated({ orgId, userId: r.uid(event.user), occurredAt });
      return;
    case "reactivate":
      await r.memberships.applyUserReactivated({ orgId, userId: r.uid(event.user), occurredAt });
      return;
    case "remove":
      await r.memberships.applyUserRemoved({ orgId, userId: r.uid(event.user), occurredAt });
      return;
    case "organizationDeleted":
      await r.memberships.applyOrganizationDeleted({ orgId, occurredAt });
      return;
    case "settingsChanged":
      await r.memberships.applyOrganizationSettingsChanged({
        orgId,
        ssoEnforced: event.ssoEnforced,
        ...(event.name === undefined ? {} : { name: ORG_NAMES[event.name]! }),
        occurredAt,
      });
      return;
  }
}

export async function allActivity(r: Real, org: OrgLabel): Promise<ActivityRecord[]> {
  const records: ActivityRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await r.store.listActivity(r.orgIds[org], 200, cursor);
    records.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return records;
}

/** After every command: the store agrees with the model. */
export async function checkInvariants(m: Model, r: Real): Promise<void> {
  const stored = new Map((await r.store.getTokens(m.tokens.map((t) => t.id))).map((t) => [t.id, t]));
  const now = r.clock.now().getTime();
  const activeCount = new Map<string, number>();
  const countedCount = new Map<string, number>();
  const revokedNow = new Set<string>();
  for (const token of m.tokens) {
    const item = stored.get(token.id);
    expect(item, `token ${token.id} exists`).toBeDefined();
    // A grace that ran out is recorded by whichever request reads the token first (a membership event too): either is right until the model has seen one.
    const revoked = token.revoked || (isPastGrace(m, token) && item!.status === "revoked");
    if (revoked) revokedNow.add(token.id);
    expect({ token: token.id, status: item!.status }).toEqual({ token: token.id, status: revoked ? "revoked" : "active" });
    expect({ token: token.id, expiresAt: item!.expiresAt }).toEqual({ token: token.id, expiresAt: token.expiresAt });
    expect({ token: token.id, inGrace: item!.graceEndsAt !== undefined }).toEqual({
      token: token.id,
      inGrace: token.graceEndsAt !== undefined,
    });
    const active = item!.status === "active" && item!.expiresAt * 1000 > now && !isPastGrace(m, token);
    if (!active) continue;
    const { name, permissions, groups, sites } = item!.principal;
    expect({ token: token.id, access: { name, permissions, groups, sites } }).toEqual({
      token: token.id,
      access: expectedAccess(m, token),
    });
    const owner = token.kind === "user" ? `${token.org}/${token.ownerId}` : `${token.org}/service`;
    activeCount.set(owner, (activeCount.get(owner) ?? 0) + 1);
    if (item!.graceEndsAt === undefined) countedCount.set(owner, (countedCount.get(owner) ?? 0) + 1);
  }
  // API.md "Rotation": at most the limit not in a grace, at most twice the limit working.
  const limitOf = (owner: string) => (owner.endsWith("/service") ? SERVICE_USER_TOKEN_LIMIT : USER_TOKEN_LIMIT);
  for (const [owner, count] of countedCount) expect(count, `counted tokens of ${owner}`).toBeLessThanOrEqual(limitOf(owner));
  for (const [owner, count] of activeCount) expect(count, `working tokens of ${owner}`).toBeLessThanOrEqual(2 * limitOf(owner));
  for (const org of ORGS) {
    const records = await allActivity(r, org);
    for (const token of m.tokens.filter((t) => t.org === org)) {
      const revocations = records.filter((x) => x.action === "token.revoked" && x.tokenId === token.id).length;
      const expiries = records.filter((x) => x.action === "token.expired" && x.tokenId === token.id).length;
      expect({ token: token.id, revocations }).toEqual({ token: token.id, revocations: revokedNow.has(token.id) ? 1 : 0 });
      expect(expiries, `token.expired records of ${token.id}`).toBeLessThanOrEqual(1);
      if (token.expiryFound) expect({ token: token.id, expiries }).toEqual({ token: token.id, expiries: 1 });
    }
    await checkOutbox(m, r, org, records);
  }
}

/**
 * API.md "Token events out": each token's events are its changes, one each (created once, revoked or expired as
 * often as the log says: at most once; rotated once if replaced), numbered in the order they happened with no
 * number twice, and every eventId is its own. Expiry warnings have items of their own (not read here), so the
 * numbers read here may skip theirs.
 */
async function checkOutbox(m: Model, r: Real, org: OrgLabel, records: ActivityRecord[]): Promise<void> {
  const events = await r.outbox(r.orgIds[org]);
  const ids = events.map((e) => e.detail.eventId);
  expect(new Set(ids).size, "every eventId is its own").toBe(ids.length);
  for (const token of m.tokens.filter((t) => t.org === org)) {
    const mine = events.filter((e) => e.detail.tokenId === token.id || e.detail.oldTokenId === token.id);
    const count = (type: TokenEvent["detailType"]) => mine.filter((e) => e.detailType === type).length;
    const logged = (action: string) => records.filter((x) => x.action === action && x.tokenId === token.id).length;
    expect({ token: token.id, events: [count("Token Created"), count("Token Revoked"), count("Token Expired")] }).toEqual({
      token: token.id,
      events: [1, logged("token.revoked"), logged("token.expired")],
    });
    const replaced = records.filter((x) => x.action === "token.rotated" && x.detail?.oldTokenId === token.id).length;
    expect({ token: token.id, rotated: count("Token Rotated") }).toEqual({ token: token.id, rotated: replaced });
    // Numbered in the order they happened (the records' times; equal when the model's clock stands still).
    const bySequence = [...mine].sort((a, b) => a.detail.sequence - b.detail.sequence);
    const sequences = bySequence.map((e) => e.detail.sequence);
    expect({ token: token.id, distinct: new Set(sequences).size }).toEqual({ token: token.id, distinct: sequences.length });
    expect(bySequence[0]?.detailType, `the first event of ${token.id}`).toBe("Token Created");
    expect(sequences[0], `the first event of ${token.id}`).toBe(1);
    const times = bySequence.map((e) => String(e.detail.at));
    expect({ token: token.id, times }).toEqual({ token: token.id, times: [...times].sort() });
  }
}

// ---- commands ----------------------------------------------------------------------------------------------
