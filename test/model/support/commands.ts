/** The model-based test's commands (each runs against the model and the real system, then checks them) and their arbitraries. */
import fc from "fast-check";
import { expect } from "vitest";
import { requireActiveMember } from "../../../functions/domain/access.ts";
import { SERVICE_USER_TOKEN_LIMIT, USER_TOKEN_LIMIT, expiryAfter } from "../../../functions/domain/model.ts";
import {
  PEOPLE,
  ORGS,
  type OrgLabel,
  ACCESS,
  SERVICE_PERMISSIONS,
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
  expectedAccess,
  recordUse,
  isLocked,
  checkPassword,
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
    const extra = "access" in rest ? `, access=${rest.access}` : "ssoEnforced" in rest ? `, sso=${rest.ssoEnforced}` : "";
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
    if (liveUserTokens(m, org, user).length >= USER_TOKEN_LIMIT) {
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
    if (liveServiceTokens(m, this.org).length >= SERVICE_USER_TOKEN_LIMIT) {
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

export class CreateServiceUser extends Checked {
  constructor(
    readonly org: OrgLabel,
    readonly permissions: number,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const name = `Robot ${m.serviceUsers.length}`;
    const permissions = SERVICE_PERMISSIONS[this.permissions]!;
    const result = await outcome(async () =>
      r.serviceUsers.create(await requireAdmin(r, this.org), { name, permissions: [...permissions] }),
    );
    if (!adminIsActive(m, this.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    expect(result.ok).toBe(true);
    if (result.ok) m.serviceUsers.push({ id: result.value.id, org: this.org, name, permissions, deleted: false });
  }
  toString() {
    return `createServiceUser(${this.org}, permissions=${this.permissions})`;
  }
}

export class PatchServiceUser extends Checked {
  constructor(
    readonly org: OrgLabel,
    readonly su: number,
    readonly permissions: number,
    readonly rename: boolean,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const su = pick(
      m.serviceUsers.filter((s) => s.org === this.org),
      this.su,
    );
    const permissions = SERVICE_PERMISSIONS[this.permissions]!;
    const name = `${su?.name ?? "Robot"}'`;
    const patch = { permissions: [...permissions], ...(this.rename ? { name } : {}) };
    const result = await outcome(async () => r.serviceUsers.update(await requireAdmin(r, this.org), su?.id ?? "su_missing", patch));
    if (!adminIsActive(m, this.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
    expect(result.ok).toBe(true);
    su.permissions = permissions;
    if (this.rename) su.name = name;
    if (result.ok) {
      expect(result.value.activeTokenCount).toBe(liveServiceTokens(m, this.org).filter((t) => t.ownerId === su.id).length);
    }
  }
  toString() {
    return `patchServiceUser(${this.org}, su#${this.su}, permissions=${this.permissions}${this.rename ? ", renamed" : ""})`;
  }
}

export class DeleteServiceUser extends Checked {
  constructor(
    readonly org: OrgLabel,
    readonly su: number,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const su = pick(
      m.serviceUsers.filter((s) => s.org === this.org),
      this.su,
    );
    const result = await outcome(async () => r.serviceUsers.delete(await requireAdmin(r, this.org), su?.id ?? "su_missing"));
    if (!adminIsActive(m, this.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
    expect(result.ok).toBe(true);
    su.deleted = true;
    for (const token of liveServiceTokens(m, this.org)) if (token.ownerId === su.id) token.revoked = true;
  }
  toString() {
    return `deleteServiceUser(${this.org}, su#${this.su})`;
  }
}

export class Verify extends Checked {
  constructor(
    readonly token: number,
    readonly orgHint: "none" | "own" | "other",
  ) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.tokens.length > 0;
  }
  async act(m: Model, r: Real) {
    const token = pick(m.tokens, this.token)!;
    const orgId = this.orgHint === "none" ? undefined : r.orgIds[this.orgHint === "own" ? token.org : token.org === "A" ? "B" : "A"];
    const result = await r.verifier.verify({ token: token.secret, ...(orgId ? { orgId } : {}) });
    if (this.orgHint === "other") return void expect(result).toEqual({ valid: false, reason: "wrong_org" });
    if (token.revoked) return void expect(result).toEqual({ valid: false, reason: "revoked" });
    if (!isLive(m, token)) {
      token.expiryFound = true;
      return void expect(result).toEqual({ valid: false, reason: "expired" });
    }
    const access = expectedAccess(m, token);
    const isUser = token.kind === "user";
    expect(result).toEqual({
      valid: true,
      orgId: r.orgIds[token.org],
      tokenId: token.id,
      kind: token.kind,
      principal: { type: token.kind, id: token.kind === "user" ? r.uid(token.ownerId) : token.ownerId, name: access.name },
      permissions: [...access.permissions],
      groups: isUser ? [...access.groups] : [],
      sites: isUser ? [...access.sites] : [],
      canLogin: isUser,
    });
    recordUse(m, token);
  }
  toString() {
    return `verify(token#${this.token}, org=${this.orgHint})`;
  }
}

export class Login extends Checked {
  constructor(readonly token: number) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.tokens.length > 0;
  }
  async act(m: Model, r: Real) {
    const token = pick(m.tokens, this.token)!;
    const result = await outcome(() => r.verifier.login(token.secret));
    if (token.revoked) return void expect(result).toEqual({ ok: false, code: "unauthenticated" });
    if (!isLive(m, token)) {
      token.expiryFound = true;
      return void expect(result).toEqual({ ok: false, code: "unauthenticated" });
    }
    if (token.kind === "service_user") return void expect(result).toEqual({ ok: false, code: "login_not_allowed" });
    expect(result).toEqual({
      ok: true,
      value: { orgId: r.orgIds[token.org], user: { id: r.uid(token.ownerId), name: expectedAccess(m, token).name } },
    });
    recordUse(m, token);
  }
  toString() {
    return `login(token#${this.token})`;
  }
}

export type ListKind =
  | { list: "own"; person: (typeof PEOPLE)[number] }
  | { list: "serviceUser"; org: OrgLabel; su: number }
  | { list: "serviceUsers"; org: OrgLabel }
  | { list: "admin"; org: OrgLabel };

export class List extends Checked {
  constructor(readonly what: ListKind) {
    super();
  }
  async act(m: Model, r: Real) {
    const what = this.what;
    const ids = (tokens: readonly { id: string }[]) => tokens.map((t) => t.id).sort();
    if (what.list === "own") {
      const { org, user } = what.person;
      const result = await outcome(async () => {
        await requireActiveMember(r.store, r.orgIds[org], r.uid(user));
        return r.userTokens.list({ orgId: r.orgIds[org], userId: r.uid(user) });
      });
      if (member(m, org, user).status !== "active") return void expect(result).toEqual({ ok: false, code: "forbidden" });
      findExpired(
        m,
        m.tokens.filter((t) => t.kind === "user" && t.org === org && t.ownerId === user),
      );
      expect(result.ok && ids(result.value)).toEqual(ids(liveUserTokens(m, org, user)));
      return;
    }
    const admin = await outcome(() => requireAdmin(r, what.org));
    if (!adminIsActive(m, what.org)) return void expect(admin).toEqual({ ok: false, code: "forbidden" });
    if (what.list === "serviceUser") {
      const su = pick(
        m.serviceUsers.filter((s) => s.org === what.org),
        what.su,
      );
      const result = await outcome(() => r.serviceUsers.listTokens(r.orgIds[what.org], su?.id ?? "su_missing"));
      if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
      expect(result.ok && ids(result.value)).toEqual(ids(liveServiceTokens(m, what.org).filter((t) => t.ownerId === su.id)));
      return;
    }
    if (what.list === "serviceUsers") {
      const result = await r.serviceUsers.list(r.orgIds[what.org], 200, undefined);
      const expected = m.serviceUsers
        .filter((s) => s.org === what.org && !s.deleted)
        .map((s) => ({
          id: s.id,
          name: s.name,
          permissions: [...s.permissions],
          activeTokenCount: liveServiceTokens(m, what.org).filter((t) => t.ownerId === s.id).length,
        }));
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect(
        result.serviceUsers.map(({ id, name, permissions, activeTokenCount }) => ({ id, name, permissions, activeTokenCount })).sort(byId),
      ).toEqual(expected.sort(byId));
      return;
    }
    // The organization-wide view, a few items a page: every live token once, over all its pages.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await r.organizationTokens.list(r.orgIds[what.org], 3, cursor);
      seen.push(...page.tokens.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    findExpired(
      m,
      m.tokens.filter((t) => t.org === what.org),
    );
    expect(seen.slice().sort()).toEqual(ids(m.tokens.filter((t) => t.org === what.org && isLive(m, t))));
  }
  toString() {
    const what = this.what;
    return `list[${what.list}](${what.list === "own" ? `${what.person.org}/${what.person.user}` : what.org}${what.list === "serviceUser" ? `, su#${what.su}` : ""})`;
  }
}

export class Advance extends Checked {
  constructor(readonly seconds: number) {
    super();
  }
  async act(m: Model, r: Real) {
    r.clock.advance(this.seconds);
    m.now += this.seconds * 1000;
  }
  toString() {
    return `advanceClock(${this.seconds >= 86_400 ? `${this.seconds / 86_400} days` : `${this.seconds} s`})`;
  }
}

// ---- arbitraries -------------------------------------------------------------------------------------------

export const orgArb = fc.constantFrom(...ORGS);
export const personArb = fc.constantFrom(...PEOPLE);
export const timeArb = fc.integer({ min: 1, max: 60 });
export const indexArb = fc.nat({ max: 40 });
export const eventArb: fc.Arbitrary<LifecycleEvent> = fc
  .oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant("upsert" as const),
        org: orgArb,
        user: fc.constantFrom("ann", "bob"),
        t: timeArb,
        access: fc.nat({ max: ACCESS.length - 1 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constantFrom("deactivate" as const, "reactivate" as const, "remove" as const),
        org: orgArb,
        user: fc.constantFrom("ann", "bob"),
        t: timeArb,
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant("organizationDeleted" as const), org: orgArb, t: timeArb }) },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constant("settingsChanged" as const), org: orgArb, t: timeArb, ssoEnforced: fc.boolean() }),
    },
  )
  .filter((e) => !("user" in e) || PEOPLE.some((p) => p.org === e.org && p.user === e.user));

export const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
export const listArb: fc.Arbitrary<ListKind> = fc.oneof(
  w(
    3,
    personArb.map((p): ListKind => ({ list: "own", person: p })),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, s]): ListKind => ({ list: "serviceUser", org: o, su: s })),
  ),
  w(
    1,
    orgArb.map((o): ListKind => ({ list: "serviceUsers", org: o })),
  ),
  w(
    1,
    orgArb.map((o): ListKind => ({ list: "admin", org: o })),
  ),
);
export const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  // Events are the heart of it: drawn often, with times that collide and arrive out of order.
  w(
    6,
    eventArb.map((e) => new Deliver(e)),
  ),
  w(
    1,
    indexArb.map((i) => new Redeliver(i)),
  ),
  w(
    4,
    personArb.map((p) => new Generate(p)),
  ),
  w(
    1,
    fc
      .tuple(personArb, fc.integer({ min: 1, max: 6 }), fc.constantFrom("wrong" as const, "none" as const))
      .map(([p, n, pw]) => new GuessPasswords(p, n, pw)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, s]) => new GenerateServiceToken(o, s)),
  ),
  w(
    1,
    fc.tuple(personArb, indexArb).map(([p, t]) => new Revoke({ route: "own", person: p }, t)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, t]) => new Revoke({ route: "admin", org: o }, t)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb, indexArb).map(([o, s, t]) => new Revoke({ route: "serviceUser", org: o, su: s }, t)),
  ),
  w(
    1,
    fc.tuple(orgArb, fc.nat({ max: SERVICE_PERMISSIONS.length - 1 })).map(([o, p]) => new CreateServiceUser(o, p)),
  ),
  w(
    1,
    fc
      .tuple(orgArb, indexArb, fc.nat({ max: SERVICE_PERMISSIONS.length - 1 }), fc.boolean())
      .map(([o, s, p, n]) => new PatchServiceUser(o, s, p, n)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, s]) => new DeleteServiceUser(o, s)),
  ),
  w(
    2,
    fc.tuple(indexArb, fc.constantFrom("none" as const, "own" as const, "other" as const)).map(([t, o]) => new Verify(t, o)),
  ),
  w(
    1,
    indexArb.map((t) => new Login(t)),
  ),
  w(
    3,
    listArb.map((l) => new List(l)),
  ),
  w(
    1,
    fc.constantFrom(30, 61, 3_600, 10 * 86_400, 29 * 86_400, 31 * 86_400).map((s) => new Advance(s)),
  ),
);
