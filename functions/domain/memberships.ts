import * as z from "zod/mini";
import { liveUserTokens, revokedRecord, tokenDetail } from "./activity.ts";
import type { RevocationReason } from "./token-events.ts";
import { SYSTEM_ACTOR, type MembershipRecord, type TokenRecord } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";
import { ServiceUsers } from "./service-users.ts";
import { accessListSchema, idSchema, instantSchema, nameSchema } from "./schemas.ts";

/**
 * The membership projection: who belongs to which organization, with their access, fed by the platform's
 * user events (API.md "User-lifecycle events"). Events come at least once and in any order, so each is
 * applied only if it is newer than the last one applied to that membership or organization; an applied event
 * always moves that time forward, even where it changes nothing else.
 *
 * What holds under any order: a membership save never writes a person's token set (only token writes do),
 * and it rewrites the access copy on, or revokes, exactly the live tokens of that set in the same
 * transaction, conditioned on the set being unchanged. So no live token can fall out of its set, every live
 * token carries its owner's newest applied access, and a deactivation or removal reaches every one of them.
 * The model-based test (test/model/) checks this against random event orders.
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
  /** The organization's display name (optional: an event without it leaves the stored name as it is). */
  name: z.optional(nameSchema),
  occurredAt: instantSchema,
});
export type OrganizationSettingsChanged = z.infer<typeof organizationSettingsChangedSchema>;

export const organizationDeletedSchema = z.object({
  orgId: idSchema,
  occurredAt: instantSchema,
});
export type OrganizationDeleted = z.infer<typeof organizationDeletedSchema>;

export type ApplyOutcome = "applied" | "stale";

const isNewer = (occurredAt: string, lastEventAt: string | undefined) =>
  lastEventAt === undefined || Date.parse(occurredAt) > Date.parse(lastEventAt);

type Deps = { store: TokenStore; clock: Clock };
type Revocation = { reason: RevocationReason } & Record<string, unknown>;

export class Memberships {
  constructor(private readonly deps: Deps) {}

  /** Creates the membership (active, also after a removal) or updates name and access; never reactivates. */
  applyUserUpserted(event: UserUpserted): Promise<ApplyOutcome> {
    return this.apply(event, (current) => ({
      name: event.name,
      permissions: event.permissions,
      groups: event.groups,
      sites: event.sites,
      nameAt: event.occurredAt,
      status: current.status === "removed" || current.status === "unknown" ? "active" : current.status,
    }));
  }

  /** Deactivated: every user token of the person in this organization is revoked, by System. A removed person stays removed. */
  applyUserDeactivated(event: MembershipStatusEvent): Promise<ApplyOutcome> {
    return this.apply(event, (current) => ({ status: current.status === "removed" ? "removed" : "deactivated" }), {
      reason: "user_deactivated",
    });
  }

  /** Removed from the organization: every user token of the person there is revoked, by System. */
  applyUserRemoved(event: MembershipStatusEvent): Promise<ApplyOutcome> {
    return this.apply(event, () => ({ status: "removed" }), { reason: "user_removed" });
  }

  /**
   * A deactivated membership is active again (tokens revoked at deactivation stay revoked). On an active or a
   * removed membership it changes nothing but its time: only an upsert re-admits a removed person.
   */
  applyUserReactivated(event: MembershipStatusEvent): Promise<ApplyOutcome> {
    return this.apply(event, (current) => ({ status: current.status === "deactivated" ? "active" : current.status }));
  }

  /**
   * Every membership event, in one transaction: the membership's new state and time, and the person's live
   * tokens brought in step (access copy rewritten, or with `revocation` each revoked with a System record).
   * Either all of it happens or none, so a redelivered event finishes the job, and a duplicate finds the event
   * already applied and changes nothing. Events for a deleted organization change nothing.
   */
  private async apply(
    event: MembershipStatusEvent,
    change: (current: MembershipRecord) => Partial<MembershipRecord>,
    revocation?: Revocation,
  ): Promise<ApplyOutcome> {
    const { store, clock } = this.deps;
    return retryOnConflict(async () => {
      if ((await store.getOrganizationSettings(event.orgId))?.deletedAt) return "stale";
      const stored = await store.getMembership(event.orgId, event.userId);
      if (stored && !isNewer(event.occurredAt, stored.lastEventAt)) return "stale";
      // An event that overtook the person's first `User Upserted` still counts: that upsert will be stale.
      const current = stored ?? notYetAMember(event);
      const next: MembershipRecord = {
        ...current,
        ...change(current),
        lastEventAt: event.occurredAt,
        version: (stored?.version ?? 0) + 1,
      };
      const now = clock.now();
      const { tokenSet, live } = await liveUserTokens(this.deps, event, { now });
      await store.saveMembership(next, stored?.version, {
        tokenSet,
        live,
        ...(revocation ? { revoke: this.systemRevocation(live, now, revocation) } : {}),
      });
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
      const { tokenSet, live } = await liveUserTokens(this.deps, input, { now, recordExpired: !input.dryRun });
      const revoked = live.map((t) => t.id);
      if (input.dryRun || live.length === 0) return { revoked, dryRun: input.dryRun };
      await store.saveMembership(
        { ...current, version: current.version + 1 },
        current.version,
        { tokenSet, live, revoke: this.systemRevocation(live, now, { reason: "operator", operator: input.operator, note: input.reason }) },
        { allowDeletedOrganization: true },
      );
      return { revoked, dryRun: false };
    });
  }

  /** Revocation of `tokens` by System, one `token.revoked` record each, for `saveMembership`'s transaction. */
  private systemRevocation(tokens: readonly TokenRecord[], now: Date, detail: Revocation) {
    return {
      revokedAt: now.toISOString(),
      activity: tokens.map((token) =>
        revokedRecord(this.deps.clock, token, SYSTEM_ACTOR, detail.reason, { ...tokenDetail(token), ...detail }),
      ),
    };
  }

  async applyOrganizationSettingsChanged(event: OrganizationSettingsChanged): Promise<ApplyOutcome> {
    const { store } = this.deps;
    return retryOnConflict(async () => {
      const current = await store.getOrganizationSettings(event.orgId);
      if (current?.deletedAt || (current && !isNewer(event.occurredAt, current.lastEventAt))) return "stale";
      const name = event.name ?? current?.name;
      await store.saveOrganizationSettings(
        {
          orgId: event.orgId,
          ssoEnforced: event.ssoEnforced,
          ...(name === undefined ? {} : { name }),
          lastEventAt: event.occurredAt,
          version: (current?.version ?? 0) + 1,
        },
        current?.version,
      );
      return "applied";
    });
  }

  /**
   * The organization left the platform. First a tombstone on its settings (from then on nothing joins it: no
   * membership is saved, no service user made), then every membership ends (removed) with its live user tokens
   * revoked, and every service user is deleted with its tokens, each by System with reason
   * `organization_deleted`, one transaction per person or service user. Every delivery of the deletion runs the
   * clean-up again, so a failure part-way is finished by EventBridge's redelivery; what is done stays done.
   */
  async applyOrganizationDeleted(event: OrganizationDeleted): Promise<ApplyOutcome> {
    const { store, clock } = this.deps;
    const outcome = await retryOnConflict(async (): Promise<ApplyOutcome | "deleted before"> => {
      const current = await store.getOrganizationSettings(event.orgId);
      if (current?.deletedAt) return "deleted before";
      if (current && !isNewer(event.occurredAt, current.lastEventAt)) return "stale";
      await store.saveOrganizationSettings(
        {
          orgId: event.orgId,
          ssoEnforced: current?.ssoEnforced ?? false,
          ...(current?.name === undefined ? {} : { name: current.name }),
          lastEventAt: event.occurredAt,
          deletedAt: event.occurredAt,
          version: (current?.version ?? 0) + 1,
        },
        current?.version,
      );
      return "applied";
    });
    if (outcome === "stale") return "stale";

    const reason: Revocation = { reason: "organization_deleted" };
    for (const membership of await store.listMemberships(event.orgId)) {
      await retryOnConflict(async () => {
        const current = await store.getMembership(membership.orgId, membership.userId);
        if (!current) return;
        const now = clock.now();
        const { tokenSet, live } = await liveUserTokens(this.deps, current, { now });
        if (current.status === "removed" && live.length === 0) return;
        await store.saveMembership(
          { ...current, status: "removed", version: current.version + 1 },
          current.version,
          { tokenSet, live, revoke: this.systemRevocation(live, now, reason) },
          { allowDeletedOrganization: true },
        );
      });
    }
    await new ServiceUsers(this.deps).deleteAll(event.orgId, SYSTEM_ACTOR, "organization_deleted");
    return outcome === "applied" ? "applied" : "stale";
  }
}

/**
 * Someone known only from a status event that overtook their first `User Upserted`: no name or access yet,
 * and not a member until the event says so (`unknown`, which a deactivation or a newer upsert changes).
 */
const notYetAMember = (event: MembershipStatusEvent): MembershipRecord => ({
  orgId: event.orgId,
  userId: event.userId,
  name: event.userId,
  permissions: [],
  groups: [],
  sites: [],
  status: "unknown",
  lastEventAt: event.occurredAt,
  version: 0,
});
