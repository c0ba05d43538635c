import { activeTokensAmong, activity, personActor, revokedRecord, tokenDetail } from "./activity.ts";
import { tokenEvents, type RevocationReason } from "./token-events.ts";
import { DomainError, notFound } from "./errors.ts";
import { isValidId } from "./ids.ts";
import {
  SERVICE_USER_TOKEN_LIMIT,
  countsTowardLimit,
  idsOwnedBy,
  isActive,
  newestFirst,
  toTokenView,
  type Actor,
  type MembershipRecord,
  type ServiceUserRecord,
  type TokenRecord,
  type TokenView,
} from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";
import { revokeVisibleToken } from "./revocation.ts";
import { newToken } from "./new-token.ts";
import { rotateToken } from "./rotation.ts";
import { randomBase62 } from "./token-secret.ts";
import type { CreatedToken } from "./user-tokens.ts";

/** API.md `ServiceUser`. */
export interface ServiceUserView {
  id: string;
  name: string;
  permissions: string[];
  createdAt: string;
  createdBy: string;
  activeTokenCount: number;
}

/**
 * Service users: system identities of one organization that admins make and give permissions. They are
 * never members and hold no seat; their tokens have no group or site access control, cannot log in, and are
 * untouched by people changes. At most 20 of their tokens are active per organization, all together.
 * Every method here is for an admin (`admin` is the acting admin's membership).
 */
export class ServiceUsers {
  constructor(private readonly deps: { store: TokenStore; clock: Clock }) {}

  async create(admin: MembershipRecord, input: { name: string; permissions: string[] }): Promise<ServiceUserView> {
    return retryOnConflict(() => this.createOnce(admin, input));
  }

  private async createOnce(admin: MembershipRecord, input: { name: string; permissions: string[] }): Promise<ServiceUserView> {
    // The write is refused once the organization is deleted; the admin's membership ended with it.
    if ((await this.deps.store.getOrganizationSettings(admin.orgId))?.deletedAt) {
      throw new DomainError("forbidden", "You are not an active member of this organization.");
    }
    const now = this.deps.clock.now();
    const serviceUser: ServiceUserRecord = {
      orgId: admin.orgId,
      id: newServiceUserId(now),
      name: input.name,
      permissions: input.permissions,
      createdAt: now.toISOString(),
      createdBy: admin.userId,
      version: 1,
    };
    await this.deps.store.createServiceUser(
      serviceUser,
      activity(this.deps.clock, admin.orgId, "service_user.created", personActor(admin), {
        detail: { serviceUserId: serviceUser.id, name: serviceUser.name, permissions: serviceUser.permissions },
      }),
    );
    return toView(serviceUser, 0);
  }

  async list(orgId: string, limit: number, cursor: string | undefined) {
    const page = await this.deps.store.listServiceUsers(orgId, limit, cursor);
    const counts = await this.activeTokenCounts(orgId);
    let active = 0;
    for (const count of counts.values()) active += count;
    return {
      serviceUsers: page.items.map((serviceUser) => toView(serviceUser, counts.get(serviceUser.id) ?? 0)),
      // API.md: the organization's active service-user tokens against the limit, whatever the page.
      serviceTokens: { active, limit: SERVICE_USER_TOKEN_LIMIT } as const,
      nextCursor: page.nextCursor,
    };
  }

  /** Takes effect on the next verification of its tokens: their access copy is rewritten in the same write. */
  async update(admin: MembershipRecord, serviceUserId: string, patch: { name?: string; permissions?: string[] }): Promise<ServiceUserView> {
    return retryOnConflict(async () => {
      const current = await this.require(admin.orgId, serviceUserId);
      const tokenSet = await this.deps.store.getTokenSet(admin.orgId);
      const tokens = await this.deps.store.getTokens(idsOwnedBy(tokenSet, current.id));
      const next: ServiceUserRecord = {
        ...current,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.permissions !== undefined ? { permissions: patch.permissions } : {}),
        version: current.version + 1,
      };
      await this.deps.store.updateServiceUser(
        next,
        current.version,
        tokenSet,
        tokens.map((token) => token.id),
        activity(this.deps.clock, admin.orgId, "service_user.updated", personActor(admin), {
          detail: {
            serviceUserId: next.id,
            changed: Object.keys(patch).filter((key) => patch[key as keyof typeof patch] !== undefined),
            name: next.name,
            permissions: next.permissions,
          },
        }),
      );
      const now = this.deps.clock.now();
      return toView(next, tokens.filter((token) => isActive(token, now)).length);
    });
  }

  /** Deletes the service user and revokes all its tokens, in one write with one record per change. */
  async delete(admin: MembershipRecord, serviceUserId: string): Promise<void> {
    await this.remove(admin.orgId, serviceUserId, personActor(admin), "service_user_deleted");
  }

  /** `Organization Deleted`: every service user of the organization goes, with its tokens. */
  async deleteAll(orgId: string, actor: Actor, reason: RevocationReason): Promise<void> {
    for (const { id } of await this.deps.store.listAllServiceUsers(orgId)) {
      await this.remove(orgId, id, actor, reason).catch((error: unknown) => {
        // Deleted meanwhile (a concurrent delivery of the same deletion): what is done stays done.
        if (!(error instanceof DomainError && error.code === "not_found")) throw error;
      });
    }
  }

  private async remove(orgId: string, serviceUserId: string, actor: Actor, reason: RevocationReason): Promise<void> {
    await retryOnConflict(async () => {
      const serviceUser = await this.require(orgId, serviceUserId);
      const tokenSet = await this.deps.store.getTokenSet(orgId);
      const active = await this.liveTokens(idsOwnedBy(tokenSet, serviceUser.id));
      const now = this.deps.clock.now();
      await this.deps.store.deleteServiceUser(serviceUser, tokenSet, active, now.toISOString(), [
        activity(this.deps.clock, orgId, "service_user.deleted", actor, {
          detail: { serviceUserId: serviceUser.id, name: serviceUser.name, ...(actor.type === "system" ? { reason } : {}) },
        }),
        ...active.map((token) => revokedRecord(this.deps.clock, token, actor, reason, { ...tokenDetail(token), reason })),
      ]);
    });
  }

  async generateToken(admin: MembershipRecord, serviceUserId: string, name: string): Promise<CreatedToken> {
    return retryOnConflict(async () => {
      const serviceUser = await this.require(admin.orgId, serviceUserId);
      const tokenSet = await this.deps.store.getTokenSet(admin.orgId);
      const active = await this.liveTokens(Object.keys(tokenSet.tokens));
      // Tokens in a rotation's grace are still in the set but do not count (API.md "Rotation").
      if (active.filter(countsTowardLimit).length >= SERVICE_USER_TOKEN_LIMIT) {
        throw new DomainError(
          "token_limit_reached",
          `This organization already has ${SERVICE_USER_TOKEN_LIMIT} active service-user tokens. Revoke one to make another.`,
        );
      }
      const now = this.deps.clock.now();
      const { token, secret } = newToken({
        kind: "service_user",
        orgId: admin.orgId,
        ownerId: serviceUser.id,
        name,
        // No group or site access control for service users.
        principal: { name: serviceUser.name, permissions: serviceUser.permissions, groups: [], sites: [] },
        now,
      });
      // Revoked, expired and TTL-deleted ids drop out of the set here, so it never grows past the limit.
      const tokens = { ...Object.fromEntries(active.map((t) => [t.id, t.ownerId])), [token.id]: serviceUser.id };
      await this.deps.store.createToken(
        token,
        tokenSet,
        tokens,
        { serviceUser },
        activity(this.deps.clock, admin.orgId, "token.created", personActor(admin), {
          tokenId: token.id,
          detail: tokenDetail(token),
          events: (at) => [tokenEvents.created(token, at)],
        }),
      );
      return { token: toTokenView(token), secret };
    });
  }

  /** API.md "Rotation" for a service user's token: no password (admins make them for systems). */
  async rotateToken(admin: MembershipRecord, serviceUserId: string, tokenId: string, graceSeconds: number): Promise<CreatedToken> {
    return retryOnConflict(async () => {
      const serviceUser = await this.require(admin.orgId, serviceUserId);
      return rotateToken(this.deps, {
        tokenId,
        visible: (token) => token.kind === "service_user" && token.orgId === admin.orgId && token.ownerId === serviceUserId,
        tokenSet: await this.deps.store.getTokenSet(admin.orgId),
        owner: { serviceUser },
        principal: { name: serviceUser.name, permissions: serviceUser.permissions, groups: [], sites: [] },
        actor: personActor(admin),
        graceSeconds,
      });
    });
  }

  async listTokens(orgId: string, serviceUserId: string): Promise<TokenView[]> {
    await this.require(orgId, serviceUserId);
    const tokenSet = await this.deps.store.getTokenSet(orgId);
    const active = await this.liveTokens(idsOwnedBy(tokenSet, serviceUserId));
    return active.sort(newestFirst).map(toTokenView);
  }

  async revokeToken(admin: MembershipRecord, serviceUserId: string, tokenId: string): Promise<void> {
    await this.require(admin.orgId, serviceUserId);
    await revokeVisibleToken(this.deps, {
      tokenId,
      visible: (token) => token.kind === "service_user" && token.orgId === admin.orgId && token.ownerId === serviceUserId,
      actor: personActor(admin),
      reason: "admin",
    });
  }

  private async require(orgId: string, serviceUserId: string): Promise<ServiceUserRecord> {
    const serviceUser = isValidId(serviceUserId) ? await this.deps.store.getServiceUser(orgId, serviceUserId) : undefined;
    if (!serviceUser) throw notFound("service user");
    return serviceUser;
  }

  /** Active tokens among `ids`; the expired ones found on the way get their `token.expired` record. */
  private liveTokens(ids: readonly string[]): Promise<TokenRecord[]> {
    return activeTokensAmong(this.deps, ids, { now: this.deps.clock.now() });
  }

  private async activeTokenCounts(orgId: string): Promise<Map<string, number>> {
    const tokenSet = await this.deps.store.getTokenSet(orgId);
    const counts = new Map<string, number>();
    for (const token of (await this.liveTokens(Object.keys(tokenSet.tokens))).filter(countsTowardLimit)) {
      counts.set(token.ownerId, (counts.get(token.ownerId) ?? 0) + 1);
    }
    return counts;
  }
}

const toView = (serviceUser: ServiceUserRecord, activeTokenCount: number): ServiceUserView => ({
  id: serviceUser.id,
  name: serviceUser.name,
  permissions: [...serviceUser.permissions],
  createdAt: serviceUser.createdAt,
  createdBy: serviceUser.createdBy,
  activeTokenCount,
});

/** `su_` + creation time (so lists come in creation order) + 10 random base62 characters. */
const newServiceUserId = (now: Date): string => `su_${now.getTime().toString(36).padStart(9, "0")}${randomBase62(10)}`;
