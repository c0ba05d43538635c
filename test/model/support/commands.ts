/** The model-based test's commands for lifecycle events, generation and revocation (each runs against the model and the real system, then checks them). */
import type fc from "fast-check";
import { expect } from "vitest";
import { requireActiveMember } from "../../../functions/domain/access.ts";
import { SERVICE_USER_TOKEN_LIMIT, USER_TOKEN_LIMIT, expiryAfter } from "../../../functions/domain/model.ts";
import {
  type PEOPLE,
  type OrgLabel,
  type ModelToken,
  type LifecycleEvent,
  type Model,
  member,
  isLive,
  liveUserTokens,
  liveServiceTokens,
  adminIsActive,
  findExpired,
  applyEvent,
  isLocked,
  checkPassword,
  counted,
} from "./model.ts";
import { type Real, outcome, requireAdmin, deliver, checkInvariants } from "./real.ts";

// ---- commands ----------------------------------------------------------------------------------------------

export type Cmd = fc.AsyncCommand<Model, Real>;
export const pick = <T>(items: readonly T[], index: number): T | undefined =>
  items.length === 0 ? undefined : items[index % items.length];

export abstract class Checked implements Cmd {
  check(_model: Readonly<Model>): boolean {
    return true;
  }
  abstract act(m: Model, r: Real): Promise<void>;
  async run(m: Model, r: Real): Promise<void> {
    await this.act(m, r);
    await checkInvariants(m, r);
  }
  abstract toString(): string;
}

export class Deliver extends Checked {
  constructor(readonly event: LifecycleEvent) {
    super();
  }
  async act(m: Model, r: Real) {
    await deliver(r, this.event);
    applyEvent(m, this.event);
    m.delivered.push(this.event);
  }
  toString() {
    const { type, org, t, ...rest } = this.event;
    const extra =
      "access" in rest
        ? `, access=${rest.access}`
        : "ssoEnforced" in rest
          ? `, sso=${rest.ssoEnforced}${rest.name === undefined ? "" : `, name=${rest.name}`}`
          : "";
    return `${type}(${org}${"user" in rest ? `/${rest.user}` : ""}, t=${t}${extra})`;
  }
}

export class Redeliver extends Checked {
  constructor(readonly index: number) {
    super();
  }
  private event?: LifecycleEvent;
  override check(m: Readonly<Model>) {
    return m.delivered.length > 0;
  }
  async act(m: Model, r: Real) {
    this.event = pick(m.delivered, this.index)!;
    await deliver(r, this.event);
    applyEvent(m, this.event);
  }
  toString() {
    return `redeliver(#${this.index})`;
  }
}

export type PasswordGiven = "right" | "wrong" | "none";

export class Generate extends Checked {
  constructor(
    readonly person: (typeof PEOPLE)[number],
    readonly password: PasswordGiven = "right",
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const { org, user } = this.person;
    const password = { right: `pw-${user}`, wrong: "guess", none: undefined }[this.password];
    const result = await outcome(async () => {
      await requireActiveMember(r.store, r.orgIds[org], r.uid(user));
      return r.userTokens.generate({ orgId: r.orgIds[org], userId: r.uid(user), name: "integration", ...(password ? { password } : {}) });
    });
    const current = member(m, org, user);
    if (current.status !== "active" || m.orgs[org].deleted) {
      expect(result).toEqual({ ok: false, code: "forbidden" });
      return;
    }
    // API.md's order: 429 before 403 invalid_password. SSO organizations need (and check) no password.
    if (isLocked(m, user)) return void expect(result).toEqual({ ok: false, code: "too_many_attempts" });
    if (!m.orgs[org].ssoEnforced && !checkPassword(m, user, this.password === "right")) {
      return void expect(result).toEqual({ ok: false, code: "invalid_password" });
    }
    findExpired(
      m,
      m.tokens.filter((t) => t.kind === "user" && t.org === org && t.ownerId === user),
    );
    if (liveUserTokens(m, org, user).filter(counted).length >= USER_TOKEN_LIMIT) {
      expect(result).toEqual({ ok: false, code: "token_limit_reached" });
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    m.tokens.push({
      id: result.value.token.id,
      secret: result.value.secret,
      org,
      kind: "user",
      ownerId: user,
      lastUsedAt: null,
      expiresAt: expiryAfter(new Date(m.now)),
      revoked: false,
      expiryFound: false,
    });
  }
  toString() {
    return `generate(${this.person.org}/${this.person.user}${this.password === "right" ? "" : `, password=${this.password}`})`;
  }
}

/** An adversary's burst: several generates in a row with a wrong or missing password (each checked). */
export class GuessPasswords extends Checked {
  constructor(
    readonly person: (typeof PEOPLE)[number],
    readonly guesses: number,
    readonly password: Exclude<PasswordGiven, "right">,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    for (let i = 0; i < this.guesses; i++) await new Generate(this.person, this.password).act(m, r);
  }
  toString() {
    return `guessPasswords(${this.person.org}/${this.person.user}, ${this.guesses} × ${this.password})`;
  }
}

export class GenerateServiceToken extends Checked {
  constructor(
    readonly org: OrgLabel,
    readonly su: number,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const candidates = m.serviceUsers.filter((s) => s.org === this.org);
    const su = pick(candidates, this.su);
    const result = await outcome(async () => r.serviceUsers.generateToken(await requireAdmin(r, this.org), su?.id ?? "su_missing", "etl"));
    if (!adminIsActive(m, this.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
    findExpired(
      m,
      m.tokens.filter((t) => t.kind === "service_user" && t.org === this.org && !m.serviceUsers.find((s) => s.id === t.ownerId)?.deleted),
    );
    if (liveServiceTokens(m, this.org).filter(counted).length >= SERVICE_USER_TOKEN_LIMIT) {
      return void expect(result).toEqual({ ok: false, code: "token_limit_reached" });
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    m.tokens.push({
      id: result.value.token.id,
      secret: result.value.secret,
      org: this.org,
      kind: "service_user",
      ownerId: su.id,
      lastUsedAt: null,
      expiresAt: expiryAfter(new Date(m.now)),
      revoked: false,
      expiryFound: false,
    });
  }
  toString() {
    return `generateServiceToken(${this.org}, su#${this.su})`;
  }
}

export type RevokeRoute =
  | { route: "own"; person: (typeof PEOPLE)[number] }
  | { route: "admin"; org: OrgLabel }
  | { route: "serviceUser"; org: OrgLabel; su: number };

export class Revoke extends Checked {
  constructor(
    readonly how: RevokeRoute,
    readonly token: number,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const token = pick(m.tokens, this.token);
    const tokenId = token?.id ?? "0000000000000000";
    const how = this.how;
    if (how.route === "own") {
      const { org, user } = how.person;
      const result = await outcome(async () =>
        r.userTokens.revoke({ membership: await requireActiveMember(r.store, r.orgIds[org], r.uid(user)), tokenId }),
      );
      if (member(m, org, user).status !== "active") return void expect(result).toEqual({ ok: false, code: "forbidden" });
      const visible = token && token.kind === "user" && token.org === org && token.ownerId === user;
      return this.expect(m, result, visible ? token : undefined);
    }
    if (how.route === "admin") {
      const result = await outcome(async () => r.organizationTokens.revoke(await requireAdmin(r, how.org), tokenId));
      if (!adminIsActive(m, how.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
      return this.expect(m, result, token && token.org === how.org ? token : undefined);
    }
    const su = pick(
      m.serviceUsers.filter((s) => s.org === how.org),
      how.su,
    );
    const result = await outcome(async () => r.serviceUsers.revokeToken(await requireAdmin(r, how.org), su?.id ?? "su_missing", tokenId));
    if (!adminIsActive(m, how.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
    const visible = token && token.kind === "service_user" && token.org === how.org && token.ownerId === su.id;
    return this.expect(m, result, visible ? token : undefined);
  }
  private expect(m: Model, result: { ok: boolean; code?: string }, visible: ModelToken | undefined) {
    if (visible && isLive(m, visible)) {
      expect(result).toEqual({ ok: true, value: undefined });
      visible.revoked = true;
    } else {
      if (visible) findExpired(m, [visible]);
      expect(result).toEqual({ ok: false, code: "not_found" });
    }
  }
  toString() {
    const how = this.how;
    const who = how.route === "own" ? `${how.person.org}/${how.person.user}` : how.route === "admin" ? how.org : `${how.org}, su#${how.su}`;
    return `revoke[${how.route}](${who}, token#${this.token})`;
  }
}
