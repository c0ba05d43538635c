import { randomUUID } from "node:crypto";
import { crc32 } from "node:zlib";
import { beforeAll, describe, expect, test } from "vitest";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { SYSTEM_ACTOR, expiryAfter, type TokenRecord } from "../../functions/domain/model.ts";
import type { TokenStore } from "../../functions/domain/ports.ts";
import { newTokenSecret } from "../../functions/domain/token-secret.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

/**
 * API.md "Using a token": every invalid reason and the order among them, a token whose state changes between
 * verification's read and its write, expiry recorded by the verification that finds it, and login.
 */

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const uniqueOrg = () => `org-${randomUUID().slice(0, 8)}`;
const activityOf = async (orgId: string) => (await h.store.listActivity(orgId, 200, undefined)).items;

/** API.md "Token format": base62 characters ending in a CRC32 checksum of everything before it (6 base62 characters). */
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function withChecksum(unsigned: string): string {
  let value = crc32(Buffer.from(unsigned, "utf8"));
  let out = "";
  for (let i = 0; i < 6; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return unsigned + out;
}
const random62 = (n: number) => Array.from({ length: n }, () => BASE62[Math.floor(Math.random() * 62)]).join("");

/** A clock that moves only when told, so a test can stand exactly at a boundary. */
const manualClock = (start: Date) => {
  let nowMs = start.getTime();
  return { now: () => new Date(nowMs), set: (ms: number) => (nowMs = ms), advanceMs: (ms: number) => (nowMs += ms) };
};

async function person(options: { name?: string } = {}) {
  const org = uniqueOrg();
  const m = await h.addMember(org, `p-${randomUUID().slice(0, 6)}`, options);
  const made = await h.userTokens.generate({ ...m, name: "t" });
  return { org, m, ...made };
}

describe("malformed: no database read decides it", () => {
  test("a string that is not in the token format, a wrong checksum, or one character too many", async () => {
    const { secret } = await person();
    const flipped = secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
    for (const presented of ["", "hello", "atk_user_", secret.slice(0, -1), flipped, `${secret}0`, `x${secret}`, secret.toUpperCase()]) {
      expect(await h.verifier.verify({ token: presented }), presented).toEqual({ valid: false, reason: "malformed" });
    }
  });

  test("malformed comes before wrong_org", async () => {
    expect(await h.verifier.verify({ token: "nonsense", orgId: "some-org" })).toEqual({ valid: false, reason: "malformed" });
  });
});

describe("not_found: well-formed, but no such token", () => {
  test("a well-formed token that was never issued, or a real id with another secret, or a real id under the other kind's prefix", async () => {
    const { org, token, secret } = await person();
    const neverIssued = newTokenSecret("user").secret;
    const sameIdOtherSecret = withChecksum(`atk_user_${token.id}${random62(26)}`);
    const sameIdOtherKind = withChecksum(`atk_svc_${secret.slice("atk_user_".length, -6)}`);
    for (const presented of [neverIssued, sameIdOtherSecret, sameIdOtherKind]) {
      expect(await h.verifier.verify({ token: presented })).toEqual({ valid: false, reason: "not_found" });
      // not_found comes before wrong_org
      expect(await h.verifier.verify({ token: presented, orgId: `${org}-other` })).toEqual({ valid: false, reason: "not_found" });
    }
    // The real token still verifies, and no use was recorded for the forged ones.
    expect((await h.store.getToken(token.id))!.lastUsedAt).toBeNull();
    expect(await h.verifier.verify({ token: secret })).toMatchObject({ valid: true });
  });
});

describe("orgId", () => {
  test("the token's own organization is the same as no orgId", async () => {
    const { org, token, secret, m } = await person({ name: "Own Org" });
    expect(await h.verifier.verify({ token: secret, orgId: org })).toEqual({
      valid: true,
      orgId: org,
      tokenId: token.id,
      kind: "user",
      principal: { type: "user", id: m.userId, name: "Own Org" },
      permissions: ["reports:read"],
      groups: ["finance"],
      sites: ["london"],
      canLogin: true,
    });
  });

  test("wrong_org comes before revoked and before expired; revoked comes before expired", async () => {
    const a = await person();
    const b = await person();
    await h.revoke({ ...a.m, tokenId: a.token.id });
    h.clock.advance(31 * 86_400);
    expect(await h.verifier.verify({ token: a.secret, orgId: b.org })).toEqual({ valid: false, reason: "wrong_org" });
    expect(await h.verifier.verify({ token: b.secret, orgId: a.org })).toEqual({ valid: false, reason: "wrong_org" });
    expect(await h.verifier.verify({ token: a.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: b.secret })).toEqual({ valid: false, reason: "expired" });
  });
});

describe("expiry found by a verification", () => {
  test("is recorded at once, once, by System with reason inactivity; a revoked token past its time gets no expiry record", async () => {
    const live = await person();
    const revoked = await person();
    await h.revoke({ ...revoked.m, tokenId: revoked.token.id });
    h.clock.advance(30 * 86_400 + 1);
    expect(await h.verifier.verify({ token: live.secret })).toEqual({ valid: false, reason: "expired" });
    const recorded = (await activityOf(live.org)).filter((e) => e.action === "token.expired");
    expect(recorded.map(({ tokenId, actor, detail }) => ({ tokenId, actor, detail }))).toEqual([
      { tokenId: live.token.id, actor: SYSTEM_ACTOR, detail: { kind: "user", name: "t", ownerId: live.m.userId, reason: "inactivity" } },
    ]);
    expect(await h.verifier.verify({ token: live.secret })).toEqual({ valid: false, reason: "expired" });
    expect((await activityOf(live.org)).filter((e) => e.action === "token.expired")).toHaveLength(1);

    expect(await h.verifier.verify({ token: revoked.secret })).toEqual({ valid: false, reason: "revoked" });
    expect((await activityOf(revoked.org)).filter((e) => e.action === "token.expired")).toEqual([]);
  });

  test("a token is live until the very second its 30 days are up", async () => {
    const { token, secret } = await person();
    const stored = (await h.store.getToken(token.id))!;
    const clock = manualClock(new Date(stored.expiresAt * 1000 - 1));
    const verifier = new TokenVerifier({ store: h.store, clock });
    // Used a millisecond before: it lives 30 more days from that use (the expiry is rounded up to the second).
    expect(await verifier.verify({ token: secret })).toMatchObject({ valid: true });
    const used = (await h.store.getToken(token.id))!;
    expect(used.lastUsedAt).toBe(clock.now().toISOString());
    expect(used.expiresAt).toBe(expiryAfter(clock.now()));
    expect(used.expiresAt).toBe(stored.expiresAt + 30 * 86_400);
    clock.set(used.expiresAt * 1000);
    expect(await verifier.verify({ token: secret })).toEqual({ valid: false, reason: "expired" });
  });
});

/** A store that lets the test act between verification's read of the token and its write of the use. */
function storeWithHookBeforeUse(
  store: TokenStore,
  beforeUse: (token: TokenRecord) => Promise<void>,
  options: { goneAfterwards?: boolean } = {},
): TokenStore {
  let used = false;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "recordTokenUse") {
        return async (...args: Parameters<TokenStore["recordTokenUse"]>) => {
          await beforeUse(args[0]);
          used = true;
          return target.recordTokenUse(...args);
        };
      }
      if (property === "getToken" && options.goneAfterwards) {
        return async (id: string) => (used ? undefined : target.getToken(id));
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("the token changes between verification's read and its write", () => {
  test("revoked meanwhile: the answer is revoked, and no use is recorded", async () => {
    const { m, token, secret } = await person();
    const store = storeWithHookBeforeUse(h.store, async () => {
      await h.revoke({ ...m, tokenId: token.id });
    });
    const verifier = new TokenVerifier({ store, clock: h.clock });
    expect(await verifier.verify({ token: secret })).toEqual({ valid: false, reason: "revoked" });
    expect((await h.store.getToken(token.id))!.lastUsedAt).toBeNull();
  });

  test("gone meanwhile (deleted by TTL): the answer is not_found", async () => {
    const { m, token, secret } = await person();
    const store = storeWithHookBeforeUse(
      h.store,
      async () => {
        await h.revoke({ ...m, tokenId: token.id });
      },
      { goneAfterwards: true },
    );
    const verifier = new TokenVerifier({ store, clock: h.clock });
    expect(await verifier.verify({ token: secret })).toEqual({ valid: false, reason: "not_found" });
  });

  test("a login whose token is revoked between its two halves is unauthenticated and records no login", async () => {
    const { org, m, token, secret } = await person();
    const who = await h.verifier.authenticateLogin(secret);
    expect(who.id).toBe(token.id);
    await h.revoke({ ...m, tokenId: token.id });
    expect(await code(h.verifier.completeLogin(who))).toBe("unauthenticated");
    expect((await activityOf(org)).filter((e) => e.action === "token.login")).toEqual([]);
  });
});

describe("login", () => {
  test("each login is recorded with the person as actor, even two within the use-write interval; the first records the use", async () => {
    const { org, m, token, secret } = await person({ name: "Lou" });
    const clock = manualClock(h.clock.now());
    const verifier = new TokenVerifier({ store: h.store, clock });
    expect(await verifier.login(secret)).toEqual({ orgId: org, user: { id: m.userId, name: "Lou" } });
    expect((await h.store.getToken(token.id))!.lastUsedAt).toBe(clock.now().toISOString());
    clock.advanceMs(1000);
    expect(await verifier.login(secret)).toEqual({ orgId: org, user: { id: m.userId, name: "Lou" } });
    const logins = (await activityOf(org)).filter((e) => e.action === "token.login");
    expect(logins).toHaveLength(2);
    for (const login of logins) {
      expect(login).toMatchObject({ tokenId: token.id, actor: { type: "user", id: m.userId, name: "Lou" } });
    }
  });

  test("a service-user token cannot log in (403 login_not_allowed); a revoked or expired user token is unauthenticated", async () => {
    const admin = await h.newAdmin();
    const serviceUsers = new ServiceUsers(h);
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const robot = await serviceUsers.generateToken(admin, su.id, "robot");
    expect(await code(h.verifier.login(robot.secret))).toBe("login_not_allowed");
    expect((await activityOf(admin.orgId)).filter((e) => e.action === "token.login")).toEqual([]);

    const revoked = await person();
    await h.revoke({ ...revoked.m, tokenId: revoked.token.id });
    expect(await code(h.verifier.login(revoked.secret))).toBe("unauthenticated");
    const expired = await person();
    h.clock.advance(31 * 86_400);
    expect(await code(h.verifier.login(expired.secret))).toBe("unauthenticated");
    expect(await code(h.verifier.login("garbage"))).toBe("unauthenticated");
  });
});
