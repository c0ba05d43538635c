import { personActor, recordExpiries } from "./activity.ts";
import { isActive, toTokenView, type MembershipRecord, type TokenView } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { revokeVisibleToken } from "./revocation.ts";

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
    await revokeVisibleToken(this.deps, { tokenId, visible: (token) => token.orgId === admin.orgId, actor: personActor(admin) });
  }
}
