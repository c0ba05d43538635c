import { z } from "zod";
import { activeTokensAmong, activity, tokenDetail, userTokensOf } from "./activity.ts";
import { SYSTEM_ACTOR, type MembershipRecord, type MembershipStatus, type TokenRecord } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";
import { accessListSchema, idSchema, instantSchema, nameSchema } from "./schemas.ts";

/**
 * The membership projection: who belongs to which organization, with their access, fed by the platform's
 * user events (API.md "User-lifecycle events"). Events come at least once and in any order, so each is
 * applied only if it is newer than the last one applied to that membership or organization.
 */

// Events from another team may gain fields over time: unknown fields are ignored, known ones checked strictly.
export const userUpsertedSchema = z.object({
  orgId: idSchema,
  userId: idSchema,
  name: nameSchema,
  permissions: accessListSchema,
  groups: accessListSchema,
  sites: accessListSchema,
  occurredAt: instantSchema,
});
export type UserUpserted = z.infer<typeof userUpsertedSchema>;

/** `User Deactivated`, `User Reactivated`, `User Removed From Organization`. */
export const membershipStatusEventSchema = z.object({
  orgId: idSchema,
  userId: idSchema,
  occurredAt: instantSchema,
});
export type MembershipStatusEvent = z.infer<typeof membershipStatusEventSchema>;

export const organizationSettingsChangedSchema = z.object({
  orgId: idSchema,
  ssoEnforced: z.boolean(),
  occurredAt: instantSchema,
});
export type OrganizationSettingsChanged = z.infer<typeof organizationSettingsChangedSchema>;

export type ApplyOutcome = "applied" | "stale";

const isNewer = (occurredAt: string, lastEventAt: string | undefined) =>
  lastEventAt === undefined || Date.parse(occurredAt) > Date.parse(lastEventAt);

export class Memberships {
  constructor(private readonly deps: { store: TokenStore; clock: Clock }) {}

  /** Creates the membership (active, also after a removal) or updates name and access; never reactivates. */
  async applyUserUpserted(event: UserUpserted): Promise<ApplyOutcome> {
    const { store } = this.deps;
    return retryOnConflict(async () => {
      const current = await store.getMembership(event.orgId, event.userId);
      if (current && !isNewer(event.occurredAt, current.lastEventAt)) return "stale";
      // The token list is rewritten with the access, so only tokens that can still verify are kept.
      const now = this.deps.clock.now();
      const liveTokens = current ? await activeTokensAmong(this.deps, current.tokenIds, { now, belongs: userTokensOf(current) }) : [];
      const next: MembershipRecord = {
        orgId: event.orgId,
        userId: event.userId,
        name: event.name,
        permissions: event.permissions,
        groups: event.groups,
        sites: event.sites,
        status: !current || current.status === "removed" ? "active" : current.status,
        lastEventAt: event.occurredAt,
        tokenIds: liveTokens.map((t) => t.id),
        version: (current?.version ?? 0) + 1,
      };
      await store.saveMembership(next, current?.version);
      return "applied";
    });
  }

  /** Deactivated: every user token of the person in this organization is revoked, by System. */
  applyUserDeactivated(event: MembershipStatusEvent): Promise<ApplyOutcome> {
    return this.endMembership(event, "deactivated", "user_deactivated");
  }

  /** Removed from the organization: every user token of the person there is revoked, by System. */
  applyUserRemoved(event: MembershipStatusEvent): Promise<ApplyOutcome> {
    return this.endMembership(event, "removed", "user_removed");
  }

  /** Active again; tokens revoked at deactivation stay revoked. A removed person comes back only by an upsert. */
  async applyUserReactivated(event: MembershipStatusEvent): Promise<ApplyOutcome> {
    const { store } = this.deps;
    return retryOnConflict(async () => {
      const current = await store.getMembership(event.orgId, event.userId);
      if (current && !isNewer(event.occurredAt, current.lastEventAt)) return "stale";
      const base = current ?? placeholder(event, "active");
      await store.saveMembership(
        {
          ...base,
          status: base.status === "removed" ? "removed" : "active",
          lastEventAt: event.occurredAt,
          tokenIds: [],
          version: (current?.version ?? 0) + 1,
        },
        current?.version,
      );
      return "applied";
    });
  }

  /**
   * One transaction: the membership's new status, every still-active user token of the person here revoked,
   * and one `token.revoked` record per token. Either all of it happens or none, so a redelivered event
   * finishes the job, and a duplicate finds the event already applied and changes nothing.
   */
  private async endMembership(
    event: MembershipStatusEvent,
    status: Exclude<MembershipStatus, "active">,
    reason: "user_deactivated" | "user_removed",
  ): Promise<ApplyOutcome> {
    const { store, clock } = this.deps;
    return retryOnConflict(async () => {
      const current = await store.getMembership(event.orgId, event.userId);
      if (current && !isNewer(event.occurredAt, current.lastEventAt)) return "stale";
      // An event that overtook the person's first `User Upserted` still counts: that upsert will be stale.
      const base = current ?? placeholder(event, status);
      const now = clock.now();
      const revoke = await activeTokensAmong(this.deps, base.tokenIds, { now, belongs: userTokensOf(base) });
      await store.saveMembership(
        { ...base, status, lastEventAt: event.occurredAt, tokenIds: [], version: (current?.version ?? 0) + 1 },
        current?.version,
        this.systemRevocation(revoke, now, { reason }),
      );
      return "applied";
    });
  }

  /**
   * The operator's "revoke all tokens of a person in an organization" (incident response). The membership
   * stays as it is; every active user token of the person there is revoked in one transaction, each with a
   * System record naming the operator and why. Safe to repeat: a second run finds nothing to revoke.
   */
  async revokeAllUserTokens(input: {
    orgId: string;
    userId: string;
    operator: string;
    reason: string;
    dryRun: boolean;
  }): Promise<{ revoked: string[]; dryRun: boolean }> {
    const { store, clock } = this.deps;
    return retryOnConflict(async () => {
      const current = await store.getMembership(input.orgId, input.userId);
      if (!current) return { revoked: [], dryRun: input.dryRun };
      const now = clock.now();
      // A dry run writes nothing, not even the expiry records of tokens it finds expired.
      const revoke = await activeTokensAmong(this.deps, current.tokenIds, {
        now,
        belongs: userTokensOf(current),
        recordExpired: !input.dryRun,
      });
      if (input.dryRun || revoke.length === 0) return { revoked: revoke.map((t) => t.id), dryRun: input.dryRun };
      await store.saveMembership(
        { ...current, tokenIds: [], version: current.version + 1 },
        current.version,
        this.systemRevocation(revoke, now, { reason: "operator", operator: input.operator, note: input.reason }),
      );
      return { revoked: revoke.map((t) => t.id), dryRun: false };
    });
  }

  /** Revocation of `tokens` by System, one `token.revoked` record each, for `saveMembership`'s transaction. */
  private systemRevocation(tokens: readonly TokenRecord[], now: Date, detail: Record<string, unknown>) {
    return {
      tokens,
      revokedAt: now.toISOString(),
      activity: tokens.map((token) =>
        activity(this.deps.clock, token.orgId, "token.revoked", SYSTEM_ACTOR, {
          tokenId: token.id,
          detail: { ...tokenDetail(token), ...detail },
        }),
      ),
    };
  }

  async applyOrganizationSettingsChanged(event: OrganizationSettingsChanged): Promise<ApplyOutcome> {
    const { store } = this.deps;
    return retryOnConflict(async () => {
      const current = await store.getOrganizationSettings(event.orgId);
      if (current && !isNewer(event.occurredAt, current.lastEventAt)) return "stale";
      await store.saveOrganizationSettings(
        {
          orgId: event.orgId,
          ssoEnforced: event.ssoEnforced,
          lastEventAt: event.occurredAt,
          version: (current?.version ?? 0) + 1,
        },
        current?.version,
      );
      return "applied";
    });
  }
}

/** A membership known only from a status event: no name or access until its `User Upserted` arrives. */
const placeholder = (event: MembershipStatusEvent, status: MembershipStatus): MembershipRecord => ({
  orgId: event.orgId,
  userId: event.userId,
  name: event.userId,
  permissions: [],
  groups: [],
  sites: [],
  status,
  lastEventAt: event.occurredAt,
  tokenIds: [],
  version: 0,
});
