import { activity, personActor, recordExpiries, tokenDetail } from "./activity.ts";
import { notFound } from "./errors.ts";
import { isActive, toTokenView, type MembershipRecord, type TokenView } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";
import { TOKEN_ID_PATTERN } from "./token-secret.ts";

/** The organization-wide view for admins: every active token of both kinds, and revoking any of them. */
export class OrganizationTokens {
  constructor(private readonly deps: { store: TokenStore; clock: Clock }) {}

  async list(orgId: string, limit: number, cursor: string | undefined) {
    const page = await this.deps.store.listOrganizationTokens(orgId, limit, cursor);
    // Expired tokens found here get their record and leave the index, so later pages do not meet them.
    await recordExpiries(this.deps, page.items);
    const now = this.deps.clock.now();
    return {
      tokens: page.items
        .filter((token) => isActive(token, now))
        .map((token): TokenView & { ownerName: string } => ({ ...toTokenView(token), ownerName: token.principal.name })),
      nextCursor: page.nextCursor,
    };
  }

  async revoke(admin: MembershipRecord, tokenId: string): Promise<void> {
    if (!TOKEN_ID_PATTERN.test(tokenId)) throw notFound("token");
    await retryOnConflict(async () => {
      const token = await this.deps.store.getToken(tokenId);
      const now = this.deps.clock.now();
      if (!token || token.orgId !== admin.orgId) throw notFound("token");
      if (!isActive(token, now)) {
        await recordExpiries(this.deps, [token]);
        throw notFound("token");
      }
      const record = activity(this.deps.clock, admin.orgId, "token.revoked", personActor(admin), {
        tokenId: token.id,
        detail: tokenDetail(token),
      });
      if (!(await this.deps.store.revokeToken(token, now.toISOString(), now, record))) throw notFound("token");
    });
  }
}
