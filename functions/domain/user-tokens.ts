import { requireActiveMember } from "./access.ts";
import { activity, liveUserTokens, personActor, tokenDetail } from "./activity.ts";
import { tokenEvents } from "./token-events.ts";
import { revokeVisibleToken } from "./revocation.ts";
import { DomainError } from "./errors.ts";
import { USER_TOKEN_LIMIT, countsTowardLimit, newestFirst, toTokenView, type MembershipRecord, type TokenView } from "./model.ts";
import { PasswordThrottle } from "./password-throttle.ts";
import type { Clock, PasswordCheck, SessionPerson, TokenStore } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";
import { newToken } from "./new-token.ts";
import { rotateToken } from "./rotation.ts";

export interface CreatedToken {
  readonly token: TokenView;
  /** The full token: returned once, to its owner, in the creation response only. */
  readonly secret: string;
}

/** A person's own user API tokens in one organization: generate, list, revoke. */
export class UserTokens {
  private readonly throttle: PasswordThrottle;

  constructor(private readonly deps: { store: TokenStore; clock: Clock; passwordCheck?: PasswordCheck }) {
    this.throttle = new PasswordThrottle(deps);
  }

  /** `signInName`: what the session names the person by at the identity provider (for the password re-check). */
  async generate(input: { orgId: string; userId: string; signInName?: string; name: string; password?: string }): Promise<CreatedToken> {
    const { store } = this.deps;
    await this.checkPassword(input.orgId, { userId: input.userId, signInName: input.signInName }, input.password);

    return retryOnConflict(async () => {
      const membership = await requireActiveMember(store, input.orgId, input.userId);
      const now = this.deps.clock.now();
      const { tokenSet, live: active } = await liveUserTokens(this.deps, input, { now });
      // Tokens in a rotation's grace are still in the set but do not count (API.md "Rotation").
      if (active.filter(countsTowardLimit).length >= USER_TOKEN_LIMIT) {
        throw new DomainError(
          "token_limit_reached",
          `You already have ${USER_TOKEN_LIMIT} active API tokens in this organization. Revoke one to make another.`,
        );
      }
      const { token, secret } = newToken({
        kind: "user",
        orgId: input.orgId,
        ownerId: input.userId,
        name: input.name,
        principal: {
          name: membership.name,
          permissions: membership.permissions,
          groups: membership.groups,
          sites: membership.sites,
          memberStatus: membership.status,
        },
        now,
      });
      // Revoked, expired and TTL-deleted ids drop out of the set here, so it never grows past the limit.
      await store.createToken(
        token,
        tokenSet,
        { ...Object.fromEntries(active.map((t) => [t.id, t.ownerId])), [token.id]: input.userId },
        { membership },
        activity(this.deps.clock, token.orgId, "token.created", personActor(membership), {
          tokenId: token.id,
          detail: tokenDetail(token),
          events: (at) => [tokenEvents.created(token, at)],
        }),
      );
      return { token: toTokenView(token), secret };
    });
  }

  /** API.md "Rotation": the caller's own live token, with the password as for generating (and its lock). */
  async rotate(input: {
    orgId: string;
    userId: string;
    signInName?: string;
    tokenId: string;
    password?: string;
    graceSeconds: number;
  }): Promise<CreatedToken> {
    const { store } = this.deps;
    await this.checkPassword(input.orgId, { userId: input.userId, signInName: input.signInName }, input.password);
    return retryOnConflict(async () => {
      const membership = await requireActiveMember(store, input.orgId, input.userId);
      return rotateToken(this.deps, {
        tokenId: input.tokenId,
        visible: (token) => token.kind === "user" && token.orgId === input.orgId && token.ownerId === input.userId,
        tokenSet: await store.getTokenSet(input.orgId, input.userId),
        owner: { membership },
        principal: {
          name: membership.name,
          permissions: membership.permissions,
          groups: membership.groups,
          sites: membership.sites,
          memberStatus: membership.status,
        },
        actor: personActor(membership),
        graceSeconds: input.graceSeconds,
      });
    });
  }

  async list(input: { orgId: string; userId: string }): Promise<TokenView[]> {
    const { live } = await liveUserTokens(this.deps, input, { now: this.deps.clock.now() });
    return live.sort(newestFirst).map(toTokenView);
  }

  /** The caller's own user token; anyone else's is `not_found`, never revealed. */
  async revoke(input: { membership: MembershipRecord; tokenId: string }): Promise<void> {
    const { membership } = input;
    await revokeVisibleToken(this.deps, {
      tokenId: input.tokenId,
      visible: (token) => token.kind === "user" && token.orgId === membership.orgId && token.ownerId === membership.userId,
      actor: personActor(membership),
      reason: "owner",
    });
  }

  /**
   * 429 before 403 `invalid_password` (API.md order). The lock holds for every generate of the person,
   * SSO organizations included; there no password is needed, so none is counted.
   */
  private async checkPassword(orgId: string, person: SessionPerson, password: string | undefined): Promise<void> {
    const { userId } = person;
    const settings = await this.deps.store.getOrganizationSettings(orgId);
    if (settings?.ssoEnforced) {
      await this.throttle.assertNotLocked(userId);
      return;
    }
    const passwordCheck = this.deps.passwordCheck;
    if (!passwordCheck) throw new Error("UserTokens.generate needs a PasswordCheck");
    const right = await this.throttle.check(
      userId,
      async () => password !== undefined && password.length > 0 && (await passwordCheck.verify(person, password)),
    );
    if (!right) {
      throw new DomainError(
        "invalid_password",
        password ? "The password is wrong." : "Your password is required to generate or regenerate an API token.",
      );
    }
  }
}
