import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { AdjustableClock } from "../../functions/adapters/clock/clocks.ts";
import { DynamoDbTokenStore } from "../../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { requireActiveMember } from "../../functions/domain/access.ts";
import { DomainError } from "../../functions/domain/errors.ts";
import { Memberships } from "../../functions/domain/memberships.ts";
import {
  LAST_USED_WRITE_INTERVAL_MS,
  SERVICE_USER_TOKEN_LIMIT,
  USER_TOKEN_LIMIT,
  expiryAfter,
  type ActivityRecord,
  type MembershipRecord,
} from "../../functions/domain/model.ts";
import { OrganizationTokens } from "../../functions/domain/organization-tokens.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { UserTokens } from "../../functions/domain/user-tokens.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";
import { FakePasswordCheck, TEST_CURSOR_KEY } from "../support/domain-harness.ts";
import { createTestTable } from "../support/table.ts";

/**
 * Model-based test of API.md's token rules. fast-check draws random sequences of commands — lifecycle events
 * with random `occurredAt` (so they arrive out of order, and `Redeliver` repeats them), generates and
 * revocations of both kinds, service-user changes, verifications, logins, lists, the clock moving, whole
 * organizations leaving — runs each against the real domain and the real DynamoDB store (DynamoDB Local), and
 * after every command checks the store against a small reference model of the contract:
 *  - at most 10 active user tokens per person per organization, 20 service-user tokens per organization;
 *  - every token is revoked, expired or live exactly as the model says, with the owner's access as of the
 *    newest applied upsert or patch; verification answers exactly as the model predicts;
 *  - lists and counts agree with the model;
 *  - every revocation has exactly one `token.revoked` record, every expiry at most one `token.expired`, and
 *    exactly one once a request has found the token expired.
 * The default run stays inside ~30 s; `FC_RUNS=500 npx vitest run test/model` runs longer, `FC_SEED` replays.
 */

const ADMIN = "root";
const ADMIN_PERMISSION = "api-tokens:admin";
const PEOPLE = [
  { org: "A", user: "ann" },
  { org: "A", user: "bob" },
  { org: "B", user: "ann" },
] as const;
const ORGS = ["A", "B"] as const;
type OrgLabel = (typeof ORGS)[number];
const ACCESS = [
  { name: "Ann Lovelace", permissions: ["reports:read"], groups: ["finance"], sites: ["london"] },
  { name: "Ann L.", permissions: ["reports:read", "exports:write"], groups: [], sites: ["paris", "rome"] },
  { name: "Ann", permissions: [], groups: ["ops"], sites: [] },
];
const SERVICE_PERMISSIONS = [["reports:read"], ["exports:write", "reports:read"], []];
const BASE_EVENT_TIME = Date.parse("2026-01-01T00:00:00Z");
const at = (t: number) => new Date(BASE_EVENT_TIME + t * 1000).toISOString();

// ---- the reference model ---------------------------------------------------------------------------------

type MemberStatus = "none" | "active" | "deactivated" | "removed";
interface Access {
  name: string;
  permissions: readonly string[];
  groups: readonly string[];
  sites: readonly string[];
}
interface ModelMember {
  status: MemberStatus;
  lastEventAt: number;
  access: Access;
}
interface ModelToken {
  id: string;
  secret: string;
  org: OrgLabel;
  kind: "user" | "service_user";
  ownerId: string;
  lastUsedAt: number | null;
  expiresAt: number;
  revoked: boolean;
  /** A request (verification, login, the owner's list or generate) found it expired: its record must exist. */
  expiryFound: boolean;
}
interface ModelServiceUser {
  id: string;
  org: OrgLabel;
  name: string;
  permissions: readonly string[];
  deleted: boolean;
}
type LifecycleEvent =
  | { type: "upsert"; org: OrgLabel; user: string; t: number; access: number }
  | { type: "deactivate" | "reactivate" | "remove"; org: OrgLabel; user: string; t: number }
  | { type: "organizationDeleted"; org: OrgLabel; t: number }
  | { type: "settingsChanged"; org: OrgLabel; t: number; ssoEnforced: boolean };

interface Model {
  /** The person's id in this run (a person known only from events is named by it until an upsert). */
  uid: (user: string) => string;
  now: number;
  orgs: Record<OrgLabel, { deleted: boolean; lastEventAt: number; ssoEnforced: boolean }>;
  /** Password throttling, per person across organizations: recent failures and the lock's end (ms). */
  throttle: Map<string, { failedAt: number[]; lockedUntil: number }>;
  members: Map<string, ModelMember>;
  tokens: ModelToken[];
  serviceUsers: ModelServiceUser[];
  delivered: LifecycleEvent[];
}

const memberKey = (org: OrgLabel, user: string) => `${org}/${user}`;
const member = (m: Model, org: OrgLabel, user: string): ModelMember =>
  m.members.get(memberKey(org, user)) ?? { status: "none", lastEventAt: -Infinity, access: { name: m.uid(user), permissions: [], groups: [], sites: [] } };
const isLive = (m: Model, token: ModelToken) => !token.revoked && token.expiresAt * 1000 > m.now;
const isExpiredUnrevoked = (m: Model, token: ModelToken) => !token.revoked && token.expiresAt * 1000 <= m.now;
const liveUserTokens = (m: Model, org: OrgLabel, user: string) =>
  m.tokens.filter((t) => t.kind === "user" && t.org === org && t.ownerId === user && isLive(m, t));
const liveServiceTokens = (m: Model, org: OrgLabel) => m.tokens.filter((t) => t.kind === "service_user" && t.org === org && isLive(m, t));
const adminIsActive = (m: Model, org: OrgLabel) => member(m, org, ADMIN).status === "active";
const findExpired = (m: Model, tokens: readonly ModelToken[]) => {
  for (const token of tokens) if (isExpiredUnrevoked(m, token)) token.expiryFound = true;
};

/** API.md "User-lifecycle events": what an event does to the model, if it applies. */
function applyEvent(m: Model, event: LifecycleEvent): void {
  const org = m.orgs[event.org];
  if (org.deleted) return; // later events for a deleted organization change nothing
  if (event.type === "settingsChanged") {
    if (event.t <= org.lastEventAt) return;
    org.lastEventAt = event.t;
    org.ssoEnforced = event.ssoEnforced;
    return;
  }
  if (event.type === "organizationDeleted") {
    if (event.t <= org.lastEventAt) return;
    org.deleted = true;
    org.lastEventAt = event.t;
    for (const token of m.tokens) if (token.org === event.org && isLive(m, token)) token.revoked = true;
    for (const [key, value] of m.members) if (key.startsWith(`${event.org}/`)) value.status = "removed";
    for (const su of m.serviceUsers) if (su.org === event.org) su.deleted = true;
    return;
  }
  const current = member(m, event.org, event.user);
  if (event.t <= current.lastEventAt) return; // stale or a duplicate
  const next: ModelMember = { ...current, lastEventAt: event.t };
  switch (event.type) {
    case "upsert":
      next.access = ACCESS[event.access]!;
      if (current.status === "none" || current.status === "removed") next.status = "active";
      break;
    case "deactivate":
      next.status = current.status === "removed" ? "removed" : "deactivated";
      break;
    case "reactivate":
      if (current.status === "deactivated") next.status = "active";
      break;
    case "remove":
      next.status = "removed";
      break;
  }
  if (event.type === "deactivate" || event.type === "remove") {
    for (const token of liveUserTokens(m, event.org, event.user)) token.revoked = true;
  }
  m.members.set(memberKey(event.org, event.user), next);
}

/** The access a live token must carry right now. */
function expectedAccess(m: Model, token: ModelToken): Access {
  if (token.kind === "user") return member(m, token.org, token.ownerId).access;
  const su = m.serviceUsers.find((s) => s.id === token.ownerId)!;
  return { name: su.name, permissions: su.permissions, groups: [], sites: [] };
}

/** A verification or login uses the token: the first use at once, then at most once per interval. */
function recordUse(m: Model, token: ModelToken): void {
  if (token.lastUsedAt === null || m.now - token.lastUsedAt >= LAST_USED_WRITE_INTERVAL_MS) {
    token.lastUsedAt = m.now;
    token.expiresAt = expiryAfter(new Date(m.now));
  }
}

/** API.md "Password throttling": 5 failures in a row within 15 minutes lock generation for 15 minutes. */
const WINDOW_MS = 15 * 60_000;
const throttleOf = (m: Model, user: string) => {
  if (!m.throttle.has(user)) m.throttle.set(user, { failedAt: [], lockedUntil: 0 });
  return m.throttle.get(user)!;
};
const recentFailures = (m: Model, user: string) => throttleOf(m, user).failedAt.filter((at) => at > m.now - WINDOW_MS);
const isLocked = (m: Model, user: string) => throttleOf(m, user).lockedUntil > m.now || recentFailures(m, user).length >= 5;
/** A password check: a right one resets the count, a wrong or missing one counts (the 5th locks). */
function checkPassword(m: Model, user: string, right: boolean): boolean {
  const throttle = throttleOf(m, user);
  if (right) {
    throttle.failedAt = [];
    throttle.lockedUntil = 0;
    return true;
  }
  throttle.failedAt = [...recentFailures(m, user), m.now].slice(-5);
  if (throttle.failedAt.length >= 5) throttle.lockedUntil = m.now + WINDOW_MS;
  return false;
}

// ---- the system under test -------------------------------------------------------------------------------

interface Real {
  orgIds: Record<OrgLabel, string>;
  /** People's ids are unique per run too: password throttling is per person across organizations. */
  uid: (user: string) => string;
  clock: AdjustableClock;
  store: DynamoDbTokenStore;
  memberships: Memberships;
  userTokens: UserTokens;
  serviceUsers: ServiceUsers;
  organizationTokens: OrganizationTokens;
  verifier: TokenVerifier;
  passwords: FakePasswordCheck;
}

const outcome = async <T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string }> => {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, code: error.code };
    throw error;
  }
};

async function requireAdmin(r: Real, org: OrgLabel): Promise<MembershipRecord> {
  const admin = await requireActiveMember(r.store, r.orgIds[org], r.uid(ADMIN));
  if (!admin.permissions.includes(ADMIN_PERMISSION)) throw new DomainError("forbidden", "not an admin");
  return admin;
}

async function deliver(r: Real, event: LifecycleEvent): Promise<void> {
  const orgId = r.orgIds[event.org];
  const occurredAt = at(event.t);
  switch (event.type) {
    case "upsert": {
      const access = ACCESS[event.access]!;
      await r.memberships.applyUserUpserted({
        orgId,
        userId: r.uid(event.user),
        name: access.name,
        permissions: [...access.permissions],
        groups: [...access.groups],
        sites: [...access.sites],
        occurredAt,
      });
      return;
    }
    case "deactivate":
      await r.memberships.applyUserDeactivated({ orgId, userId: r.uid(event.user), occurredAt });
      return;
    case "reactivate":
      await r.memberships.applyUserReactivated({ orgId, userId: r.uid(event.user), occurredAt });
      return;
    case "remove":
      await r.memberships.applyUserRemoved({ orgId, userId: r.uid(event.user), occurredAt });
      return;
    case "organizationDeleted":
      await r.memberships.applyOrganizationDeleted({ orgId, occurredAt });
      return;
    case "settingsChanged":
      await r.memberships.applyOrganizationSettingsChanged({ orgId, ssoEnforced: event.ssoEnforced, occurredAt });
      return;
  }
}

async function allActivity(r: Real, org: OrgLabel): Promise<ActivityRecord[]> {
  const records: ActivityRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await r.store.listActivity(r.orgIds[org], 200, cursor);
    records.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return records;
}

/** After every command: the store agrees with the model. */
async function checkInvariants(m: Model, r: Real): Promise<void> {
  const stored = new Map((await r.store.getTokens(m.tokens.map((t) => t.id))).map((t) => [t.id, t]));
  const now = r.clock.now().getTime();
  const activeCount = new Map<string, number>();
  for (const token of m.tokens) {
    const item = stored.get(token.id);
    expect(item, `token ${token.id} exists`).toBeDefined();
    expect({ token: token.id, status: item!.status }).toEqual({ token: token.id, status: token.revoked ? "revoked" : "active" });
    expect({ token: token.id, expiresAt: item!.expiresAt }).toEqual({ token: token.id, expiresAt: token.expiresAt });
    const active = item!.status === "active" && item!.expiresAt * 1000 > now;
    if (!active) continue;
    const { name, permissions, groups, sites } = item!.principal;
    expect({ token: token.id, access: { name, permissions, groups, sites } }).toEqual({ token: token.id, access: expectedAccess(m, token) });
    const owner = token.kind === "user" ? `${token.org}/${token.ownerId}` : `${token.org}/service`;
    activeCount.set(owner, (activeCount.get(owner) ?? 0) + 1);
  }
  for (const [owner, count] of activeCount) {
    expect(count, `active tokens of ${owner}`).toBeLessThanOrEqual(owner.endsWith("/service") ? SERVICE_USER_TOKEN_LIMIT : USER_TOKEN_LIMIT);
  }
  for (const org of ORGS) {
    const records = await allActivity(r, org);
    for (const token of m.tokens.filter((t) => t.org === org)) {
      const revocations = records.filter((x) => x.action === "token.revoked" && x.tokenId === token.id).length;
      const expiries = records.filter((x) => x.action === "token.expired" && x.tokenId === token.id).length;
      expect({ token: token.id, revocations }).toEqual({ token: token.id, revocations: token.revoked ? 1 : 0 });
      expect(expiries, `token.expired records of ${token.id}`).toBeLessThanOrEqual(1);
      if (token.expiryFound) expect({ token: token.id, expiries }).toEqual({ token: token.id, expiries: 1 });
    }
  }
}

// ---- commands ----------------------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Real>;
const pick = <T>(items: readonly T[], index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length]);

abstract class Checked implements Cmd {
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

class Deliver extends Checked {
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

class Redeliver extends Checked {
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

type PasswordGiven = "right" | "wrong" | "none";

class Generate extends Checked {
  constructor(readonly person: (typeof PEOPLE)[number], readonly password: PasswordGiven = "right") {
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
    findExpired(m, m.tokens.filter((t) => t.kind === "user" && t.org === org && t.ownerId === user));
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
class GuessPasswords extends Checked {
  constructor(readonly person: (typeof PEOPLE)[number], readonly guesses: number, readonly password: Exclude<PasswordGiven, "right">) {
    super();
  }
  async act(m: Model, r: Real) {
    for (let i = 0; i < this.guesses; i++) await new Generate(this.person, this.password).act(m, r);
  }
  toString() {
    return `guessPasswords(${this.person.org}/${this.person.user}, ${this.guesses} × ${this.password})`;
  }
}

class GenerateServiceToken extends Checked {
  constructor(readonly org: OrgLabel, readonly su: number) {
    super();
  }
  async act(m: Model, r: Real) {
    const candidates = m.serviceUsers.filter((s) => s.org === this.org);
    const su = pick(candidates, this.su);
    const result = await outcome(async () =>
      r.serviceUsers.generateToken(await requireAdmin(r, this.org), su?.id ?? "su_missing", "etl"),
    );
    if (!adminIsActive(m, this.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
    findExpired(m, m.tokens.filter((t) => t.kind === "service_user" && t.org === this.org && !m.serviceUsers.find((s) => s.id === t.ownerId)?.deleted));
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

type RevokeRoute = { route: "own"; person: (typeof PEOPLE)[number] } | { route: "admin"; org: OrgLabel } | { route: "serviceUser"; org: OrgLabel; su: number };

class Revoke extends Checked {
  constructor(readonly how: RevokeRoute, readonly token: number) {
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
    const su = pick(m.serviceUsers.filter((s) => s.org === how.org), how.su);
    const result = await outcome(async () =>
      r.serviceUsers.revokeToken(await requireAdmin(r, how.org), su?.id ?? "su_missing", tokenId),
    );
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

class CreateServiceUser extends Checked {
  constructor(readonly org: OrgLabel, readonly permissions: number) {
    super();
  }
  async act(m: Model, r: Real) {
    const name = `Robot ${m.serviceUsers.length}`;
    const permissions = SERVICE_PERMISSIONS[this.permissions]!;
    const result = await outcome(async () => r.serviceUsers.create(await requireAdmin(r, this.org), { name, permissions: [...permissions] }));
    if (!adminIsActive(m, this.org)) return void expect(result).toEqual({ ok: false, code: "forbidden" });
    expect(result.ok).toBe(true);
    if (result.ok) m.serviceUsers.push({ id: result.value.id, org: this.org, name, permissions, deleted: false });
  }
  toString() {
    return `createServiceUser(${this.org}, permissions=${this.permissions})`;
  }
}

class PatchServiceUser extends Checked {
  constructor(readonly org: OrgLabel, readonly su: number, readonly permissions: number, readonly rename: boolean) {
    super();
  }
  async act(m: Model, r: Real) {
    const su = pick(m.serviceUsers.filter((s) => s.org === this.org), this.su);
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

class DeleteServiceUser extends Checked {
  constructor(readonly org: OrgLabel, readonly su: number) {
    super();
  }
  async act(m: Model, r: Real) {
    const su = pick(m.serviceUsers.filter((s) => s.org === this.org), this.su);
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

class Verify extends Checked {
  constructor(readonly token: number, readonly orgHint: "none" | "own" | "other") {
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

class Login extends Checked {
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
    expect(result).toEqual({ ok: true, value: { orgId: r.orgIds[token.org], user: { id: r.uid(token.ownerId), name: expectedAccess(m, token).name } } });
    recordUse(m, token);
  }
  toString() {
    return `login(token#${this.token})`;
  }
}

type ListKind = { list: "own"; person: (typeof PEOPLE)[number] } | { list: "serviceUser"; org: OrgLabel; su: number } | { list: "serviceUsers"; org: OrgLabel } | { list: "admin"; org: OrgLabel };

class List extends Checked {
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
      findExpired(m, m.tokens.filter((t) => t.kind === "user" && t.org === org && t.ownerId === user));
      expect(result.ok && ids(result.value)).toEqual(ids(liveUserTokens(m, org, user)));
      return;
    }
    const admin = await outcome(() => requireAdmin(r, what.org));
    if (!adminIsActive(m, what.org)) return void expect(admin).toEqual({ ok: false, code: "forbidden" });
    if (what.list === "serviceUser") {
      const su = pick(m.serviceUsers.filter((s) => s.org === what.org), what.su);
      const result = await outcome(() => r.serviceUsers.listTokens(r.orgIds[what.org], su?.id ?? "su_missing"));
      if (!su || su.deleted) return void expect(result).toEqual({ ok: false, code: "not_found" });
      expect(result.ok && ids(result.value)).toEqual(ids(liveServiceTokens(m, what.org).filter((t) => t.ownerId === su.id)));
      return;
    }
    if (what.list === "serviceUsers") {
      const result = await r.serviceUsers.list(r.orgIds[what.org], 200, undefined);
      const expected = m.serviceUsers
        .filter((s) => s.org === what.org && !s.deleted)
        .map((s) => ({ id: s.id, name: s.name, permissions: [...s.permissions], activeTokenCount: liveServiceTokens(m, what.org).filter((t) => t.ownerId === s.id).length }));
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect(result.serviceUsers.map(({ id, name, permissions, activeTokenCount }) => ({ id, name, permissions, activeTokenCount })).sort(byId)).toEqual(expected.sort(byId));
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
    findExpired(m, m.tokens.filter((t) => t.org === what.org));
    expect(seen.slice().sort()).toEqual(ids(m.tokens.filter((t) => t.org === what.org && isLive(m, t))));
  }
  toString() {
    const what = this.what;
    return `list[${what.list}](${what.list === "own" ? `${what.person.org}/${what.person.user}` : what.org}${what.list === "serviceUser" ? `, su#${what.su}` : ""})`;
  }
}

class Advance extends Checked {
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

const orgArb = fc.constantFrom(...ORGS);
const personArb = fc.constantFrom(...PEOPLE);
const timeArb = fc.integer({ min: 1, max: 60 });
const indexArb = fc.nat({ max: 40 });
const eventArb: fc.Arbitrary<LifecycleEvent> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant("upsert" as const), org: orgArb, user: fc.constantFrom("ann", "bob"), t: timeArb, access: fc.nat({ max: ACCESS.length - 1 }) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constantFrom("deactivate" as const, "reactivate" as const, "remove" as const), org: orgArb, user: fc.constantFrom("ann", "bob"), t: timeArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("organizationDeleted" as const), org: orgArb, t: timeArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("settingsChanged" as const), org: orgArb, t: timeArb, ssoEnforced: fc.boolean() }) },
).filter((e) => !("user" in e) || PEOPLE.some((p) => p.org === e.org && p.user === e.user));

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const listArb: fc.Arbitrary<ListKind> = fc.oneof(
  w(3, personArb.map((p): ListKind => ({ list: "own", person: p }))),
  w(1, fc.tuple(orgArb, indexArb).map(([o, s]): ListKind => ({ list: "serviceUser", org: o, su: s }))),
  w(1, orgArb.map((o): ListKind => ({ list: "serviceUsers", org: o }))),
  w(1, orgArb.map((o): ListKind => ({ list: "admin", org: o }))),
);
const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  // Events are the heart of it: drawn often, with times that collide and arrive out of order.
  w(6, eventArb.map((e) => new Deliver(e))),
  w(1, indexArb.map((i) => new Redeliver(i))),
  w(4, personArb.map((p) => new Generate(p))),
  w(1, fc.tuple(personArb, fc.integer({ min: 1, max: 6 }), fc.constantFrom("wrong" as const, "none" as const)).map(([p, n, pw]) => new GuessPasswords(p, n, pw))),
  w(1, fc.tuple(orgArb, indexArb).map(([o, s]) => new GenerateServiceToken(o, s))),
  w(1, fc.tuple(personArb, indexArb).map(([p, t]) => new Revoke({ route: "own", person: p }, t))),
  w(1, fc.tuple(orgArb, indexArb).map(([o, t]) => new Revoke({ route: "admin", org: o }, t))),
  w(1, fc.tuple(orgArb, indexArb, indexArb).map(([o, s, t]) => new Revoke({ route: "serviceUser", org: o, su: s }, t))),
  w(1, fc.tuple(orgArb, fc.nat({ max: SERVICE_PERMISSIONS.length - 1 })).map(([o, p]) => new CreateServiceUser(o, p))),
  w(1, fc.tuple(orgArb, indexArb, fc.nat({ max: SERVICE_PERMISSIONS.length - 1 }), fc.boolean()).map(([o, s, p, n]) => new PatchServiceUser(o, s, p, n))),
  w(1, fc.tuple(orgArb, indexArb).map(([o, s]) => new DeleteServiceUser(o, s))),
  w(2, fc.tuple(indexArb, fc.constantFrom("none" as const, "own" as const, "other" as const)).map(([t, o]) => new Verify(t, o))),
  w(1, indexArb.map((t) => new Login(t))),
  w(3, listArb.map((l) => new List(l))),
  w(1, fc.constantFrom(30, 61, 3_600, 10 * 86_400, 29 * 86_400, 31 * 86_400).map((s) => new Advance(s))),
);

// ---- the property ------------------------------------------------------------------------------------------

let shared: { store: DynamoDbTokenStore };
beforeAll(async () => {
  const { documentClient, tables } = await createTestTable("model");
  shared = { store: new DynamoDbTokenStore(documentClient, tables, { cursorKey: TEST_CURSOR_KEY }) };
});

const RUNS = Number(process.env.FC_RUNS ?? 50);

test(`token rules hold under any order of commands and events (${RUNS} runs)`, { timeout: Math.max(120_000, RUNS * 4_000) }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands([commandArb], { maxCommands: 40, size: "medium" }), async (commands) => {
      const run = randomUUID().slice(0, 8);
      const clock = new AdjustableClock();
      const { store } = shared;
      const passwords = new FakePasswordCheck();
      const uid = (user: string) => `${user}-${run}`;
      for (const { user } of PEOPLE) passwords.passwords.set(uid(user), `pw-${user}`);
      const deps = { store, clock };
      const real: Real = {
        orgIds: { A: `org-${run}-a`, B: `org-${run}-b` },
        uid,
        clock,
        store,
        memberships: new Memberships(deps),
        userTokens: new UserTokens({ ...deps, passwordCheck: passwords }),
        serviceUsers: new ServiceUsers(deps),
        organizationTokens: new OrganizationTokens(deps),
        verifier: new TokenVerifier(deps),
        passwords,
      };
      const model: Model = {
        uid,
        now: clock.now().getTime(),
        orgs: {
          A: { deleted: false, lastEventAt: -Infinity, ssoEnforced: false },
          B: { deleted: false, lastEventAt: -Infinity, ssoEnforced: false },
        },
        throttle: new Map(),
        members: new Map(),
        tokens: [],
        serviceUsers: [],
        delivered: [],
      };
      // Each organization has an admin that no generated event touches (only a deletion of the organization).
      for (const org of ORGS) {
        const adminAccess = { name: "Grace", permissions: [ADMIN_PERMISSION], groups: [], sites: [] };
        await real.memberships.applyUserUpserted({ orgId: real.orgIds[org], userId: uid(ADMIN), ...adminAccess, occurredAt: at(0) });
        model.members.set(memberKey(org, ADMIN), { status: "active", lastEventAt: 0, access: adminAccess });
      }
      // The model's clock is the real one, read once: only commands move it afterwards.
      clock.setOffsetSeconds(0);
      const frozen = clock.now().getTime();
      clock.now = () => new Date(frozen + clock.offsetSeconds * 1000);
      model.now = frozen;
      await fc.asyncModelRun(() => ({ model, real }), commands);
    }),
    {
      numRuns: RUNS,
      ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}),
      verbose: 1,
    },
  );
});
