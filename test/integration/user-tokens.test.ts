import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { DomainError } from "../../functions/domain/errors.ts";
import { INACTIVITY_EXPIRY_SECONDS, LAST_USED_WRITE_INTERVAL_MS } from "../../functions/domain/model.ts";
import { LOCK_MS, PasswordThrottle, PENDING_TIMEOUT_MS } from "../../functions/domain/password-throttle.ts";
import type { PasswordCheck, SessionPerson } from "../../functions/domain/ports.ts";
import { UserTokens } from "../../functions/domain/user-tokens.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const uniqueOrg = () => `org-${randomUUID().slice(0, 8)}`;

describe("generating user tokens", () => {
  test("stores only the hash and hint, and answers with the secret once", async () => {
    const m = await h.addMember(uniqueOrg(), "ada");
    const created = await h.userTokens.generate({ ...m, name: "Power BI" });
    const stored = await h.store.getToken(created.token.id);
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    expect(stored?.hint).toBe(created.secret.slice(-4));
    expect(created.token).not.toHaveProperty("secretHash");
    const listed = await h.userTokens.list(m);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(JSON.stringify(listed)).not.toContain(stored!.secretHash);
  });

  test("50 simultaneous generates for one person give exactly 10 tokens and 40 token_limit_reached", async () => {
    const m = await h.addMember(uniqueOrg(), "bob");
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => code(h.userTokens.generate({ ...m, name: `t${i}` }))));
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(10);
    expect(outcomes.filter((o) => o === "token_limit_reached")).toHaveLength(40);
    expect(await h.userTokens.list(m)).toHaveLength(10);
    expect(Object.keys((await h.store.getTokenSet(m.orgId, m.userId)).tokens)).toHaveLength(10);
  });

  test("revoked and expired tokens free their places", async () => {
    const m = await h.addMember(uniqueOrg(), "cy");
    const made = [];
    for (let i = 0; i < 10; i++) made.push(await h.userTokens.generate({ ...m, name: `t${i}` }));
    expect(await code(h.userTokens.generate({ ...m, name: "eleventh" }))).toBe("token_limit_reached");
    await h.revoke({ ...m, tokenId: made[0]!.token.id });
    expect(await code(h.userTokens.generate({ ...m, name: "after revoke" }))).toBe("ok");
    expect(await code(h.userTokens.generate({ ...m, name: "full again" }))).toBe("token_limit_reached");
  });

  test("the limit is per person per organization", async () => {
    const [orgA, orgB] = [uniqueOrg(), uniqueOrg()];
    const a = await h.addMember(orgA, "dee");
    const b = await h.addMember(orgB, "dee");
    const other = await h.addMember(orgA, "eve");
    for (let i = 0; i < 10; i++) await h.userTokens.generate({ ...a, name: `t${i}` });
    expect(await code(h.userTokens.generate({ ...b, name: "other org" }))).toBe("ok");
    expect(await code(h.userTokens.generate({ ...other, name: "other person" }))).toBe("ok");
    expect(await h.userTokens.list(b)).toHaveLength(1);
  });

  test("refuses people who are not active members", async () => {
    const org = uniqueOrg();
    h.passwordCheck.passwords.set("stranger", "pw");
    expect(await code(h.userTokens.generate({ orgId: org, userId: "stranger", name: "x", password: "pw" }))).toBe("forbidden");
  });

  test("an organization that enforces SSO needs no password", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "sso");
    expect(await code(h.userTokens.generate({ orgId: org, userId: m.userId, name: "x" }))).toBe("invalid_password");
    await h.memberships.applyOrganizationSettingsChanged({ orgId: org, ssoEnforced: true, occurredAt: h.nextEventTime() });
    expect(await code(h.userTokens.generate({ orgId: org, userId: m.userId, name: "x" }))).toBe("ok");
  });
});

describe("password throttling", () => {
  test("5 wrong passwords in a row lock generation for 15 minutes from the last failure, even with the right one", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, `locked-${randomUUID().slice(0, 6)}`);
    for (let i = 0; i < 4; i++) expect(await code(h.userTokens.generate({ ...m, name: "x", password: "wrong" }))).toBe("invalid_password");
    // A missing password counts as a failure too.
    expect(await code(h.userTokens.generate({ orgId: org, userId: m.userId, name: "x" }))).toBe("invalid_password");
    expect(await code(h.userTokens.generate({ ...m, name: "x" }))).toBe("too_many_attempts");
    h.clock.advance(14 * 60);
    expect(await code(h.userTokens.generate({ ...m, name: "x" }))).toBe("too_many_attempts");
    h.clock.advance(61);
    expect(await code(h.userTokens.generate({ ...m, name: "x" }))).toBe("ok");
  });

  test("across organizations, and a right password resets the count", async () => {
    const userId = `reset-${randomUUID().slice(0, 6)}`;
    const a = await h.addMember(uniqueOrg(), userId);
    const b = await h.addMember(uniqueOrg(), userId);
    for (let i = 0; i < 4; i++) await code(h.userTokens.generate({ ...(i % 2 ? a : b), name: "x", password: "wrong" }));
    expect(await code(h.userTokens.generate({ ...a, name: "right" }))).toBe("ok");
    for (let i = 0; i < 4; i++) await code(h.userTokens.generate({ ...b, name: "x", password: "wrong" }));
    expect(await code(h.userTokens.generate({ ...b, name: "still fine" }))).toBe("ok");
  });

  test("failures older than the window do not count", async () => {
    const m = await h.addMember(uniqueOrg(), `window-${randomUUID().slice(0, 6)}`);
    for (let i = 0; i < 4; i++) await code(h.userTokens.generate({ ...m, name: "x", password: "wrong" }));
    h.clock.advance(16 * 60);
    await code(h.userTokens.generate({ ...m, name: "x", password: "wrong" }));
    expect(await code(h.userTokens.generate({ ...m, name: "x" }))).toBe("ok");
  });
});

/**
 * A password check that counts how often it is asked and how many checks run at once, and answers after
 * `delayMs`, or once `open()` is called (`held`).
 */
class CountingPasswordCheck implements PasswordCheck {
  calls = 0;
  underWay = 0;
  mostUnderWay = 0;
  private readonly opened = Promise.withResolvers<void>();

  constructor(
    private readonly passwords: ReadonlyMap<string, string>,
    private readonly options: { delayMs?: number; held?: boolean },
  ) {}

  open() {
    this.opened.resolve();
  }

  async verify({ userId }: SessionPerson, password: string) {
    this.calls++;
    this.mostUnderWay = Math.max(this.mostUnderWay, ++this.underWay);
    try {
      if (this.options.held) await this.opened.promise;
      else await new Promise((resolve) => setTimeout(resolve, this.options.delayMs ?? 0));
      return this.passwords.get(userId) === password;
    } finally {
      this.underWay--;
    }
  }
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok" as const,
    (error: unknown) => {
      if (error instanceof DomainError) return error;
      throw error;
    },
  );

/** A clock that stands still until `advance` moves it. */
function frozenClock(start: Date) {
  let nowMs = start.getTime();
  return {
    now: () => new Date(nowMs),
    advance: (seconds: number) => {
      nowMs += seconds * 1000;
    },
  };
}

describe("password throttling under contention", () => {
  // API.md "Password throttling" and "Status codes": 429 carries `Retry-After`, the seconds until the lock ends.
  test("30 simultaneous wrong passwords: 5 checks, then 429 with the seconds until the lock ends", async () => {
    const m = await h.addMember(uniqueOrg(), `guesser-${randomUUID().slice(0, 6)}`);
    const check = new CountingPasswordCheck(h.passwordCheck.passwords, { delayMs: 50 });
    // A clock that moves only when told: Retry-After is compared with the lock's end to the second, which a
    // second ticking over between the answer and the test's reading of the clock would otherwise break.
    const clock = frozenClock(h.clock.now());
    const userTokens = new UserTokens({ store: h.store, clock, passwordCheck: check });

    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => outcome(userTokens.generate({ ...m, name: "guess", password: `guess-${i}` }))),
    );
    const settled = clock.now().getTime();

    expect(check.calls).toBe(5);
    const codes = outcomes.map((o) => (o === "ok" ? o : o.code));
    expect(codes.filter((c) => c === "invalid_password")).toHaveLength(5);
    expect(codes.filter((c) => c === "too_many_attempts")).toHaveLength(25);
    const lockedUntil = Date.parse((await h.store.getPasswordFailures(m.userId))!.lockedUntil!);
    for (const error of outcomes.filter((o): o is DomainError => o !== "ok" && o.code === "too_many_attempts")) {
      expect(Number.isInteger(error.retryAfterSeconds)).toBe(true);
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(Math.ceil((lockedUntil - settled) / 1000));
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(LOCK_MS / 1000);
    }
    for (const error of outcomes.filter((o): o is DomainError => o !== "ok" && o.code === "invalid_password")) {
      expect(error.retryAfterSeconds).toBeUndefined();
    }

    // The right password is locked out too, until the same end; then it works without another check before.
    const right = await outcome(userTokens.generate({ ...m, name: "right" }));
    expect(right).toMatchObject({ code: "too_many_attempts" });
    const seconds = (right as DomainError).retryAfterSeconds!;
    expect(seconds).toBe(Math.ceil((lockedUntil - clock.now().getTime()) / 1000));
    expect(check.calls).toBe(5);
    clock.advance(seconds);
    expect(await outcome(userTokens.generate({ ...m, name: "right" }))).toBe("ok");
  });

  test("right passwords wait for the checks under way, 5 at a time, and none gets 429", async () => {
    const m = await h.addMember(uniqueOrg(), `patient-${randomUUID().slice(0, 6)}`);
    const check = new CountingPasswordCheck(h.passwordCheck.passwords, { held: true });
    const userTokens = new UserTokens({ store: h.store, clock: h.clock, passwordCheck: check });

    let settledCount = 0;
    const all = Array.from({ length: 15 }, (_, i) => outcome(userTokens.generate({ ...m, name: `t${i}` })).finally(() => settledCount++));
    await vi.waitFor(() => expect(check.underWay).toBe(5));
    // The other ten wait: they neither run a check nor give up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(check.calls).toBe(5);
    expect(settledCount).toBe(0);

    check.open();
    const codes = (await Promise.all(all)).map((o) => (o === "ok" ? o : o.code));
    expect(codes.filter((c) => c === "ok")).toHaveLength(10);
    expect(codes.filter((c) => c === "token_limit_reached")).toHaveLength(5);
    expect(check.calls).toBe(15);
    expect(check.mostUnderWay).toBe(5);
    expect(await h.store.getPasswordFailures(m.userId)).toMatchObject({ failedAt: [], pending: {} });
  });

  test("a check behind checks that never end gives up with 503 and Retry-After, never 429", async () => {
    const userId = `stuck-${randomUUID().slice(0, 6)}`;
    const throttle = new PasswordThrottle({ store: h.store, clock: h.clock }, { maxWaitMs: 300 });
    const hung = Promise.withResolvers<boolean>();
    let underWay = 0;
    const held = Array.from({ length: 5 }, () =>
      throttle.check(userId, () => {
        underWay++;
        return hung.promise;
      }),
    );
    await vi.waitFor(() => expect(underWay).toBe(5));

    let checked = false;
    const waiter = await outcome(throttle.check(userId, async () => (checked = true)));
    expect(waiter).toMatchObject({ code: "unavailable" });
    const seconds = (waiter as DomainError).retryAfterSeconds!;
    expect(Number.isInteger(seconds)).toBe(true);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(PENDING_TIMEOUT_MS / 1000);
    expect(checked).toBe(false);

    hung.resolve(true);
    expect(await Promise.all(held)).toEqual([true, true, true, true, true]);
    expect(await throttle.check(userId, async () => true)).toBe(true);
  });

  test("the store's conditional take refuses a locked record and answers with it, or with none", async () => {
    const userId = `take-${randomUUID().slice(0, 6)}`;
    const now = h.clock.now();
    const at = now.toISOString();
    const limits = { failuresAtMost: 0, pendingBelow: 5 };
    expect(await h.store.takePasswordCheckPlace(userId, "a1", at, limits)).toEqual({ taken: false, current: undefined });

    const lockedUntil = new Date(now.getTime() + 60_000).toISOString();
    await h.store.savePasswordFailures({ userId, failedAt: [], lockedUntil, pending: {}, version: 1 }, undefined);
    expect(await h.store.takePasswordCheckPlace(userId, "a2", at, limits)).toEqual({
      taken: false,
      current: { userId, failedAt: [], lockedUntil, pending: {}, version: 1 },
    });

    await h.store.releasePasswordCheck(userId, "none", { reset: true });
    expect(await h.store.takePasswordCheckPlace(userId, "a3", at, limits)).toEqual({ taken: true });
    await h.store.releasePasswordCheck(userId, "a3", { reset: false });
    expect(await h.store.getPasswordFailures(userId)).toEqual({ userId, failedAt: [], lockedUntil: null, pending: {}, version: 4 });
  });

  test("while locked, an SSO organization's generate gets 429 with Retry-After too", async () => {
    const userId = `sso-locked-${randomUUID().slice(0, 6)}`;
    const org = uniqueOrg();
    const m = await h.addMember(org, userId);
    await h.memberships.applyOrganizationSettingsChanged({ orgId: org, ssoEnforced: true, occurredAt: h.nextEventTime() });
    const other = await h.addMember(uniqueOrg(), userId);
    for (let i = 0; i < 5; i++)
      expect(await code(h.userTokens.generate({ ...other, name: "x", password: "wrong" }))).toBe("invalid_password");
    const locked = await outcome(h.userTokens.generate({ ...m, name: "sso" }));
    expect(locked).toMatchObject({ code: "too_many_attempts" });
    expect((locked as DomainError).retryAfterSeconds).toBeGreaterThan(LOCK_MS / 1000 - 60);
  });
});

describe("revoking", () => {
  test("only the owner's own active tokens, once", async () => {
    const org = uniqueOrg();
    const owner = await h.addMember(org, "own");
    const other = await h.addMember(org, "oth");
    const { token } = await h.userTokens.generate({ ...owner, name: "mine" });
    expect(await code(h.revoke({ ...other, tokenId: token.id }))).toBe("not_found");
    expect(await code(h.revoke({ ...owner, orgId: uniqueOrg(), tokenId: token.id }))).toBe("not_found");
    expect(await code(h.revoke({ ...owner, tokenId: "not-a-token-id" }))).toBe("not_found");
    expect(await code(h.revoke({ ...owner, tokenId: token.id }))).toBe("ok");
    expect(await code(h.revoke({ ...owner, tokenId: token.id }))).toBe("not_found");
  });

  test("concurrent revokes of one token: exactly one succeeds", async () => {
    const m = await h.addMember(uniqueOrg(), "race");
    const { token } = await h.userTokens.generate({ ...m, name: "t" });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => code(h.revoke({ ...m, tokenId: token.id }))));
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "not_found")).toHaveLength(9);
  });
});

describe("verification and inactivity expiry", () => {
  test("carries the person's current access, and reasons in API.md's order", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "ver", { name: "Vera", permissions: ["a"], groups: ["g"], sites: ["s"] });
    const { token, secret } = await h.userTokens.generate({ ...m, name: "t" });
    expect(await h.verifier.verify({ token: secret })).toEqual({
      valid: true,
      orgId: org,
      tokenId: token.id,
      kind: "user",
      principal: { type: "user", id: "ver", name: "Vera" },
      permissions: ["a"],
      groups: ["g"],
      sites: ["s"],
      canLogin: true,
    });
    await h.memberships.applyUserUpserted({
      orgId: org,
      userId: "ver",
      name: "Vera R",
      permissions: ["b"],
      groups: [],
      sites: ["t"],
      occurredAt: h.nextEventTime(),
    });
    expect(await h.verifier.verify({ token: secret })).toMatchObject({
      permissions: ["b"],
      groups: [],
      sites: ["t"],
      principal: { name: "Vera R" },
    });
    expect(await h.verifier.verify({ token: secret, orgId: uniqueOrg() })).toEqual({ valid: false, reason: "wrong_org" });
    await h.revoke({ ...m, tokenId: token.id });
    expect(await h.verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
    // wrong_org comes before revoked
    expect(await h.verifier.verify({ token: secret, orgId: "elsewhere" })).toEqual({ valid: false, reason: "wrong_org" });
  });

  test("a stale or duplicate User Upserted changes nothing", async () => {
    const org = uniqueOrg();
    const m = await h.addMember(org, "stale", { permissions: ["new"] });
    const { secret } = await h.userTokens.generate({ ...m, name: "t" });
    const before = await h.store.getMembership(org, "stale");
    expect(
      await h.memberships.applyUserUpserted({
        orgId: org,
        userId: "stale",
        name: "Old",
        permissions: ["old"],
        groups: [],
        sites: [],
        occurredAt: "2020-01-01T00:00:00Z",
      }),
    ).toBe("stale");
    expect(
      await h.memberships.applyUserUpserted({
        orgId: org,
        userId: "stale",
        name: "Dup",
        permissions: ["dup"],
        groups: [],
        sites: [],
        occurredAt: before!.lastEventAt,
      }),
    ).toBe("stale");
    expect(await h.store.getMembership(org, "stale")).toEqual(before);
    expect(await h.verifier.verify({ token: secret })).toMatchObject({ permissions: ["new"] });
  });

  test("use slides the expiry; an idle token is expired after 30 days, before any TTL deletion", async () => {
    const m = await h.addMember(uniqueOrg(), "slide");
    const idle = await h.userTokens.generate({ ...m, name: "idle" });
    const used = await h.userTokens.generate({ ...m, name: "used" });
    h.clock.advance(20 * 86_400);
    expect(await h.verifier.verify({ token: used.secret })).toMatchObject({ valid: true });
    const afterUse = await h.store.getToken(used.token.id);
    expect(afterUse!.expiresAt).toBeGreaterThan(Date.parse(used.token.expiresAt) / 1000 + 19 * 86_400);
    h.clock.advance(10 * 86_400 - 60);
    // Listing is no use: a minute before its 30 days the idle token is still there.
    expect((await h.userTokens.list(m)).map((t) => t.name).sort()).toEqual(["idle", "used"]);
    h.clock.advance(61);
    expect(await h.verifier.verify({ token: idle.secret })).toEqual({ valid: false, reason: "expired" });
    expect(await h.verifier.verify({ token: used.secret })).toMatchObject({ valid: true });
    // Neither listed nor counted: the record is still in the table (no TTL deletion has happened).
    expect(await h.store.getToken(idle.token.id)).toBeDefined();
    expect((await h.userTokens.list(m)).map((t) => t.id)).toEqual([used.token.id]);
    h.clock.advance(INACTIVITY_EXPIRY_SECONDS + 1);
    expect(await h.verifier.verify({ token: used.secret })).toEqual({ valid: false, reason: "expired" });
    expect(await h.userTokens.list(m)).toEqual([]);
    for (let i = 0; i < 10; i++) await h.userTokens.generate({ ...m, name: `fresh${i}` });
    expect(await h.userTokens.list(m)).toHaveLength(10);
  });

  test("the recorded last use is written at first use and then at most once per interval", async () => {
    const m = await h.addMember(uniqueOrg(), "hot");
    const { token, secret } = await h.userTokens.generate({ ...m, name: "t" });
    // A clock that moves only when told: the recorded times can be compared exactly, with no second ticking
    // over between a verification and the test's own reading of the clock.
    let nowMs = h.clock.now().getTime();
    const verifier = new TokenVerifier({ store: h.store, clock: { now: () => new Date(nowMs) } });
    const lastUsedAt = async () => (await h.store.getToken(token.id))!.lastUsedAt;

    const firstUse = new Date(nowMs).toISOString();
    await verifier.verify({ token: secret });
    expect(await lastUsedAt()).toBe(firstUse);
    nowMs += LAST_USED_WRITE_INTERVAL_MS - 1;
    await verifier.verify({ token: secret });
    expect(await lastUsedAt()).toBe(firstUse);
    nowMs += 1;
    await verifier.verify({ token: secret });
    expect(await lastUsedAt()).toBe(new Date(nowMs).toISOString());
  });

  test("login: user tokens only", async () => {
    const m = await h.addMember(uniqueOrg(), "log", { name: "Logan" });
    const { secret } = await h.userTokens.generate({ ...m, name: "t" });
    expect(await h.verifier.login(secret)).toEqual({ orgId: m.orgId, user: { id: "log", name: "Logan" } });
    expect(await code(h.verifier.login("atk_user_nope"))).toBe("unauthenticated");
    expect(await code(h.verifier.login(undefined))).toBe("unauthenticated");
  });
});

describe("password checks that fail for other reasons", () => {
  test("an identity-provider outage is an error, not a wrong password: it never locks anyone", async () => {
    const m = await h.addMember(`org-${randomUUID().slice(0, 8)}`, `outage-${randomUUID().slice(0, 6)}`);
    const original = h.passwordCheck.verify.bind(h.passwordCheck);
    h.passwordCheck.verify = async () => {
      throw new Error("identity provider down");
    };
    try {
      for (let i = 0; i < 6; i++) {
        await expect(h.userTokens.generate({ ...m, name: "x" })).rejects.toThrow("identity provider down");
      }
    } finally {
      h.passwordCheck.verify = original;
    }
    expect(await code(h.userTokens.generate({ ...m, name: "after outage" }))).toBe("ok");
    expect((await h.store.getPasswordFailures(m.userId))?.failedAt ?? []).toEqual([]);
  });
});

describe("the password re-check gets what the session says about the person", () => {
  test("the platform id and the identity provider's name for the person (cognito:username) reach the check", async () => {
    const m = await h.addMember(uniqueOrg(), `named-${randomUUID().slice(0, 6)}`);
    const before = h.passwordCheck.askedAbout.length;
    expect(await code(h.userTokens.generate({ ...m, signInName: "ada@example.com", name: "x" }))).toBe("ok");
    expect(await code(h.userTokens.generate({ ...m, name: "y" }))).toBe("ok");
    expect(h.passwordCheck.askedAbout.slice(before)).toEqual([
      { userId: m.userId, signInName: "ada@example.com" },
      { userId: m.userId, signInName: undefined },
    ]);
  });

  test("a session the identity provider cannot check (401) is no wrong password: it never counts toward the lock", async () => {
    const m = await h.addMember(uniqueOrg(), `foreign-${randomUUID().slice(0, 6)}`);
    const original = h.passwordCheck.verify.bind(h.passwordCheck);
    h.passwordCheck.verify = async () => {
      throw new DomainError("unauthenticated", "Your session does not come from this service's sign-in.");
    };
    try {
      for (let i = 0; i < 6; i++)
        expect(await code(h.userTokens.generate({ ...m, name: "x", password: "whatever" }))).toBe("unauthenticated");
    } finally {
      h.passwordCheck.verify = original;
    }
    expect((await h.store.getPasswordFailures(m.userId))?.failedAt ?? []).toEqual([]);
    expect(await code(h.userTokens.generate({ ...m, name: "afterwards" }))).toBe("ok");
  });
});
