import { expect } from "vitest";
import { requireActiveMember } from "../../../functions/domain/access.ts";
import { describeCaller } from "../../../functions/domain/caller.ts";
import {
  type PEOPLE,
  type OrgLabel,
  SERVICE_PERMISSIONS,
  type Model,
  ADMIN_PERMISSION,
  ORGS,
  member,
  isLive,
  isPastGrace,
  counted,
  liveUserTokens,
  liveServiceTokens,
  adminIsActive,
  findExpired,
  expectedAccess,
  recordUse,
} from "./model.ts";
import { type Real, outcome, requireAdmin } from "./real.ts";

import { Checked, pick } from "./commands.ts";

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
    if (isPastGrace(m, token)) {
      token.revoked = true;
      return void expect(result).toEqual({ valid: false, reason: "revoked" });
    }
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
    if (isPastGrace(m, token)) {
      token.revoked = true;
      return void expect(result).toEqual({ ok: false, code: "unauthenticated" });
    }
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
          activeTokenCount: liveServiceTokens(m, what.org).filter((t) => t.ownerId === s.id && counted(t)).length,
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

/** `GET /v1/me` for one person: their active, undeleted organizations and the name of their newest applied upsert. */
export class Me extends Checked {
  constructor(readonly user: string) {
    super();
  }
  async act(m: Model, r: Real) {
    const result = await describeCaller(r.store, r.uid(this.user));
    let named: { name: string; at: number } | undefined;
    for (const org of ORGS) {
      const current = member(m, org, this.user);
      if (current.nameAt !== undefined && (named === undefined || current.nameAt > named.at)) {
        named = { name: current.access.name, at: current.nameAt };
      }
    }
    const organizations = ORGS.filter((org) => member(m, org, this.user).status === "active" && !m.orgs[org].deleted)
      .map((org) => ({
        orgId: r.orgIds[org],
        name: m.orgs[org].name,
        ssoEnforced: m.orgs[org].ssoEnforced,
        admin: member(m, org, this.user).access.permissions.includes(ADMIN_PERMISSION),
      }))
      .sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : 0));
    expect(result).toEqual({ user: { id: r.uid(this.user), name: named?.name ?? null }, organizations });
  }
  toString() {
    return `me(${this.user})`;
  }
}
