import { activity, recordLateChanges } from "./activity.ts";
import { DomainError } from "./errors.ts";
import {
  LAST_USED_WRITE_INTERVAL_MS,
  expiryAfter,
  isExpired,
  isPastGrace,
  type ActivityRecord,
  type TokenKind,
  type TokenRecord,
} from "./model.ts";
import type { Clock, TokenUseRepository } from "./ports.ts";
import { MAX_TOKEN_LENGTH, parseTokenSecret, secretMatchesHash } from "./token-secret.ts";

export type InvalidReason = "malformed" | "not_found" | "wrong_org" | "revoked" | "expired";

export type VerifyResult =
  | {
      valid: true;
      orgId: string;
      tokenId: string;
      kind: TokenKind;
      principal: { type: TokenKind; id: string; name: string };
      permissions: string[];
      groups: string[];
      sites: string[];
      canLogin: boolean;
    }
  | { valid: false; reason: InvalidReason };

type Evaluation = { ok: true; token: TokenRecord } | { ok: false; reason: InvalidReason };

/**
 * The hot path. One strongly consistent read of the token item (which carries the owner's current access),
 * and a write only when the recorded last use is older than a short interval.
 */
export class TokenVerifier {
  constructor(private readonly deps: { store: TokenUseRepository; clock: Clock }) {}

  async verify(input: { token: string; orgId?: string }): Promise<VerifyResult> {
    const evaluation = await this.evaluate(input.token, input.orgId);
    if (!evaluation.ok) return { valid: false, reason: evaluation.reason };
    const used = await this.recordUse(evaluation.token);
    if (!used.ok) return { valid: false, reason: used.reason };
    return toValidResult(used.token);
  }

  /**
   * `POST /v1/login`, first half: who is logging in. User tokens only; anything invalid is 401, a
   * service-user token 403. Nothing is recorded yet, so a request that then fails records no use.
   */
  async authenticateLogin(presented: string | undefined): Promise<TokenRecord> {
    const evaluation = presented === undefined ? undefined : await this.evaluate(presented, undefined);
    if (!evaluation?.ok) throw unauthenticated();
    if (evaluation.token.kind !== "user") {
      throw new DomainError("login_not_allowed", "Service-user tokens cannot be used to log in.");
    }
    return evaluation.token;
  }

  /** `POST /v1/login`, second half: the login counts as use, and is recorded in the activity log. */
  async completeLogin(token: TokenRecord): Promise<{ orgId: string; user: { id: string; name: string } }> {
    const login = activity(
      this.deps.clock,
      token.orgId,
      "token.login",
      {
        type: "user",
        id: token.ownerId,
        name: token.principal.name,
      },
      { tokenId: token.id },
    );
    const used = await this.recordUse(token, login);
    if (!used.ok) throw unauthenticated();
    return { orgId: used.token.orgId, user: { id: used.token.ownerId, name: used.token.principal.name } };
  }

  async login(presented: string | undefined): Promise<{ orgId: string; user: { id: string; name: string } }> {
    return this.completeLogin(await this.authenticateLogin(presented));
  }

  /**
   * `GET` / `DELETE /v1/token`: the API token in the header, of either kind, while it is live; 401 for anything
   * else. Nothing is recorded yet (beyond an expiry found on the way).
   */
  async authenticateOwnToken(presented: string | undefined): Promise<TokenRecord> {
    const evaluation = presented === undefined ? undefined : await this.evaluate(presented, undefined);
    if (!evaluation?.ok) throw ownTokenUnauthenticated();
    return evaluation.token;
  }

  /** `GET /v1/token` counts as use, by verification's rules: 401 if the token stopped being live meanwhile. */
  async useOwnToken(token: TokenRecord): Promise<TokenRecord> {
    const used = await this.recordUse(token);
    if (!used.ok) throw ownTokenUnauthenticated();
    return used.token;
  }

  /** Reasons in API.md's order: malformed, not_found, wrong_org, revoked, expired. */
  private async evaluate(presented: string, orgId: string | undefined): Promise<Evaluation> {
    const parsed = presented.length <= MAX_TOKEN_LENGTH ? parseTokenSecret(presented) : undefined;
    if (!parsed) return { ok: false, reason: "malformed" };
    const token = await this.deps.store.getToken(parsed.id);
    if (!token || token.kind !== parsed.kind || !secretMatchesHash(parsed.secret, token.secretHash)) {
      return { ok: false, reason: "not_found" };
    }
    const judged = this.judge(token, orgId);
    // An expiry, or the end of a rotation's grace, is recorded by the first request that finds it.
    if (!judged.ok && (judged.reason === "expired" || judged.reason === "revoked")) await recordLateChanges(this.deps, [token]);
    return judged;
  }

  private judge(token: TokenRecord, orgId: string | undefined): Evaluation {
    if (orgId !== undefined && orgId !== token.orgId) return { ok: false, reason: "wrong_org" };
    const now = this.deps.clock.now();
    // A token replaced by a rotation stops at the end of its grace: revoked (API.md "Rotation").
    if (token.status === "revoked" || isPastGrace(token, now)) return { ok: false, reason: "revoked" };
    // Defence in depth: the owner left or was deactivated, even if the revocation itself went astray.
    if (token.kind === "user" && token.principal.memberStatus && token.principal.memberStatus !== "active") {
      return { ok: false, reason: "revoked" };
    }
    if (isExpired(token, now)) return { ok: false, reason: "expired" };
    return { ok: true, token };
  }

  /**
   * First use at once; after that at most one write per interval, so hot tokens cost no write per call.
   * A login always writes (its activity record), with the use when one is due.
   */
  private async recordUse(token: TokenRecord, login?: ActivityRecord, again = true): Promise<Evaluation> {
    const now = this.deps.clock.now();
    const recorded = token.lastUsedAt === null ? undefined : Date.parse(token.lastUsedAt);
    const due = recorded === undefined || now.getTime() - recorded >= LAST_USED_WRITE_INTERVAL_MS;
    if (!due && !login) return { ok: true, token };
    const use = due ? { lastUsedAt: now.toISOString(), expiresAt: expiryAfter(now) } : undefined;
    if (await this.deps.store.recordTokenUse(token, use, now, login)) {
      return { ok: true, token: { ...token, ...use } };
    }
    // Revoked or expired between the read and the write: answer with what it is now. Rotated with a grace
    // meanwhile (the use's write moves the expiry warning only for a token in no grace): still working, so the
    // use, and a login's record, are written once more against the token as it is now.
    const current = await this.deps.store.getToken(token.id);
    if (!current) return { ok: false, reason: "not_found" };
    const judged = this.judge(current, undefined);
    return judged.ok && again ? this.recordUse(judged.token, login, false) : judged;
  }
}

const unauthenticated = () => new DomainError("unauthenticated", "Send a valid user API token as `Authorization: Bearer <token>`.");

const ownTokenUnauthenticated = () => new DomainError("unauthenticated", "Send a live API token as `Authorization: Bearer <token>`.");

function toValidResult(token: TokenRecord): VerifyResult {
  const isUser = token.kind === "user";
  return {
    valid: true,
    orgId: token.orgId,
    tokenId: token.id,
    kind: token.kind,
    principal: { type: token.kind, id: token.ownerId, name: token.principal.name },
    permissions: [...token.principal.permissions],
    // Service-user tokens have no group or site access control.
    groups: isUser ? [...token.principal.groups] : [],
    sites: isUser ? [...token.principal.sites] : [],
    canLogin: isUser,
  };
}
