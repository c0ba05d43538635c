/** The model-based test's rotation command (API.md "Rotation"): a person's own token, or a service user's by an admin. */
import { expect } from "vitest";
import { requireActiveMember } from "../../../functions/domain/access.ts";
import { DUE_LOOKBACK_HOURS, recordDueWork } from "../../../functions/domain/due-work.ts";
import { expiryAfter } from "../../../functions/domain/model.ts";
import { Checked, type PasswordGiven, pick } from "./commands.ts";
import {
  type Model,
  type ModelToken,
  type OrgLabel,
  type PEOPLE,
  adminIsActive,
  checkPassword,
  findExpired,
  isLive,
  isLocked,
  isPastGrace,
  member,
} from "./model.ts";
import { type Real, outcome, requireAdmin } from "./real.ts";

export type RotateRoute = { route: "own"; person: (typeof PEOPLE)[number] } | { route: "serviceUser"; org: OrgLabel; su: number };
/** Graces the test chooses from: none, shorter and longer than the clock's steps (30 s … 31 days). */
export const GRACES = [0, 60, 3_600] as const;

export class Rotate extends Checked {
  constructor(
    readonly how: RotateRoute,
    readonly token: number,
    readonly graceSeconds: number,
    readonly password: PasswordGiven = "right",
    /** Pick among the newest tokens (counting from the end): rotations of a rotation's new token, so chains form. */
    readonly recent = false,
  ) {
    super();
  }

  async act(m: Model, r: Real) {
    const token = this.recent
      ? m.tokens[m.tokens.length - 1 - (this.token % Math.min(3, m.tokens.length || 1))]
      : pick(m.tokens, this.token);
    const tokenId = token?.id ?? "0000000000000000";
    const how = this.how;
    if (how.route === "own") {
      const { org, user } = how.person;
      const password = { right: `pw-${user}`, wrong: "guess", none: undefined }[this.password];
      const result = await outcome(async () => {
        await requireActiveMember(r.store, r.orgIds[org], r.uid(user));
        return r.userTokens.rotate({
          orgId: r.orgIds[org],
          userId: r.uid(user),
          tokenId,
          graceSeconds: this.graceSeconds,
          ...(password ? { password } : {}),
        });
      });
      if (member(m, org, user).status !== "active" || m.orgs[org].deleted)
        return void expect(result).toEqual({ ok: false, code: "forbidden" });
      // As generating: 429 before 403 invalid_password, and no password where the organization enforces SSO.
      if (isLocked(m, user)) return void expect(result).toEqual({ ok: false, code: "too_many_attempts" });
      if (!m.orgs[org].ssoEnforced && !checkPassword(m, user, this.password === "right")) {
        return void expect(result).toEqual({ ok: false, code: "invalid_password" });
      }
      const visible = token && token.kind === "user" && token.org === org && token.ownerId === user ? token : undefined;
      return this.expect(m, result, visible, () => m.tokens.filter((t) => t.kind === "user" && t.org === org && t.ownerId === user));
    }
    const su = pick(
      m.serviceUsers.filter((s) => s.org === how.org),
      how.su,
    );
    const result = await outcome(async () =>
      r.serviceUsers.rotateToken(await requireAdmin(r, how.org), su?.id ?? "su_missing", tokenId, this.graceSeconds),
    );
    if (!adminIsActive(m, how.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
    const visible = token && token.kind === "service_user" && token.org === how.org && token.ownerId === su.id ? token : undefined;
    return this.expect(m, result, visible, () => m.tokens.filter((t) => t.kind === "service_user" && t.org === how.org));
  }

  private expect(
    m: Model,
    result: { ok: true; value: { token: { id: string }; secret: string } } | { ok: false; code: string },
    old: ModelToken | undefined,
    sameSet: () => ModelToken[],
  ) {
    if (!old || !isLive(m, old) || old.graceEndsAt !== undefined) {
      if (old) findExpired(m, [old]);
      return void expect(result).toEqual({ ok: false, code: "not_found" });
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // The rotation reads the owner's whole set: what it finds expired or past a grace is recorded.
    findExpired(m, sameSet());
    const predecessor = m.tokens.find((t) => t.id === old.replaces && isLive(m, t) && t.graceEndsAt !== undefined);
    if (predecessor) predecessor.revoked = true;
    if (this.graceSeconds > 0) old.graceEndsAt = Math.min(m.now + this.graceSeconds * 1000, old.expiresAt * 1000);
    else old.revoked = true;
    m.tokens.push({
      id: result.value.token.id,
      secret: result.value.secret,
      org: old.org,
      kind: old.kind,
      ownerId: old.ownerId,
      lastUsedAt: null,
      expiresAt: expiryAfter(new Date(m.now)),
      revoked: false,
      expiryFound: false,
      replaces: old.id,
    });
  }

  toString() {
    const how = this.how;
    const who = how.route === "own" ? `${how.person.org}/${how.person.user}` : `${how.org}, su#${how.su}`;
    return `rotate[${how.route}](${who}, ${this.recent ? "recent" : "token"}#${this.token}, grace=${this.graceSeconds}${this.password === "right" ? "" : `, password=${this.password}`})`;
  }
}

const HOUR_MS = 3_600_000;

/**
 * The service's hourly job: every replaced token whose grace ended in the hours it looks back over (and not
 * yet recorded) is recorded now, once; nothing else changes.
 */
export class RunHourlyJob extends Checked {
  async act(m: Model, r: Real) {
    await recordDueWork({ store: r.store, clock: r.clock });
    const oldestHour = Math.floor((m.now - DUE_LOOKBACK_HOURS * HOUR_MS) / HOUR_MS);
    for (const token of m.tokens) {
      if (token.revoked || !isPastGrace(m, token)) continue;
      if (Math.floor(token.graceEndsAt! / HOUR_MS) >= oldestHour) token.revoked = true;
    }
  }
  toString() {
    return "runHourlyJob()";
  }
}
