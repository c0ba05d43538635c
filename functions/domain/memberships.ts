import { z } from "zod";
import { isActive, type MembershipRecord } from "./model.ts";
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
      const liveTokens = current ? (await store.getTokens(current.tokenIds)).filter((t) => isActive(t, now)) : [];
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
