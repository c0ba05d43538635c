import { personActor, recordLateChanges } from "./activity.ts";
import { isActive, toTokenView, type MembershipRecord, type TokenView } from "./model.ts";
import type { Clock, TokenStore } from "./ports.ts";
import { revokeVisibleToken } from "./revocation.ts";

/** The organization-wide view for admins: every active token of both kinds, and revoking any of them. */
export class OrganizationTokens {
  constructor(private readonly deps: { store: TokenStore; clock: Clock }) {}

  /**
   * A page of the organization's active tokens. The index also holds expired tokens until their expiry is
   * recorded: the store hands each batch it reads to `visible`, which records the expired ones (taking them
   * out of the index, so later reads do not meet them) and keeps the rest, and reads on until the page is
   * full, so a page is never empty unless it is the last (API.md "Conventions").
   */
  async list(orgId: string, limit: number, cursor: string | undefined) {
    const page = await this.deps.store.listOrganizationTokens(orgId, limit, cursor, async (tokens) => {
      await recordLateChanges(this.deps, tokens);
      const now = this.deps.clock.now();
      return tokens.filter((token) => isActive(token, now));
    });
    return {
      tokens: page.items.map((token): TokenView & { ownerName: string } => ({ ...toTokenView(token), ownerName: token.principal.name })),
      nextCursor: page.nextCursor,
    };
  }

  async revoke(admin: MembershipRecord, tokenId: string): Promise<void> {
    await revokeVisibleToken(this.deps, {
      tokenId,
      visible: (token) => token.orgId === admin.orgId,
      actor: personActor(admin),
      reason: "admin",
    });
  }
}
